"""POST /callback as LINE uses it, with the emulator as LINE, on SQLite and PostgreSQL."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import uuid

import pytest
import requests

from bot.webhook import signature_is_valid
from tests.conftest import SECRET, make_stack


def sign(body: bytes, secret: str = SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def text_event(user_id: str, text: str, *, reply_token: str | None = None, event_id: str | None = None,
               ts: int | None = None) -> dict:
    return {
        "type": "message", "mode": "active", "timestamp": ts or int(time.time() * 1000),
        "source": {"type": "user", "userId": user_id},
        "webhookEventId": event_id or uuid.uuid4().hex[:26].upper(),
        "deliveryContext": {"isRedelivery": False},
        "replyToken": reply_token or uuid.uuid4().hex,
        "message": {"id": str(uuid.uuid4().int)[:18], "type": "text", "quoteToken": "q", "text": text},
    }


def post(stack, body: bytes, signature: str | None = None) -> requests.Response:
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["x-line-signature"] = signature  # lower case: the header is case-insensitive
    return requests.post(f"{stack.bot.url}/callback", data=body, headers=headers, timeout=10)


def body_of(*events: dict) -> bytes:
    return json.dumps({"destination": "Ubot", "events": list(events)}, ensure_ascii=False).encode()


def test_signature_is_checked_on_the_raw_bytes():
    body = body_of(text_event("U1", "สวัสดีค่ะ ขอดูยอดค้างชำระ"))
    assert signature_is_valid(SECRET, body, sign(body))
    reserialised = json.dumps(json.loads(body)).encode()  # \uXXXX escapes: same JSON, other bytes
    assert not signature_is_valid(SECRET, reserialised, sign(body))
    assert not signature_is_valid(SECRET, body, sign(body, "another-secret"))


def test_bad_requests_get_clear_errors(stack):
    user = stack.new_user()
    body = body_of(text_event(user, "สวัสดีครับ"))
    assert post(stack, body, sign(body)).status_code == 200
    reserialised = json.dumps(json.loads(body)).encode()
    assert post(stack, reserialised, sign(body)).status_code == 400
    assert post(stack, body, None).status_code == 400
    assert post(stack, body, "forged").status_code == 400
    empty = b'{"destination":"Ubot","events":[]}'
    assert post(stack, empty, sign(empty)).status_code == 200
    broken = b'{"events": [ {'
    response = post(stack, broken, sign(broken))
    assert response.status_code == 400 and response.json()["message"] == "malformed JSON"
    not_utf8 = '{"events": [], "x": "ภาษาไทย"}'.encode("tis-620")  # a Thai legacy encoding, not UTF-8
    response = post(stack, not_utf8, sign(not_utf8))
    assert response.status_code == 400 and response.json()["message"] == "malformed JSON"
    not_events = b'{"events": "nope"}'
    assert post(stack, not_events, sign(not_events)).status_code == 400
    huge = b'{"events": [], "pad": "' + b"x" * (1024 * 1024) + b'"}'
    assert post(stack, huge, sign(huge)).status_code == 413
    stack.settle()


def test_same_event_twice_at_once_is_answered_once(stack):
    user = stack.new_user()
    before = len(stack.messages(user))
    body = body_of(text_event(user, "เมนู"))
    barrier = threading.Barrier(2)
    statuses = []

    def deliver():
        barrier.wait()
        statuses.append(post(stack, body, sign(body)).status_code)

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [200, 200]
    stack.settle()
    # The token in this body was never issued by LINE, so the answer comes by push, once.
    answers = stack.messages(user)[before:]
    assert len(answers) == 1 and answers[0]["via"] == "push"


def test_redelivered_event_is_not_answered_again(stack):
    user = stack.new_user()
    first = stack.send(user, {"type": "text", "text": "เมนู"})
    count = len(stack.messages(user))
    again = stack.control("POST", f"/events/{first['eventId']}/redeliver")
    stack.settle()
    assert again["status"] == 200
    assert len(stack.messages(user)) == count


def test_used_reply_token_falls_back_to_push_once(stack):
    user = stack.new_user()
    sent = stack.send(user, {"type": "text", "text": "เมนู"})
    assert [m["via"] for m in sent["messages"]] == ["reply"]
    # A new event carrying the already-used token: the reply is refused, the push goes out once.
    body = body_of(text_event(user, "เบอร์ฉุกเฉิน", reply_token=sent["replyToken"]))
    assert post(stack, body, sign(body)).status_code == 200
    stack.settle()
    last = stack.messages(user)[-1]
    assert last["via"] == "push"
    pushes = [c for c in stack.control("GET", "/calls")["calls"] if c["path"].endswith("/push")]
    assert len(pushes) == 1


def test_push_retried_through_500s_with_the_same_retry_key(stack):
    user = stack.new_user()
    stack.control("POST", "/faults", json={"endpoint": "push", "status": 500, "count": 2})
    body = body_of(text_event(user, "เมนู"))
    post(stack, body, sign(body))
    stack.settle()
    pushes = [c for c in stack.control("GET", "/calls")["calls"] if c["path"].endswith("/push")]
    assert [c["status"] for c in pushes] == [500, 500, 200]
    assert len({c["retryKey"] for c in pushes}) == 1
    assert [m["via"] for m in stack.messages(user)].count("push") == 1


def test_a_conversation_with_the_bot(stack):
    user = "U" + uuid.uuid4().hex
    created = stack.control("POST", "/users", json={"userId": user, "displayName": "ป้าแดง"})
    stack.settle()
    greeting = stack.messages(user)
    assert created["status"] == 200
    assert greeting and greeting[0]["message"]["type"] == "flex"

    menu = stack.say(user, "เมนูค่ะ")
    assert menu[0]["type"] == "flex" and "เมนู" in menu[0]["altText"]

    unknown = stack.say(user, "กขฃคฅ zzqx")
    assert unknown[-1]["type"] == "text" and len(unknown[-1]["quickReply"]["items"]) >= 2

    handoff = stack.say(user, "ขอคุยกับเจ้าหน้าที่ค่ะ")
    assert "เจ้าหน้าที่" in handoff[0]["text"]
    count = len(stack.messages(user))
    stack.send(user, {"type": "text", "text": "สวัสดีค่ะ ขอสอบถามเรื่องค่าเช่าหน่อย"}, expect_answer=False)
    stack.send(user, {"type": "text", "text": "เมนู"}, expect_answer=False)
    assert len(stack.messages(user)) == count  # staff have the chat: the bot stays quiet

    from sqlalchemy import select

    from models.chat import ChatMessage

    with stack.bot_app.assembly.services.db.session() as session:
        texts = session.scalars(select(ChatMessage.text).where(
            ChatMessage.line_user_id == user, ChatMessage.direction == "in")).all()
    assert "สวัสดีค่ะ ขอสอบถามเรื่องค่าเช่าหน่อย" in texts

    emergency = stack.say(user, "ช่วยด้วย ไฟไหม้บ้าน")
    assert emergency and emergency[0]["type"] == "flex"  # emergencies are answered even in manual mode


def test_odd_input_is_handled_without_a_crash(stack):
    user = stack.new_user()
    long_text = "ก" * 5000
    assert stack.say(user, long_text)
    assert stack.send(user, {"type": "sticker", "packageId": "446", "stickerId": "1988"})["messages"]
    assert stack.send(user, {"type": "file", "fileName": "แบบฟอร์ม.pdf",
                             "base64": base64.b64encode(b"%PDF-1.4 test").decode()})["messages"]
    located = stack.send(user, {"type": "location", "latitude": 13.75, "longitude": 100.5,
                                "address": "ถนนเทศบาล 1"})["messages"]
    assert located
    odd = {"type": "beacon", "mode": "active", "timestamp": int(time.time() * 1000),
           "source": {"type": "user", "userId": user}, "webhookEventId": uuid.uuid4().hex[:26],
           "deliveryContext": {"isRedelivery": False}, "beacon": {"hwid": "d41d8cd98f", "type": "enter"}}
    unknown = dict(odd, type="somethingNew", webhookEventId=uuid.uuid4().hex[:26])
    not_an_object = "garbage"
    body = json.dumps({"destination": "U", "events": [odd, unknown, not_an_object]}).encode()
    assert post(stack, body, sign(body)).status_code == 200
    stack.settle()
    stats = {row["outcome"] for row in _processed(stack)}
    assert "failed" not in stats


def _processed(stack):
    from sqlalchemy import select

    from models.chat import WebhookEvent

    with stack.bot_app.assembly.services.db.session() as session:
        return [{"outcome": s} for s in session.scalars(select(WebhookEvent.status)).all()]


def test_standby_events_are_stored_not_answered(stack):
    user = stack.new_user()
    count = len(stack.messages(user))
    stack.send(user, {"type": "text", "text": "เมนู", "mode": "standby"}, expect_answer=False)
    assert len(stack.messages(user)) == count
    assert "standby" in {row["outcome"] for row in _processed(stack)}


@pytest.mark.parametrize("dead_url", [
    "postgresql+psycopg://postgres@127.0.0.1:1/test?connect_timeout=1",
    "sqlite:////nonexistent-dir/for/sure/bot.db",
])
def test_database_down_means_5xx_so_line_redelivers(dead_url):
    stack = make_stack(dead_url)
    try:
        body = body_of(text_event("U" + "b" * 32, "สวัสดี"))
        response = post(stack, body, sign(body))
        assert response.status_code == 503
        ready = requests.get(f"{stack.bot.url}/readyz", timeout=10)
        assert ready.status_code == 503 and ready.json()["database"].startswith("down")
    finally:
        stack.close()


def test_redis_down_the_bot_still_answers(database_url):
    stack = make_stack(database_url, redis_url="redis://127.0.0.1:1/0")
    try:
        user = stack.new_user()
        assert stack.say(user, "เมนู")
        ready = requests.get(f"{stack.bot.url}/readyz", timeout=10).json()
        assert ready["status"] == "degraded" and ready["redis"].startswith("down")
    finally:
        stack.close()


def test_health_and_metrics(stack):
    user = stack.new_user()
    stack.say(user, "เมนู")
    assert requests.get(f"{stack.bot.url}/healthz", timeout=5).json() == {"status": "ok"}
    ready = requests.get(f"{stack.bot.url}/readyz", timeout=5).json()
    assert ready["database"] == "ok" and ready["redis"] == "not configured"
    metrics = requests.get(f"{stack.bot.url}/metrics", timeout=5).text
    assert "smartservice_events_received_total" in metrics
    assert "smartservice_messages_sent_total" in metrics


def test_a_new_users_first_messages_at_once_are_all_recorded(stack):
    user = "U" + uuid.uuid4().hex  # never seen: both requests create the user and the conversation
    bodies = [body_of(text_event(user, f"ข้อความที่ {i}")) for i in range(4)]
    barrier = threading.Barrier(len(bodies))
    statuses = []

    def deliver(body):
        barrier.wait()
        statuses.append(post(stack, body, sign(body)).status_code)

    threads = [threading.Thread(target=deliver, args=(b,)) for b in bodies]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stack.settle()
    assert statuses == [200] * len(bodies)
