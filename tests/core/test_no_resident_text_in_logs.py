"""Issue 12, finding 8: when a database write fails, the error that is logged must
not carry what residents wrote. SQLAlchemy prints a failed statement's parameters
unless the engine hides them, and PostgreSQL repeats the failing row in its DETAIL
("Failing row contains (…)") and a bad value in a data error's own message."""
from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from sqlalchemy import insert, text
from sqlalchemy.exc import DBAPIError

from models.base import utcnow
from models.chat import ChatMessage
from models.db import Database

RESIDENT = "น้ำไม่ไหลที่บ้านเลขที่ 99/1 ซอยสุขใจ โทร 0812345678"
log = logging.getLogger("bot.dispatch")  # where a failed event is logged, with its traceback


def _row() -> dict:
    # direction 'no' breaks the table's check: the write fails with the text in it.
    return {"line_user_id": "U1", "direction": "no", "type": "text", "text": RESIDENT,
            "payload": {"type": "text", "text": RESIDENT}, "unsent": False, "created_at": utcnow()}


def _orm(db: Database) -> None:
    with db.session() as s, s.begin():
        s.add(ChatMessage(**_row()))


def _core(db: Database) -> None:
    with db.transaction() as conn:  # the webhook pipeline's own writes
        conn.execute(insert(ChatMessage), [_row()])


def _bad_value(db: Database) -> None:
    with db.transaction() as conn:
        conn.execute(text("SELECT CAST(:v AS integer)"), {"v": RESIDENT})


@pytest.mark.parametrize("write", [_orm, _core], ids=["session", "connection"])
def test_a_failed_write_logs_the_failure_but_not_what_the_resident_wrote(database_url, caplog,
                                                                        write: Callable[[Database], None]):
    _fails_without_the_residents_words(database_url, caplog, write)


def test_a_data_error_logs_the_failure_but_not_the_value(pg_url, caplog):
    """PostgreSQL only: SQLite casts anything to an integer without complaint."""
    _fails_without_the_residents_words(pg_url, caplog, _bad_value)


def _fails_without_the_residents_words(url: str, caplog, write: Callable[[Database], None]) -> None:
    db = Database(url)
    failed: DBAPIError | None = None
    with caplog.at_level(logging.ERROR, logger="bot.dispatch"):
        try:
            write(db)
        except DBAPIError as exc:  # as the dispatcher catches and logs a failed event
            failed = exc
            log.exception("event %s failed", "ev-1")
        finally:
            db.engine.dispose()
    assert failed is not None
    logged = caplog.text
    assert "ev-1" in logged and type(failed.orig).__name__ in logged  # the failure itself is there
    assert RESIDENT not in logged and "0812345678" not in logged and "99/1" not in logged
    assert RESIDENT not in str(failed)  # nor where an event's error is stored (webhook_events.error)


def test_logged_tracebacks_keep_frames_and_types_but_not_messages():
    """A flow's bug can raise with a resident's words in its message: the log line
    keeps where and what, not the words."""
    import json
    import logging

    from bot.logs import JsonFormatter

    typed = " ".join(["บ้านเลขที่", "12/3", "ซอยวัดใหม่"])  # the source line shows code, not the words
    try:
        try:
            int(typed)
        except ValueError as exc:
            raise RuntimeError(f"could not read {exc}") from exc
    except RuntimeError:
        import sys

        record = logging.LogRecord("bot.dispatch", logging.ERROR, __file__, 1, "event %s failed", ("E1",),
                                   sys.exc_info())
    line = json.loads(JsonFormatter().format(record))
    assert typed not in line["error"]
    assert "builtins.ValueError" in line["error"] and "builtins.RuntimeError" in line["error"]
    assert "test_logged_tracebacks_keep_frames_and_types_but_not_messages" in line["error"]
    assert line["message"] == "event E1 failed"
