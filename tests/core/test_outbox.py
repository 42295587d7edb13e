"""The outbox: one row per retry key, however often or however concurrently it is queued."""
from __future__ import annotations

import threading
import uuid

from sqlalchemy import func, select

from models.chat import OutboxMessage
from models.db import Database
from services.messaging import outbox

MESSAGES = [{"type": "text", "text": "แจ้งเตือนค่าน้ำประจำเดือน"}]


def _rows(db: Database, key: str) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.retry_key == key))


def test_a_key_queued_again_gives_back_the_first_push_as_it_now_is(database_url):
    db = Database(database_url)
    key = str(uuid.uuid4())
    with db.transaction() as connection:
        first = outbox.enqueue(connection, "U1", MESSAGES, reason="notification", retry_key=key)
    assert (first.status, first.messages, first.retry_key) == ("pending", MESSAGES, key)
    with db.session() as session, session.begin():
        outbox.mark_sent(session, first.id)
    with db.transaction() as connection:
        again = outbox.enqueue(connection, "U1", [{"type": "text", "text": "อื่น"}], reason="notification",
                               retry_key=key)
    assert (again.id, again.status, again.messages) == (first.id, "sent", MESSAGES)
    assert _rows(db, key) == 1
    db.engine.dispose()


def test_two_transactions_queueing_one_key_at_once_make_one_push(pg_url):
    db = Database(pg_url)
    key = str(uuid.uuid4())
    start = threading.Barrier(2)
    got: list[int] = []

    def queue() -> None:
        with db.transaction() as connection:
            start.wait(5)
            got.append(outbox.enqueue(connection, "U2", MESSAGES, reason="notification", retry_key=key).id)

    threads = [threading.Thread(target=queue) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(got) == 2 and got[0] == got[1]
    assert _rows(db, key) == 1
    db.engine.dispose()
