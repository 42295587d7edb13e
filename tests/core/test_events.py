"""Recording and claiming events: every message in the transcript exactly once,
whatever arrives together, twice or after a crash."""
from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import func, select

from bot.dispatch import _Arrived
from bot.events import read_event
from models.chat import ChatMessage, WebhookEvent
from models.db import Database
from services import conversations
from services.conversations import Ending
from tests.conftest import make_stack
from tests.core.test_sweeper import record_for_a_dead_process
from tests.core.test_webhook import body_of, post, sign, text_event


def _inbound(stack, user: str) -> list[str]:
    with stack.bot_app.assembly.services.db.session() as session:
        return list(session.scalars(select(ChatMessage.text).where(
            ChatMessage.line_user_id == user, ChatMessage.direction == "in").order_by(ChatMessage.id)))


def _status(stack, event_id: str) -> str:
    with stack.bot_app.assembly.services.db.session() as session:
        return session.scalar(select(WebhookEvent.status).where(WebhookEvent.webhook_event_id == event_id))


def test_events_posted_together_and_again_are_each_recorded_and_answered_once(stack):
    user = stack.new_user()
    events = [text_event(user, f"ข้อความที่ {i}", ts=1_700_000_000_000 + i) for i in range(3)]
    body = body_of(events[0], events[1], events[1], events[2])  # one id twice in one body
    assert post(stack, body, sign(body)).status_code == 200
    stack.settle()
    again = body_of(events[2])
    assert post(stack, again, sign(again)).status_code == 200
    stack.settle()
    assert _inbound(stack, user) == ["ข้อความที่ 0", "ข้อความที่ 1", "ข้อความที่ 2"]
    assert {_status(stack, e["webhookEventId"]) for e in events} == {"done"}
    with stack.bot_app.assembly.services.db.session() as session:
        answered = session.execute(select(ChatMessage.webhook_event_id, func.count(func.distinct(ChatMessage.via)))
                                   .where(ChatMessage.direction == "out",
                                          ChatMessage.webhook_event_id.in_([e["webhookEventId"] for e in events]))
                                   .group_by(ChatMessage.webhook_event_id)).all()
    assert sorted(answered) == sorted((e["webhookEventId"], 1) for e in events)  # each by one call


def test_an_event_taken_again_after_a_crash_keeps_one_copy_of_its_message(stack):
    user = stack.new_user()
    event = text_event(user, "ถนนหน้าบ้านเป็นหลุมค่ะ")
    assert record_for_a_dead_process(stack.bot_app.assembly.services.db, event)  # taken, then the process died
    assert _inbound(stack, user) == ["ถนนหน้าบ้านเป็นหลุมค่ะ"]  # in the transcript before the ack
    assert _status(stack, event["webhookEventId"]) == "processing"
    assert stack.dispatcher.sweep() == 1
    assert _inbound(stack, user) == ["ถนนหน้าบ้านเป็นหลุมค่ะ"]
    assert _status(stack, event["webhookEventId"]) == "done"
    assert len(stack.messages(user)) >= 1


def test_standby_messages_go_to_the_transcript_without_a_claim(stack):
    user = stack.new_user()
    stack.send(user, {"type": "text", "text": "ขอเบอร์ติดต่อค่ะ", "mode": "standby"}, expect_answer=False)
    assert _inbound(stack, user) == ["ขอเบอร์ติดต่อค่ะ"]



def test_events_a_full_queue_left_behind_are_swept_at_once_in_the_pool(database_url):
    stack = make_stack(database_url, worker_queue_size=1, worker_threads=1)
    try:
        users = [stack.new_user() for _ in range(4)]
        events = [text_event(user, "เมนู") for user in users]
        body = body_of(*events)
        assert post(stack, body, sign(body)).status_code == 200
        stack.settle()
        left = [e for e in events if _status(stack, e["webhookEventId"]) == "received"]
        assert left, "the queue of one had room for every event"
        assert stack.dispatcher.sweep() == len(left)
        assert {_status(stack, e["webhookEventId"]) for e in events} == {"done"}
        assert all(len(stack.messages(user)) >= 2 for user in users)  # greeting, then the answer
    finally:
        stack.close()


def test_arrivals_and_endings_written_together_each_land_where_they_belong(database_url):
    """Under load one transaction records new events and how earlier ones ended."""
    db = Database(database_url)
    user, other = "U" + uuid.uuid4().hex, "U" + uuid.uuid4().hex
    first, failed = text_event(user, "เมนู"), text_event(other, "สวัสดีค่ะ")
    second = text_event(user, "ขอบคุณค่ะ")
    lease = timedelta(seconds=30)
    with db.transaction() as connection:
        assert len(conversations.record_events(connection, [read_event(first), read_event(failed)],
                                               owner="me", lease=lease)) == 2
    reply = {"type": "text", "text": "เมนูค่ะ"}
    with db.transaction() as connection:
        claims = conversations.record_events(connection, [read_event(second)], ended=[
            Ending(first["webhookEventId"], user, [reply]),
            Ending(failed["webhookEventId"], other, error="ValueError('x')")], owner="me", lease=lease)
    assert [c.event.event_id for c in claims] == [second["webhookEventId"]]
    with db.session() as session:
        statuses = dict(session.execute(select(WebhookEvent.webhook_event_id, WebhookEvent.status)).all())
        rows = session.execute(select(ChatMessage.direction, ChatMessage.text, ChatMessage.via)
                               .where(ChatMessage.line_user_id == user).order_by(ChatMessage.id)).all()
        error = session.scalar(select(WebhookEvent.error).where(
            WebhookEvent.webhook_event_id == failed["webhookEventId"]))
    assert statuses == {first["webhookEventId"]: "done", failed["webhookEventId"]: "failed",
                        second["webhookEventId"]: "processing"}
    assert error == "ValueError('x')"
    assert [tuple(r) for r in rows] == [("in", "เมนู", None), ("out", "เมนูค่ะ", "reply"), ("in", "ขอบคุณค่ะ", None)]
    db.engine.dispose()


def test_one_event_in_two_bodies_of_one_batch_is_taken_once(stack):
    """Two requests with the same event written in one shared transaction: the
    first request takes it, the second gets nothing to process."""
    user = stack.new_user()
    event = text_event(user, "เมนู")
    with stack.bot_app.assembly.services.db.transaction() as connection:
        taken = stack.dispatcher._write_batch(connection, [_Arrived([read_event(event)], []),
                                                           _Arrived([read_event(dict(event))], [])])
    assert [[c.event.event_id for c in claims] for claims in taken] == [[event["webhookEventId"]], []]
