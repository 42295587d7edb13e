"""Events a dead worker left behind are finished once, never twice."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from bot.events import read_event
from models.base import utcnow
from models.chat import OutboxMessage, WebhookEvent
from services import conversations
from tests.core.test_webhook import text_event


def record_for_a_dead_process(db, *events: dict) -> list:
    """Events recorded and taken by a process that then died: its lease has run out."""
    with db.transaction() as connection:
        return conversations.record_events(connection, [read_event(e) for e in events], owner="dead:1:x",
                                           lease=timedelta(seconds=-1))


def test_an_acked_event_left_unprocessed_is_finished_by_the_sweeper(stack):
    user = stack.new_user()
    event = text_event(user, "เมนู")
    assert record_for_a_dead_process(stack.bot_app.assembly.services.db, event)
    before = len(stack.messages(user))
    assert stack.dispatcher.sweep() == 1
    answers = stack.messages(user)[before:]
    assert len(answers) == 1 and answers[0]["via"] == "push"  # its reply token was never issued
    assert stack.dispatcher.sweep() == 0
    assert len(stack.messages(user)) == before + 1


def test_a_live_lease_is_not_taken(stack):
    user = stack.new_user()
    event = text_event(user, "เมนู")
    with stack.bot_app.assembly.services.db.transaction() as connection:  # another process, alive, has it
        conversations.record_events(connection, [read_event(event)], owner="alive:1:x", lease=timedelta(minutes=5))
    assert stack.dispatcher.sweep() == 0


def test_an_event_answered_by_a_process_that_died_is_not_answered_again(stack):
    user = stack.new_user()
    sent = stack.send(user, {"type": "text", "text": "เมนู"})
    db = stack.bot_app.assembly.services.db
    with db.session() as session, session.begin():  # died after replying, before marking done
        session.execute(update(WebhookEvent).where(WebhookEvent.webhook_event_id == sent["eventId"])
                        .values(status="processing", lease_owner="dead:1:x", lease_until=utcnow()))
    count = len(stack.messages(user))
    assert stack.dispatcher.sweep() == 1  # taken again: the same reply is refused, its token used
    assert len(stack.messages(user)) == count
    with db.session() as session:
        assert session.scalar(select(WebhookEvent.status).where(
            WebhookEvent.webhook_event_id == sent["eventId"])) == "done"


def test_a_failed_push_is_sent_by_the_sweeper_later(stack):
    user = stack.new_user()
    stack.control("POST", "/faults", json={"endpoint": "push", "status": 500, "count": 20})
    delivery = stack.dispatcher.delivery
    assert delivery.push(user, [{"type": "text", "text": "แจ้งเตือนค่าเช่า"}], reason="notification") is False
    stack.control("POST", "/faults", json={"endpoint": "push", "status": 500, "count": 0})
    with stack.bot_app.assembly.services.db.session() as session, session.begin():
        session.execute(update(OutboxMessage).values(next_attempt_at=utcnow()))
    stack.dispatcher.sweep()
    texts = [m["message"].get("text") for m in stack.messages(user)]
    assert texts.count("แจ้งเตือนค่าเช่า") == 1
