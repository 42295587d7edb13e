"""Group commit: threads that write at once share a transaction, yet each gets its
own result or its own error, and nothing of a failed item is kept."""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, func, select
from sqlalchemy.exc import IntegrityError

from models.db import Database
from models.group_commit import GroupCommit

_meta = MetaData()
_probe = Table("group_commit_probe", _meta, Column("id", Integer, primary_key=True),
               Column("value", String(40), unique=True, nullable=False))


@pytest.fixture
def db(database_url):
    database = Database(database_url)
    _meta.drop_all(database.engine)
    _meta.create_all(database.engine)
    yield database
    _meta.drop_all(database.engine)
    database.engine.dispose()


class Recorder:
    """A write that inserts each item's values and says which batch it was in; it
    can be held inside its transaction, so that others queue up behind it."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.hold = threading.Event()
        self.hold.set()
        self.inside = threading.Event()

    def __call__(self, connection, items):
        self.batches.append([v for item in items for v in item])
        self.inside.set()
        self.hold.wait(10)
        for item in items:
            for value in item:
                connection.execute(_probe.insert().values(value=value))
        return [f"ok:{'+'.join(item)}" for item in items]


def _values(db: Database) -> list[str]:
    with db.transaction() as connection:
        return sorted(connection.scalars(select(_probe.c.value)))


def test_a_writer_alone_commits_its_own_item_at_once(db):
    write = Recorder()
    commit = GroupCommit(db, write)
    assert commit(["a"]) == "ok:a"
    assert write.batches == [["a"]]
    assert _values(db) == ["a"]


def test_writers_that_arrive_during_a_transaction_share_the_next_one(db):
    write = Recorder()
    commit = GroupCommit(db, write)
    write.hold.clear()
    with ThreadPoolExecutor(11) as pool:
        first = pool.submit(commit, ["first"])
        assert write.inside.wait(10)
        others = [pool.submit(commit, [f"v{i}"]) for i in range(10)]
        time.sleep(0.3)  # all ten are waiting behind the first transaction
        write.hold.set()
        assert first.result(10) == "ok:first"
        assert [f.result(10) for f in others] == [f"ok:v{i}" for i in range(10)]
    assert write.batches[0] == ["first"]
    assert len(write.batches) == 2 and sorted(write.batches[1]) == sorted(f"v{i}" for i in range(10))
    assert len(_values(db)) == 11


def test_an_item_that_fails_fails_alone_and_leaves_nothing(db):
    write = Recorder()
    commit = GroupCommit(db, write)
    commit(["taken"])
    write.hold.clear()
    with ThreadPoolExecutor(4) as pool:
        blocker = pool.submit(commit, ["blocker"])
        assert write.inside.wait(10)
        good = pool.submit(commit, ["good-1"])
        bad = pool.submit(commit, ["fresh", "taken"])  # its second row breaks the unique value
        also_good = pool.submit(commit, ["good-2"])
        time.sleep(0.3)
        write.hold.set()
        assert blocker.result(10) == "ok:blocker"
        assert good.result(10) == "ok:good-1" and also_good.result(10) == "ok:good-2"
        with pytest.raises(IntegrityError):
            bad.result(10)
    # The shared batch failed and was written again item by item: "fresh" is gone
    # with its item's transaction, the others are committed.
    assert _values(db) == ["blocker", "good-1", "good-2", "taken"]
    assert commit(["after"]) == "ok:after"  # the lead was handed on, not lost


def test_many_threads_each_get_their_own_result(db):
    commit = GroupCommit(db, lambda connection, items: [
        connection.execute(_probe.insert().values(value=item).returning(_probe.c.value)).scalar_one()
        for item in items])
    with ThreadPoolExecutor(16) as pool:
        futures = {f"t{i}": pool.submit(commit, f"t{i}") for i in range(320)}
        assert {k: f.result(30) for k, f in futures.items()} == {k: k for k in futures}
    with db.transaction() as connection:
        assert connection.scalar(select(func.count()).select_from(_probe)) == 320
