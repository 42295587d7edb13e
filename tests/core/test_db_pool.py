"""Pooled PostgreSQL connections: tested only after resting, never handed out dead."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from models import db as dbmod
from models.db import Database


@pytest.fixture
def database(pg_url):
    database = Database(pg_url, pool_size=1, max_overflow=0)
    yield database
    database.engine.dispose()


@pytest.fixture
def pings(database, monkeypatch) -> list[bool]:
    """The answers of the connection tests the pool made."""
    seen: list[bool] = []
    real = database.engine.dialect.do_ping

    def counted(dbapi_conn):
        try:
            alive = real(dbapi_conn)
        except Exception:
            alive = False
        seen.append(alive)
        return alive

    monkeypatch.setattr(database.engine.dialect, "do_ping", counted)
    return seen


def _backend_pid(database: Database) -> int:
    with database.session() as session:
        return session.execute(text("SELECT pg_backend_pid()")).scalar_one()


def test_a_connection_dropped_while_idle_is_replaced(database, pings, pg_url, monkeypatch):
    monkeypatch.setattr(dbmod, "PING_AFTER_IDLE", 0.0)
    first = _backend_pid(database)
    with Database(pg_url).session() as other, other.begin():  # as a database restart would
        other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
    second = _backend_pid(database)  # no error: the dead connection was tested and replaced
    assert second != first
    assert pings == [False]


def test_a_connection_in_steady_use_is_not_tested(database, pings):
    for _ in range(5):
        _backend_pid(database)
    assert pings == []
