"""Where a conversation's state lives between messages (flows/engine.py reads and
leaves it; the dispatcher keeps it with the answer).

The database always holds a copy; Redis, when configured, is read first. If Redis
stops answering, the store keeps working from the database and stays off Redis
for a short while instead of waiting on a dead socket for every message.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import orjson
import redis
from sqlalchemy import bindparam, delete
from sqlalchemy.orm import Session

from models.base import as_utc, utcnow
from models.chat import DialogStateRow
from models.db import Database, Executor, affected_rows, json_text
from models.inserts import upsert

log = logging.getLogger(__name__)

# States outlive their flows' idle limit so the engine can still say "that expired".
KEEP_AFTER_IDLE = timedelta(hours=24)


@dataclass
class DialogState:
    flow: str | None = None
    step: str | None = None
    slots: dict[str, Any] = field(default_factory=dict)
    idle_deadline: float = 0.0  # epoch seconds; after it the flow has expired
    suspended: dict[str, Any] | None = None  # a flow interrupted by another, to offer to resume
    misses: int = 0  # messages in a row the bot did not understand

    @property
    def active(self) -> bool:
        return self.flow is not None

    @property
    def empty(self) -> bool:
        """Nothing to keep: neither a flow nor a paused one, nor a miss to count."""
        return not self.active and not self.suspended and not self.misses

    def expired(self, now: float | None = None) -> bool:
        return self.active and (now or time.time()) > self.idle_deadline

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DialogState:
        return cls(**{k: data[k] for k in ("flow", "step", "slots", "idle_deadline", "suspended", "misses")
                     if k in data})


class StateStore:
    def __init__(self, db: Database, redis_client: redis.Redis | None = None, *, backoff_seconds: float = 5.0) -> None:
        self.db = db
        self.redis = redis_client
        self.backoff_seconds = backoff_seconds
        self._redis_down_until = 0.0
        self._lock = threading.Lock()
        # Users whose state changed while Redis was away: their Redis copy is stale.
        self._stale_in_redis: set[str] = set()

    def _key(self, user_id: str) -> str:
        return f"smartservice:dialog:{user_id}"

    def _usable_redis(self) -> redis.Redis | None:
        """The Redis client, unless there is none or it failed within the backoff."""
        return self.redis if time.monotonic() >= self._redis_down_until else None

    def _redis_failed(self, exc: Exception, user_id: str | None = None) -> None:
        with self._lock:
            self._redis_down_until = time.monotonic() + self.backoff_seconds
            if user_id:
                self._stale_in_redis.add(user_id)
        log.warning("Redis unavailable, dialog state from the database: %s", exc)

    def load(self, user_id: str) -> DialogState:
        client = self._usable_redis()
        if client is not None and user_id not in self._stale_in_redis:
            try:
                raw = cast(bytes | None, client.get(self._key(user_id)))
                return DialogState.from_dict(orjson.loads(raw)) if raw else DialogState()
            except redis.RedisError as exc:
                self._redis_failed(exc)
        with self.db.session() as session:
            data = _load_row(session, user_id)
        return DialogState.from_dict(data) if data else DialogState()

    def save(self, user_id: str, state: DialogState) -> None:
        with self.db.session() as session, session.begin():
            self.write(session, {user_id: state})
        self.cache(user_id, state)

    def write(self, executor: Executor, states: Mapping[str, DialogState]) -> None:
        """The database copies, in the caller's transaction (the dispatcher's is the
        one that records the answers); call `cache` after it commits."""
        _save_rows(executor, {
            user_id: None if state.empty
            else (state.to_dict(), datetime.fromtimestamp(self._keep_until(state), UTC))
            for user_id, state in states.items()
        })

    def cache(self, user_id: str, state: DialogState) -> None:
        """The Redis copy, once the database copy is committed."""
        client = self._usable_redis()
        if client is None:
            if self.redis is not None:
                self._stale_in_redis.add(user_id)
            return
        try:
            if state.empty:
                client.delete(self._key(user_id))
            else:
                keep_until = self._keep_until(state)
                client.set(self._key(user_id), json_text(state.to_dict()),
                               ex=int(keep_until - time.time()) + 1)
            self._stale_in_redis.discard(user_id)
        except redis.RedisError as exc:
            self._redis_failed(exc, user_id)

    @staticmethod
    def _keep_until(state: DialogState) -> float:
        return max(state.idle_deadline, time.time()) + KEEP_AFTER_IDLE.total_seconds()


# -- the database copy --------------------------------------------------------------
_states = DialogStateRow.__table__
_CLEAR = delete(_states).where(_states.c.line_user_id.in_(bindparam("user_ids", expanding=True)))


def _load_row(session: Session, line_user_id: str) -> dict[str, Any] | None:
    row = session.get(DialogStateRow, line_user_id)
    if row is None:
        return None
    expires = as_utc(row.expires_at)
    if expires <= datetime.now(UTC):
        return None
    return dict(row.state)


def _save_rows(executor: Executor, states: Mapping[str, tuple[dict[str, Any], datetime] | None]) -> None:
    """Each user's state, kept until its time (None: nothing left to keep, removed).
    One statement each way, whatever the number of users: this runs in the
    transaction that records the answers to several events at once."""
    now = utcnow()
    kept = [{"line_user_id": user_id, "state": state[0], "expires_at": state[1], "updated_at": now}
            for user_id, state in states.items() if state is not None]
    if kept:
        upsert(executor, _states, "line_user_id", kept)
    removed = [user_id for user_id, state in states.items() if state is None]
    if removed:
        executor.execute(_CLEAR, {"user_ids": removed})


def purge_expired(session: Session) -> int:
    return affected_rows(session.execute(delete(DialogStateRow).where(DialogStateRow.expires_at < datetime.now(UTC))))
