"""Issue 12, findings 1-3, in one process: what LINE's faults, a lost lease and one
user's backlog must not do to anyone's answers. (tests/chaos/ does the same with
gunicorn, kill -9 and thousands of events.)"""
from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from bot.events import read_event
from models.base import utcnow
from models.chat import ChatMessage, WebhookEvent
from services import conversations
from tests.conftest import make_stack
from tests.core.test_webhook import body_of, post, sign


def _answers(stack, user: str, before: int) -> list[dict]:
    return stack.messages(user)[before:]


@pytest.mark.parametrize("status,count", [(500, 1), (500, 4), (500, 5), (503, 12), (429, 3)])
def test_reply_faults_still_deliver_the_answer_once(stack, status, count):
    user = stack.new_user()
    before = len(stack.messages(user))
    stack.control("POST", "/faults", json={"endpoint": "reply", "status": status, "count": count})
    stack.send(user, {"type": "text", "text": "เมนู"})
    stack.control("POST", "/faults", json={"endpoint": "reply", "status": status, "count": 0})
    answers = _answers(stack, user, before)
    assert len(answers) == 1, answers
    assert "ระบบขัดข้อง" not in str(answers[0]["message"])  # the answer, not the apology
    assert answers[0]["via"] == ("reply" if count <= 4 else "push")  # 4 retries, then by push


def test_a_lost_lease_is_never_answered_by_its_old_owner(stack):
    """Another process took the event (this one's lease ran out): recording the
    answer finds the lease gone, so nothing is sent from here."""
    user = stack.new_user()
    event = stack.control("POST", "/reply-tokens", json={"userId": user, "eventId": "01LOSTLEASE000000000000001"})
    raw = {"type": "message", "mode": "active", "timestamp": int(time.time() * 1000),
           "source": {"type": "user", "userId": user}, "webhookEventId": event["eventId"],
           "replyToken": event["replyToken"], "deliveryContext": {"isRedelivery": False},
           "message": {"id": "1234567", "type": "text", "text": "เมนู"}}
    db = stack.bot_app.assembly.services.db
    with db.transaction() as connection:
        [claim] = conversations.record_events(connection, [read_event(raw)], owner=stack.dispatcher.owner,
                                              lease=timedelta(seconds=30))
    with db.session() as session, session.begin():
        session.execute(update(WebhookEvent).where(WebhookEvent.webhook_event_id == event["eventId"])
                        .values(lease_owner="other:1:x"))
    before = len(stack.messages(user))
    stack.dispatcher.process(claim)
    assert _answers(stack, user, before) == []


def test_an_answer_recorded_before_a_crash_is_sent_as_recorded(stack):
    """The worker recorded its answer and died before sending, and the reply token
    has expired since: the sweeper pushes that answer with the event's retry key,
    and computes nothing new."""
    user = stack.new_user()
    recorded = [{"type": "text", "text": "คำตอบที่บันทึกไว้ก่อนส่ง"}]
    raw = {"type": "message", "mode": "active", "timestamp": int(time.time() * 1000),
           "source": {"type": "user", "userId": user}, "webhookEventId": "01DEADBEEF0000000000000001",
           "replyToken": "f" * 32, "message": {"id": "99", "type": "text", "text": "เมนู"}}
    db = stack.bot_app.assembly.services.db
    with db.transaction() as connection:
        [claim] = conversations.record_events(connection, [read_event(raw)], owner="dead:1:x",
                                              lease=timedelta(seconds=30))
        conversations.record_answers(connection, [conversations.Answer(claim.event.event_id, recorded,
                                                                       claim.retry_key)], owner="dead:1:x")
    with db.session() as session, session.begin():
        session.execute(update(WebhookEvent).values(lease_until=utcnow() - timedelta(seconds=1),
                                                    received_at=utcnow() - timedelta(minutes=2)))
    before = len(stack.messages(user))
    assert stack.dispatcher.sweep() == 1
    answers = _answers(stack, user, before)
    assert [a["message"]["text"] for a in answers] == ["คำตอบที่บันทึกไว้ก่อนส่ง"]
    assert answers[0]["via"] == "push"
    with db.session() as session:
        keys = session.scalars(select(ChatMessage.retry_key).where(ChatMessage.line_user_id == user,
                                                                   ChatMessage.direction == "out")).all()
    assert claim.retry_key in keys


def test_one_users_backlog_does_not_hold_up_another_user(database_url):
    """Two workers: one user's 40 queued events, each in its own body as LINE sends a
    resident's photos one by one, must not take both of them, so a second user is
    answered while the backlog is still being worked through."""
    stack = make_stack(database_url, worker_threads=2)
    try:
        busy, other = stack.new_user(), stack.new_user()
        gate = threading.Event()
        respond = stack.dispatcher.engine.respond

        def slow_for_busy(turn, ctx):  # the busy user's events each wait for the gate
            if turn.user_id == busy:
                gate.wait(10)
            return respond(turn, ctx)

        stack.dispatcher.engine.respond = slow_for_busy
        backlog = [{"type": "message", "mode": "active", "timestamp": 1_700_000_000_000 + i,
                    "source": {"type": "user", "userId": busy}, "webhookEventId": f"01BACKLOG{i:017d}",
                    "replyToken": f"{i:032x}", "message": {"id": str(1000 + i), "type": "text", "text": "เมนู"}}
                   for i in range(40)]
        for event in backlog:
            body = body_of(event)
            assert post(stack, body, sign(body)).status_code == 200
        before = len(stack.messages(other))
        stack.control("POST", f"/users/{other}/send", json={"type": "text", "text": "เมนู", "wait": 5})
        answered = _answers(stack, other, before)
        gate.set()
        stack.settle()
        assert len(answered) == 1, "the other user waited behind the backlog"
    finally:
        stack.close()


def test_an_event_out_of_attempts_is_given_up_with_one_apology(stack):
    """Claimed and lost EVENT_MAX_ATTEMPTS times (its process died each time): the
    sweeper gives it up, tells the resident once, and counts it."""
    from tests.core.test_sweeper import record_for_a_dead_process
    from tests.core.test_webhook import text_event

    user = stack.new_user()
    event = text_event(user, "ขอใบเสร็จเดือนนี้ค่ะ")
    db = stack.bot_app.assembly.services.db
    record_for_a_dead_process(db, event)
    with db.session() as session, session.begin():
        session.execute(update(WebhookEvent).values(attempts=stack.dispatcher.max_attempts))
    before = len(stack.messages(user))
    dead_before = _metric(stack, "smartservice_events_dead_total")
    assert stack.dispatcher.sweep() == 0
    assert stack.dispatcher.sweep() == 0
    answers = _answers(stack, user, before)
    assert [a["via"] for a in answers] == ["push"] and "ระบบขัดข้อง" in answers[0]["message"]["text"]
    with db.session() as session:
        status, error = session.execute(select(WebhookEvent.status, WebhookEvent.error).where(
            WebhookEvent.webhook_event_id == event["webhookEventId"])).one()
    assert status == "dead" and error.startswith(f"gave up after {stack.dispatcher.max_attempts} attempts")
    assert _metric(stack, "smartservice_events_dead_total") == dead_before + 1


def _metric(stack, name: str) -> float:
    import requests

    text = requests.get(f"{stack.bot.url}/metrics", timeout=10).text
    return sum(float(line.split()[-1]) for line in text.splitlines() if line.startswith(name + " "))
