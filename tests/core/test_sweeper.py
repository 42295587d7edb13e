"""Events a dead worker left behind are finished once, never twice."""
from __future__ import annotations

from datetime import timedelta

from services import conversations
from tests.core.test_webhook import text_event


def test_an_acked_event_left_unprocessed_is_finished_by_the_sweeper(stack):
    user = stack.new_user()
    event = text_event(user, "เมนู")
    db = stack.bot_app.extensions["db"]
    with db.session() as session, session.begin():  # acked, then the process died
        assert conversations.record_events(session, [event])
    before = len(stack.messages(user))
    assert stack.dispatcher.sweep(older_than=timedelta(0)) == 1
    answers = stack.messages(user)[before:]
    assert len(answers) == 1 and answers[0]["via"] == "push"
    assert stack.dispatcher.sweep(older_than=timedelta(0)) == 0
    assert len(stack.messages(user)) == before + 1


def test_an_event_already_answered_is_not_taken_again(stack):
    user = stack.new_user()
    sent = stack.send(user, {"type": "text", "text": "เมนู"})
    db = stack.bot_app.extensions["db"]
    from sqlalchemy import update

    from models.chat import WebhookEvent

    with db.session() as session, session.begin():  # died after answering, before marking done
        session.execute(update(WebhookEvent).where(WebhookEvent.webhook_event_id == sent["eventId"])
                        .values(status="processing"))
    count = len(stack.messages(user))
    assert stack.dispatcher.sweep(older_than=timedelta(0)) == 0
    assert len(stack.messages(user)) == count


def test_a_failed_push_is_sent_by_the_sweeper_later(stack):
    user = stack.new_user()
    stack.control("POST", "/faults", json={"endpoint": "push", "status": 500, "count": 20})
    delivery = stack.dispatcher.delivery
    assert delivery.push(user, [{"type": "text", "text": "แจ้งเตือนค่าเช่า"}], reason="notification") is False
    stack.control("POST", "/faults", json={"endpoint": "push", "status": 500, "count": 0})
    from sqlalchemy import update

    from models.base import utcnow
    from models.chat import OutboxMessage

    with stack.bot_app.extensions["db"].session() as session, session.begin():
        session.execute(update(OutboxMessage).values(next_attempt_at=utcnow()))
    stack.dispatcher.sweep(older_than=timedelta(0))
    texts = [m["message"].get("text") for m in stack.messages(user)]
    assert texts.count("แจ้งเตือนค่าเช่า") == 1
