"""Group commit: the writes of many threads in one transaction.

Every webhook request and every answered event ends in a small transaction, and
under load most of its cost is the transaction itself (BEGIN, a round trip per
statement, COMMIT and its flush to disk) rather than the rows. Threads that want
to write at the same time are therefore written together: the first one in leads,
takes everything waiting, writes it with one statement per kind of row, commits,
and hands the lead to the next thread that arrived meanwhile. A thread alone
writes its own work at once, so nothing waits for a batch to fill.

Each caller still gets its own answer: its result once the transaction that holds
its work has committed, or its own error. When a batch fails, its items are
written again one by one, so one bad item cannot fail the others; only a lost
connection fails them all at once (each alone would only wait for it again).
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from models.db import Database

T = TypeVar("T")
R = TypeVar("R")

Write = Callable[[Connection, Sequence[T]], Sequence[R]]  # one result per item, in order


class _Waiter(Generic[T, R]):
    __slots__ = ("item", "result", "error", "leads", "woken")

    def __init__(self, item: T) -> None:
        self.item = item
        self.result: R | None = None
        self.error: BaseException | None = None
        self.leads = False
        self.woken = threading.Event()


class GroupCommit(Generic[T, R]):
    def __init__(self, db: Database, write: Write[T, R], *, max_batch: int = 64,
                 observe: Callable[[int], None] | None = None) -> None:
        self.db = db
        self.write = write
        self.max_batch = max_batch
        self.observe = observe  # told each batch's size (a metric)
        self._lock = threading.Lock()
        self._waiting: list[_Waiter[T, R]] = []
        self._leader = False  # a thread is writing a batch now

    def __call__(self, item: T) -> R:
        """Write `item` (with whatever else is waiting) and return its result once committed."""
        me: _Waiter[T, R] = _Waiter(item)
        with self._lock:
            self._waiting.append(me)
            me.leads = not self._leader
            self._leader = True
        if not me.leads:
            me.woken.wait()
        if me.leads:
            self._lead()
        if me.error is not None:
            raise me.error
        return me.result  # type: ignore[return-value]

    def _lead(self) -> None:
        with self._lock:
            batch, self._waiting = self._waiting[:self.max_batch], self._waiting[self.max_batch:]
        if self.observe is not None:
            self.observe(len(batch))
        try:
            self._write(batch)
        finally:
            with self._lock:
                successor = self._waiting[0] if self._waiting else None
                self._leader = successor is not None
            if successor is not None:
                successor.leads = True
                successor.woken.set()
            for waiter in batch:
                waiter.leads = False
                waiter.woken.set()

    def _write(self, batch: list[_Waiter[T, R]]) -> None:
        try:
            results = self._transaction([w.item for w in batch])
        except Exception as exc:  # noqa: BLE001 - handed to the callers
            if len(batch) == 1 or (isinstance(exc, DBAPIError) and exc.connection_invalidated):
                for waiter in batch:
                    waiter.error = exc
                return
            for waiter in batch:  # find the one that failed; the others go through
                try:
                    [waiter.result] = self._transaction([waiter.item])
                except Exception as alone:  # noqa: BLE001 - handed to its caller
                    waiter.error = alone
            return
        for waiter, result in zip(batch, results, strict=True):
            waiter.result = result

    def _transaction(self, items: list[T]) -> Sequence[R]:
        with self.db.transaction() as connection:
            return self.write(connection, items)
