"""The Messaging API as a bot built on line-bot-sdk v3 sees it, over real HTTP."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from linebot.v3.messaging import (
    ApiClient,
    Configuration,
    MessagingApi,
    PushMessageRequest,
    ReplyMessageRequest,
    TextMessage,
)
from linebot.v3.messaging.exceptions import ApiException

from tests.emulator.conftest import SECRET, TOKEN, Env, start_env
from tests.emulator.helpers import png


def silent(bot, event) -> None:
    """A bot that acknowledges and does nothing, so the test owns the reply token."""


def test_webhook_with_thai_text_is_signed_over_the_raw_bytes(env: Env) -> None:
    user = env.new_user()
    result = env.post(f"/_emulator/users/{user}/send", {"type": "text", "text": "ขอดูใบแจ้งหนี้ค่ะ 🙏"}).json()
    assert result["status"] == 200
    delivery = env.get("/_emulator/webhooks").json()["webhooks"][-1]
    expected = base64.b64encode(hmac.new(SECRET.encode(), delivery["body"].encode("utf-8"),
                                         hashlib.sha256).digest()).decode()
    assert delivery["signature"] == expected
    event = env.bot.events[-1]["events"][0]
    assert event["message"]["text"] == "ขอดูใบแจ้งหนี้ค่ะ 🙏"
    assert event["type"] == "message" and event["mode"] == "active"
    assert event["source"] == {"type": "user", "userId": user}
    assert len(event["webhookEventId"]) == 26 and event["deliveryContext"] == {"isRedelivery": False}
    assert event["replyToken"] == result["replyToken"] and event["message"]["quoteToken"]


def test_forged_signature_is_refused_by_the_bot(env: Env) -> None:
    body = json.dumps({"destination": "U" + "0" * 32, "events": []})
    assert env.post("/_emulator/webhook/raw", {"body": body}).json()["status"] == 200
    assert env.post("/_emulator/webhook/raw", {"body": body, "signature": "Zm9yZ2Vk"}).json()["status"] == 400


def test_wait_returns_what_the_bot_replied(env: Env) -> None:
    user = env.new_user()
    result = env.post(f"/_emulator/users/{user}/send", {"type": "text", "text": "สวัสดี", "wait": 5}).json()
    assert [m["message"]["text"] for m in result["messages"]] == ["ได้รับ: สวัสดี"]
    assert result["messages"][0]["via"] == "reply"
    sent = env.get(f"/_emulator/users/{user}/messages").json()["messages"]
    assert [m["message"]["text"] for m in sent] == ["ได้รับ: follow", "ได้รับ: สวัสดี"]


def test_reply_token_works_once(env: Env) -> None:
    user = env.new_user()
    env.bot.handler = silent
    token = env.post(f"/_emulator/users/{user}/send", {"type": "text", "text": "หนึ่ง"}).json()["replyToken"]
    api = env.bot.api()
    first = api.reply_message(ReplyMessageRequest(reply_token=token, messages=[TextMessage(text="ครั้งแรก")]))
    assert len(first.sent_messages) == 1
    with pytest.raises(ApiException) as second:
        api.reply_message(ReplyMessageRequest(reply_token=token, messages=[TextMessage(text="ซ้ำ")]))
    assert second.value.status == 400
    assert json.loads(second.value.body) == {"message": "Invalid reply token"}
    texts = [m["message"]["text"] for m in env.get(f"/_emulator/users/{user}/messages").json()["messages"]]
    assert texts == ["ได้รับ: follow", "ครั้งแรก"]


def test_reply_token_expires() -> None:
    env, bot_server = start_env(REPLY_TOKEN_TTL=0.3)
    try:
        user = env.new_user()
        env.bot.handler = silent
        token = env.post(f"/_emulator/users/{user}/send", {"type": "text", "text": "ช้า"}).json()["replyToken"]
        time.sleep(0.5)
        resp = env.api("POST", "/v2/bot/message/reply",
                       json={"replyToken": token, "messages": [{"type": "text", "text": "สายไป"}]})
        assert resp.status_code == 400 and resp.json() == {"message": "Invalid reply token"}
    finally:
        env.emulator.stop()
        bot_server.stop()


def _push(env: Env, user: str, messages: list[dict]) -> tuple[int, dict]:
    resp = env.api("POST", "/v2/bot/message/push", json={"to": user, "messages": messages})
    return resp.status_code, resp.json()


FLEX_BAD_LAYOUT = {"type": "flex", "altText": "บิล",
                   "contents": {"type": "bubble", "body": {"type": "box", "layout": "diagonal", "contents": []}}}


@pytest.mark.parametrize(("messages", "prop"), [
    ([{"type": "text", "text": "ก"}] * 6, "messages"),
    ([{"type": "text", "text": "ก" * 5001}], "messages[0].text"),
    ([{"type": "text", "text": "😀" * 2501}], "messages[0].text"),
    ([FLEX_BAD_LAYOUT], "messages[0]"),
    ([{"type": "template", "altText": "เลือก", "template": {
        "type": "buttons", "text": "เลือก", "actions": [{"type": "postback", "label": "ตกลง", "data": "x" * 301}]}}],
     "messages[0]"),
    ([{"type": "image", "originalContentUrl": "http://example.com/a.png",
       "previewImageUrl": "https://example.com/a.png"}], "messages[0].originalContentUrl"),
    ([{"type": "text", "text": "เลือก", "quickReply": {"items": [
        {"type": "action", "action": {"type": "message", "label": str(i), "text": str(i)}} for i in range(14)]}}],
     "messages[0]"),
    ([{"type": "flex", "altText": "ก" * 1501, "contents": {"type": "bubble"}}], "messages[0].altText"),
])
def test_invalid_messages_are_refused_in_lines_shape(env: Env, messages: list[dict], prop: str) -> None:
    user = env.new_user()
    status, body = _push(env, user, messages)
    assert status == 400
    assert body["message"].startswith("The request body has")
    assert any(d["property"].startswith(prop) for d in body["details"]), body
    assert env.get(f"/_emulator/users/{user}/messages").json()["messages"][1:] == []
    # The follow reply's call may be logged just after ours, so look for the push itself.
    pushes = [c for c in env.get("/_emulator/calls").json()["calls"] if c["path"] == "/v2/bot/message/push"]
    rejected = pushes[-1]
    assert rejected["status"] == 400 and rejected["error"] == body


def test_limits_are_inclusive(env: Env) -> None:
    user = env.new_user()
    bubble = {"type": "bubble", "body": {"type": "box", "layout": "vertical",
                                         "contents": [{"type": "text", "text": "ก", "wrap": True}]}}
    status, body = _push(env, user, [{"type": "text", "text": "ก" * 5000}] * 4 + [
        {"type": "flex", "altText": "การ์ด", "contents": {"type": "carousel", "contents": [bubble] * 12}}])
    assert status == 200 and len(body["sentMessages"]) == 5


def test_oversized_flex_and_carousel(env: Env) -> None:
    user = env.new_user()
    text = {"type": "text", "text": "ข" * 1000, "wrap": True}
    big = {"type": "bubble", "body": {"type": "box", "layout": "vertical", "contents": [text] * 12}}
    status, body = _push(env, user, [{"type": "flex", "altText": "ใหญ่", "contents": big}])
    assert status == 400 and "30 KB" in body["details"][0]["message"]
    bubble = {"type": "bubble", "body": {"type": "box", "layout": "vertical", "contents": [text]}}
    status, body = _push(env, user, [{"type": "flex", "altText": "มาก",
                                      "contents": {"type": "carousel", "contents": [bubble] * 13}}])
    assert status == 400 and body["details"][0]["property"] == "messages[0].contents.contents"


def test_access_token_is_required(env: Env) -> None:
    body = {"to": "U" + "a" * 32, "messages": [{"type": "text", "text": "ก"}]}
    missing = env.api("POST", "/v2/bot/message/push", json=body, headers={"Authorization": ""})
    wrong = env.api("POST", "/v2/bot/message/push", json=body, headers={"Authorization": "Bearer nope"})
    assert missing.status_code == 401 and "Authorization header required" in missing.json()["message"]
    assert wrong.status_code == 401 and "invalid token" in wrong.json()["message"]
    assert wrong.headers["x-line-request-id"]


def test_retry_key_delivers_once(env: Env) -> None:
    user = env.new_user()
    key = str(uuid.uuid4())
    body = {"to": user, "messages": [{"type": "text", "text": "แจ้งเตือนครบกำหนดชำระ"}]}
    first = env.api("POST", "/v2/bot/message/push", json=body, headers={"X-Line-Retry-Key": key})
    again = env.api("POST", "/v2/bot/message/push", json=body, headers={"X-Line-Retry-Key": key})
    assert first.status_code == 200
    assert again.status_code == 409
    assert again.headers["x-line-accepted-request-id"] == first.headers["x-line-request-id"]
    assert again.json()["message"] == "The retry key is already accepted"
    texts = [m["message"]["text"] for m in env.get(f"/_emulator/users/{user}/messages").json()["messages"]]
    assert texts.count("แจ้งเตือนครบกำหนดชำระ") == 1
    bad = env.api("POST", "/v2/bot/message/push", json=body, headers={"X-Line-Retry-Key": "not-a-uuid"})
    assert bad.status_code == 400


def test_faults_fail_the_next_calls_then_recover(env: Env) -> None:
    user = env.new_user()
    assert env.post("/_emulator/faults", {"endpoint": "push", "status": 500, "count": 2}).status_code == 200
    api = env.bot.api()
    key = str(uuid.uuid4())
    statuses = []
    for _ in range(3):
        try:
            api.push_message(PushMessageRequest(to=user, messages=[TextMessage(text="ลองใหม่")]), x_line_retry_key=key)
            statuses.append(200)
        except ApiException as exc:
            statuses.append(exc.status)
    assert statuses == [500, 500, 200]
    pushes = [c for c in env.get("/_emulator/calls").json()["calls"] if c["endpoint"] == "push"]
    assert [(c["status"], c["retryKey"]) for c in pushes] == [(500, key), (500, key), (200, key)]
    env.post("/_emulator/faults", {"endpoint": "reply", "status": 429, "count": 1})
    resp = env.api("POST", "/v2/bot/message/reply", json={"replyToken": "x", "messages": [{"type": "text", "text": "ก"}]})
    assert resp.status_code == 429 and resp.headers["Retry-After"] == "1"
    assert env.post("/_emulator/faults", {"endpoint": "nowhere", "status": 500}).status_code == 400


def test_multicast_broadcast_and_profile(env: Env) -> None:
    a, b, gone = env.new_user("ก"), env.new_user("ข"), env.new_user("ค")
    env.post(f"/_emulator/users/{gone}/send", {"type": "unfollow"})
    api = env.bot.api()
    assert api.get_profile(a).display_name == "ก"
    with pytest.raises(ApiException) as missing:
        api.get_profile("U" + "f" * 32)
    assert missing.value.status == 404
    resp = env.api("POST", "/v2/bot/message/multicast",
                   json={"to": [a] * 501, "messages": [{"type": "text", "text": "ก"}]})
    assert resp.status_code == 400 and resp.json()["details"][0]["property"] == "to"
    env.api("POST", "/v2/bot/message/broadcast", json={"messages": [{"type": "text", "text": "ประกาศ"}]})
    got = {u: [m["via"] for m in env.get(f"/_emulator/users/{u}/messages").json()["messages"]] for u in (a, b, gone)}
    assert got[a][-1] == "broadcast" and got[b][-1] == "broadcast" and "broadcast" not in got[gone]


def test_bot_downloads_the_image_a_user_sent(env: Env) -> None:
    picture = png(40, 30)

    def download(bot, event) -> None:
        data = bot.blob().get_message_content(event.message.id)
        bot.reply(event, TextMessage(text=f"ได้รับรูป {len(data)} ไบต์"))

    user = env.new_user()
    env.bot.handler = download
    result = env.post(f"/_emulator/users/{user}/send",
                      {"type": "image", "base64": base64.b64encode(picture).decode(), "wait": 5}).json()
    assert result["messages"][0]["message"]["text"] == f"ได้รับรูป {len(picture)} ไบต์"
    event = env.bot.events[-1]["events"][0]
    assert event["message"]["contentProvider"] == {"type": "line"}
    resp = env.api("GET", f"/v2/bot/message/{result['messageId']}/content")
    assert resp.content == picture and resp.headers["Content-Type"] == "image/png"
    assert env.api("GET", "/v2/bot/message/1/content").status_code == 404


def test_failed_webhook_is_redelivered_with_the_same_event_id(env: Env) -> None:
    user = env.new_user()
    env.bot.failures.extend([500])
    result = env.post(f"/_emulator/users/{user}/send", {"type": "text", "text": "ส่งอีกครั้ง"}).json()
    assert result["status"] == 500
    deadline = time.monotonic() + 5
    while len(env.bot.events) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    first, again = (batch["events"][0] for batch in env.bot.events[1:3])
    assert again["webhookEventId"] == first["webhookEventId"] == result["eventId"]
    assert (first["deliveryContext"]["isRedelivery"], again["deliveryContext"]["isRedelivery"]) == (False, True)
    manual = env.post(f"/_emulator/events/{result['eventId']}/redeliver").json()
    assert manual["status"] == 200
    assert env.bot.events[-1]["events"][0]["deliveryContext"]["isRedelivery"] is True


def test_event_shapes_for_other_kinds(env: Env) -> None:
    user = env.new_user()
    env.bot.handler = silent
    send = lambda spec: env.post(f"/_emulator/users/{user}/send", spec).json()  # noqa: E731
    send({"type": "postback", "data": "action=pay", "params": {"date": "2026-12-01"}})
    send({"type": "location", "latitude": 13.75, "longitude": 100.5, "address": "ศาลาว่าการ"})
    send({"type": "sticker", "packageId": "446", "stickerId": "1988"})
    send({"type": "file", "fileName": "คำร้อง.pdf", "base64": base64.b64encode(b"%PDF-1.4").decode()})
    standby = send({"type": "text", "text": "รอ", "mode": "standby"})
    sent_file = send({"type": "file", "fileName": "ผิดไฟล์.pdf", "base64": base64.b64encode(b"%PDF").decode()})
    assert env.api("GET", f"/v2/bot/message/{sent_file['messageId']}/content").status_code == 200
    send({"type": "unsend", "messageId": sent_file["messageId"]})
    assert env.api("GET", f"/v2/bot/message/{sent_file['messageId']}/content").status_code == 404
    events = [batch["events"][0] for batch in env.bot.events[1:]]
    assert events[0]["postback"] == {"data": "action=pay", "params": {"date": "2026-12-01"}}
    assert events[1]["message"]["latitude"] == 13.75 and events[1]["message"]["address"] == "ศาลาว่าการ"
    assert events[2]["message"]["stickerResourceType"] == "STATIC"
    assert events[3]["message"]["fileSize"] == 8 and events[3]["message"]["fileName"] == "คำร้อง.pdf"
    assert events[4]["mode"] == "standby" and "replyToken" not in events[4] and "replyToken" not in standby
    assert events[6]["unsend"] == {"messageId": sent_file["messageId"]}
    assert "replyToken" not in events[6]


def test_loading_animation_and_quota(env: Env) -> None:
    user = env.new_user()
    assert env.api("POST", "/v2/bot/chat/loading/start", json={"chatId": user, "loadingSeconds": 7}).status_code == 400
    assert env.api("POST", "/v2/bot/chat/loading/start", json={"chatId": user, "loadingSeconds": 10}).status_code == 202
    assert env.get(f"/_emulator/users/{user}").json()["loading"] is True
    assert env.api("GET", "/v2/bot/message/quota").json() == {"type": "none"}
    env.api("POST", "/v2/bot/message/push", json={"to": user, "messages": [{"type": "text", "text": "ก"}]})
    assert env.api("GET", "/v2/bot/message/quota/consumption").json() == {"totalUsage": 1}
    assert env.get(f"/_emulator/users/{user}").json()["loading"] is False


def test_message_quota_is_enforced_when_set() -> None:
    env, bot_server = start_env(MESSAGE_QUOTA=1)
    try:
        user = env.new_user()
        api = MessagingApi(ApiClient(Configuration(host=env.url, access_token=TOKEN)))
        api.push_message(PushMessageRequest(to=user, messages=[TextMessage(text="หนึ่ง")]))
        with pytest.raises(ApiException) as over:
            api.push_message(PushMessageRequest(to=user, messages=[TextMessage(text="สอง")]))
        assert over.value.status == 429
    finally:
        env.emulator.stop()
        bot_server.stop()


def test_batch_sends_several_events_in_one_signed_body_in_the_given_order(env: Env) -> None:
    a, b = env.new_user("ก"), env.new_user("ข")
    result = env.post("/_emulator/events/batch", {"events": [
        {"userId": a, "type": "text", "text": "สอง"},
        {"userId": b, "type": "postback", "data": "x=1"},
        {"userId": a, "type": "text", "text": "หนึ่ง"}]}).json()
    assert result["status"] == 200 and len(result["events"]) == 3
    events = env.bot.events[-1]["events"]
    assert [e["webhookEventId"] for e in events] == [e["eventId"] for e in result["events"]]
    assert [e.get("message", {}).get("text") for e in events] == ["สอง", None, "หนึ่ง"]
    assert all(e["replyToken"] for e in events)
    assert env.post("/_emulator/events/batch", {"events": [{"userId": "nobody", "type": "text"}]}).status_code == 404


def test_media_the_page_cannot_reach_becomes_a_placeholder(env: Env) -> None:
    resp = env.get("/_emulator/media", params={"url": "https://127.0.0.1:9/missing.png"})
    assert resp.status_code == 200 and resp.headers["X-Emulator-Placeholder"] == "1"
    assert resp.headers["Content-Type"].startswith("image/svg+xml")
    served = env.get("/_emulator/media", params={"url": env.url + "/simulator/fonts/regular.ttf"})
    assert served.headers["Content-Type"] == "font/ttf" and len(served.content) > 10_000


def test_concurrent_pushes_with_one_retry_key_deliver_once(env: Env) -> None:
    user = env.new_user()
    key = str(uuid.uuid4())
    body = {"to": user, "messages": [{"type": "text", "text": "พร้อมกัน"}]}
    with ThreadPoolExecutor(8) as pool:
        statuses = sorted(pool.map(lambda _: env.api("POST", "/v2/bot/message/push", json=body,
                                                     headers={"X-Line-Retry-Key": key}).status_code, range(8)))
    assert statuses == [200] + [409] * 7
    texts = [m["message"]["text"] for m in env.get(f"/_emulator/users/{user}/messages").json()["messages"]]
    assert texts.count("พร้อมกัน") == 1


def test_a_delay_fault_slows_the_next_calls_then_answers_or_fails(env: Env) -> None:
    user = env.new_user()
    message_id = env.post(f"/_emulator/users/{user}/send",
                          {"type": "image", "base64": base64.b64encode(png(4, 4)).decode()}).json()["messageId"]
    env.post("/_emulator/faults", {"endpoint": "content", "delay": 0.2, "count": 2})
    env.post("/_emulator/faults", {"endpoint": "push", "delay": 0.2, "status": 503, "count": 1})
    assert env.get("/_emulator/faults").json()["faults"]["content"] == {"status": None, "count": 2, "delay": 0.2}
    statuses = [env.api("GET", f"/v2/bot/message/{message_id}/content").status_code for _ in range(3)]
    pushed = env.api("POST", "/v2/bot/message/push", json={"to": user, "messages": [{"type": "text", "text": "ก"}]})
    assert statuses == [200, 200, 200] and pushed.status_code == 503
    calls = [(c["endpoint"], c["ms"] >= 200) for c in env.get("/_emulator/calls").json()["calls"]
             if c["endpoint"] in ("content", "push")]
    assert calls == [("content", True), ("content", True), ("content", False), ("push", True)]
    assert env.post("/_emulator/faults", {"endpoint": "push", "count": 1}).status_code == 400
    assert env.post("/_emulator/faults", {"endpoint": "push", "delay": "soon"}).status_code == 400


def test_a_batch_made_but_not_delivered_is_for_the_caller_to_post(env: Env) -> None:
    a, b = env.new_user("ก"), env.new_user("ข")
    before = len(env.bot.events)
    made = env.post("/_emulator/events/batch", {"deliver": False, "events": [
        {"userId": a, "type": "text", "text": "หนึ่ง"}, {"userId": a, "type": "text", "text": "สอง"},
        {"userId": b, "type": "image", "base64": base64.b64encode(png(4, 4)).decode()}]}).json()["events"]
    assert len(env.bot.events) == before  # nothing posted
    assert [e["message"]["type"] for e in made] == ["text", "text", "image"]
    stamps = [e["timestamp"] for e in made]
    assert stamps == sorted(set(stamps))  # a user's events never share a millisecond
    image = env.api("GET", f"/v2/bot/message/{made[2]['message']['id']}/content")
    assert image.status_code == 200 and image.content == png(4, 4)
    reply = env.api("POST", "/v2/bot/message/reply",
                    json={"replyToken": made[1]["replyToken"], "messages": [{"type": "text", "text": "ตอบสอง"}]})
    assert reply.status_code == 200


def test_deliveries_list_each_accepted_call_once_with_its_event_or_retry_key(env: Env) -> None:
    user = env.post("/_emulator/users", {"sendFollow": False}).json()["userId"]
    env.bot.handler = silent
    sent = env.post(f"/_emulator/users/{user}/send", {"type": "text", "text": "ถาม"}).json()
    texts = [{"type": "text", "text": "หนึ่ง"}, {"type": "text", "text": "สอง"}]
    env.api("POST", "/v2/bot/message/reply", json={"replyToken": sent["replyToken"], "messages": texts})
    key = str(uuid.uuid4())
    for _ in range(2):  # the second is refused (409) and delivers nothing
        env.api("POST", "/v2/bot/message/push", json={"to": user, "messages": texts[:1]},
                headers={"X-Line-Retry-Key": key})
    rows = [r for r in env.get("/_emulator/deliveries").json()["deliveries"] if r["userId"] == user]
    assert [(r["via"], r["eventId"], r["retryKey"], len(r["messages"])) for r in rows] == [
        ("reply", sent["eventId"], None, 2), ("push", None, key, 1)]
    assert rows[0]["messages"] == texts and rows[0]["seq"] < rows[1]["seq"]
