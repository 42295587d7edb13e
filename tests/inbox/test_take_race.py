"""Two staff members pressing รับเรื่อง on one chat at the same moment, each in a
transaction of their own, on PostgreSQL: exactly one gets it, the other is told who
has it, and can then take it over only deliberately (audited)."""
from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from models.chat import ChatHandling, Conversation
from models.db import Database
from models.staff import AuditEntry
from services import inbox
from services.staff import StaffIdentity
from tests.conftest import _truncate
from tests.inbox.test_inbox_rules import MUNICIPALITY, staff, waiting_chat

ROUNDS = 5


@pytest.fixture
def db(pg_url: str) -> Iterator[Database]:
    _truncate(pg_url)
    database = Database(pg_url)
    yield database
    database.engine.dispose()


def take_together(db: Database, chat: int, people: list[StaffIdentity]) -> dict[str, str | inbox.AlreadyTaken]:
    """Each person's take, started together (a barrier), each on a connection of its own."""
    start = threading.Barrier(len(people))
    outcome: dict[str, str | inbox.AlreadyTaken] = {}

    def attempt(person: StaffIdentity) -> None:
        with db.session() as session:
            try:
                with session.begin():
                    start.wait(timeout=10)
                    inbox.take(session, person, MUNICIPALITY, chat)
                outcome[person.username] = "taken"
            except inbox.AlreadyTaken as refused:
                outcome[person.username] = refused

    threads = [threading.Thread(target=attempt, args=(person,)) for person in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not any(t.is_alive() for t in threads), "a take did not finish"
    return outcome


def test_exactly_one_of_two_staff_takes_the_chat(db):
    with db.session() as s, s.begin():
        somchai = staff(s, "somchai", "finance", ["finance"])
        somsri = staff(s, "somsri", "finance", ["finance"])
        chats = [waiting_chat(s, channel="tax_fee_notice", name=f"ผู้ชำระภาษี {n}") for n in range(ROUNDS)]
    for chat in chats:
        outcome = take_together(db, chat, [somchai, somsri])
        winner = next(name for name, result in outcome.items() if result == "taken")
        loser = somsri if winner == "somchai" else somchai
        refused = outcome[loser.username]
        assert isinstance(refused, inbox.AlreadyTaken), outcome
        assert refused.holder == f"คุณ{winner}"
        assert str(refused).startswith(f"คุณ{winner} รับเรื่องนี้ไปแล้ว")
        with db.session() as s:
            conv = s.get(Conversation, chat)
            assert (conv.assigned_staff_id, conv.status, conv.mode) == (
                somchai.id if winner == "somchai" else somsri.id, "in_progress", "manual")
            taken = s.scalars(select(AuditEntry).where(AuditEntry.record_id == str(chat))).all()
            assert [(row.action, row.username) for row in taken] == [("chat_taken", winner)]

        with db.session() as s, s.begin():
            inbox.take(s, loser, MUNICIPALITY, chat, take_over=True, client="192.0.2.7")
        with db.session() as s:
            conv = s.get(Conversation, chat)
            assert conv.assigned_staff_id == loser.id
            assert s.get(ChatHandling, conv.handling_id).taken_by != loser.id  # the first take is the figure's
            over = s.scalars(select(AuditEntry).where(AuditEntry.record_id == str(chat),
                                                      AuditEntry.action == "chat_taken_over")).one()
            assert (over.username, over.client) == (loser.username, "192.0.2.7")
            assert over.after == {"assigned_staff_id": loser.id}
