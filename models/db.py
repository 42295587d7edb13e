"""Engine and session handling for SQLite and PostgreSQL.

Sessions are explicit: callers open ``with db.session() as s, s.begin():`` so every
transaction boundary is visible where the work happens; the webhook pipeline's own
writes use ``with db.transaction() as conn:``, a Core connection (no ORM).
"""
from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

import orjson
from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import Connection, CursorResult, Engine, Result, create_engine, event, exc, text
from sqlalchemy.orm import Session, sessionmaker

PING_AFTER_IDLE = 2.0  # seconds a pooled connection may rest before it is tested again

# Where statements run: an ORM session, or a Core connection in a transaction (what
# every webhook event writes, where a session's bookkeeping costs more than the SQL).
Executor = Session | Connection


class DatabaseSettings(BaseSettings):
    """Where the database is: all that the schema and data commands need, read as
    the bot reads it (the environment or ``.env``); the bot's Settings extend it."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = "sqlite:///smartservice.db"

    @field_validator("database_url")
    @classmethod
    def _database(cls, value: str) -> str:
        # Plain postgresql:// URLs would pick psycopg2, which we do not ship.
        for prefix in ("postgresql://", "postgres://"):
            if value.startswith(prefix):
                return "postgresql+psycopg://" + value.removeprefix(prefix)
        return value


def configured_database() -> Database:
    """The database of DATABASE_URL, for the command-line tools."""
    return Database(DatabaseSettings().database_url)


def affected_rows(result: Result[Any]) -> int:
    """Rows an UPDATE or DELETE touched: an execute() of one returns a CursorResult,
    which SQLAlchemy's annotations cannot tell from a query's Result."""
    return cast(CursorResult[Any], result).rowcount


def dialect_of(executor: Executor) -> str:
    """'postgresql' or 'sqlite', for the few statements the two write differently."""
    return (executor.get_bind() if isinstance(executor, Session) else executor).dialect.name


def json_text(value: object) -> str:
    """JSON columns as compact UTF-8 (Thai stays Thai, not \\u escapes). orjson, as
    every answer stores its Flex messages: json.dumps was most of the cost of that."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def make_engine(url: str, **kwargs: object) -> Engine:
    # A failed statement's parameters are residents' words (messages, names, phones):
    # never in an exception, so never in a log line or a stored error.
    kwargs = {"json_serializer": json_text, "json_deserializer": orjson.loads, **kwargs, "hide_parameters": True}
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no branch
            # WAL lets the webhook read while a worker writes; foreign keys are off by default.
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    engine = create_engine(url, **{"pool_size": 20, "max_overflow": 20, **kwargs})
    _ping_when_idle(engine)
    _errors_without_row_data(engine)
    return engine


def _errors_without_row_data(engine: Engine) -> None:
    """PostgreSQL's errors repeat what failed: the DETAIL the whole row or key
    ("Failing row contains (…)", "Key (…)=(…) already exists"), data errors (class
    22) the value itself ('invalid input syntax for type integer: "…"'): the
    parameters hide_parameters hides, back in the message. What is printed keeps the
    primary message (the SQLSTATE alone for data errors); the exception types stay,
    and everything stays on ``.orig.diag`` for code that looks."""

    @event.listens_for(engine, "handle_error")
    def _terse(context):  # pragma: no branch
        orig = context.original_exception
        state = getattr(getattr(orig, "diag", None), "sqlstate", None)
        if state is None:  # not from the server: psycopg's own messages carry no values
            return
        message = f"SQLSTATE {state}" if state.startswith("22") else orig.diag.message_primary
        orig.args = (message,)
        if context.sqlalchemy_exception is not None:
            context.sqlalchemy_exception.args = (f"({type(orig).__module__}.{type(orig).__name__}) {message}",)


def _ping_when_idle(engine: Engine) -> None:
    """Test a pooled connection before use only if it sat idle. pool_pre_ping tests
    every checkout: one more round trip per transaction, 4% of the bot's CPU under
    load, to learn what the connection's last use a moment ago already showed. An idle
    one may have been dropped by a database restart; if the test fails the pool
    replaces it and the caller never sees the dead connection."""

    @event.listens_for(engine, "checkin")
    def _idle_from(_dbapi_conn, record):  # pragma: no branch
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _test_if_idle(dbapi_conn, record, _proxy):  # pragma: no branch
        idle_since = record.info.get("idle_since")
        if idle_since is not None and time.monotonic() - idle_since > PING_AFTER_IDLE:
            try:
                alive = engine.dialect.do_ping(dbapi_conn)
            except Exception:  # noqa: BLE001 - any failure means this connection is unusable
                alive = False
            if not alive:
                raise exc.DisconnectionError("idle connection no longer answers")


class Database:
    def __init__(self, url: str, **engine_kwargs: object) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._sessions() as session:
            yield session

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A Core connection in a transaction, committed at the end: for the statements
        every event runs (an ORM session transaction costs about 0.4 ms more)."""
        with self.engine.begin() as connection:
            yield connection

    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"
