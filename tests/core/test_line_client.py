"""The LINE client wrapper against the emulator over HTTP."""
from __future__ import annotations

import uuid

import pytest

import emulator
from bot.line_client import LineClient, LineError, ReplyTokenRejected
from tests.conftest import TOKEN, Server


@pytest.fixture
def emu():
    server = Server(emulator.create_app({"CHANNEL_ACCESS_TOKEN": TOKEN}))
    yield server
    server.stop()


def client_for(server, **kw) -> LineClient:
    sleeps: list[float] = []
    client = LineClient(server.url, TOKEN, timeout=5, sleep=sleeps.append, **kw)
    client.sleeps = sleeps
    return client


def control(server, method, path, **kw):
    import requests

    r = requests.request(method, f"{server.url}/_emulator{path}", timeout=10, **kw)
    r.raise_for_status()
    return r.json()


def a_user(server) -> str:
    user = "U" + uuid.uuid4().hex
    control(server, "POST", "/users", json={"userId": user, "displayName": "ลุงมี"})
    return user


def texts(n: int) -> list[dict]:
    return [{"type": "text", "text": f"ข้อความที่ {i + 1}"} for i in range(n)]


def test_long_push_is_split_into_calls_of_five(emu):
    client = client_for(emu)
    user = a_user(emu)
    delivery = client.push(user, texts(7), str(uuid.uuid4()))
    assert delivery.calls == 2
    got = [m["message"]["text"] for m in control(emu, "GET", f"/users/{user}/messages")["messages"]]
    assert got == [f"ข้อความที่ {i + 1}" for i in range(7)]


def test_same_retry_key_is_delivered_once(emu):
    client = client_for(emu)
    user = a_user(emu)
    key = str(uuid.uuid4())
    assert not client.push(user, texts(1), key).already_delivered
    assert client.push(user, texts(1), key).already_delivered  # LINE answers 409
    assert len(control(emu, "GET", f"/users/{user}/messages")["messages"]) == 1


def test_429_backs_off_and_honours_retry_after(emu):
    client = client_for(emu, backoff_cap=30)
    user = a_user(emu)
    control(emu, "POST", "/faults", json={"endpoint": "push", "status": 429, "count": 1})
    client.push(user, texts(1), str(uuid.uuid4()))
    assert len(client.sleeps) == 1 and client.sleeps[0] >= 1


def test_retries_are_capped(emu):
    client = client_for(emu, max_retries=2, backoff_cap=0.5)
    user = a_user(emu)
    control(emu, "POST", "/faults", json={"endpoint": "push", "status": 503, "count": 5})
    with pytest.raises(LineError) as err:
        client.push(user, texts(1), str(uuid.uuid4()))
    assert err.value.status == 503
    assert len(client.sleeps) == 2 and max(client.sleeps) <= 0.5


def test_bad_request_is_not_retried(emu):
    client = client_for(emu)
    user = a_user(emu)
    with pytest.raises(LineError) as err:
        client.push(user, [{"type": "text", "text": "x" * 5001}], str(uuid.uuid4()))
    assert err.value.status == 400 and client.sleeps == []


def test_unknown_reply_token_is_reported_for_push_fallback(emu):
    client = client_for(emu)
    with pytest.raises(ReplyTokenRejected):
        client.reply("not-a-token", texts(1))


def test_loading_animation_and_profile(emu):
    client = client_for(emu)
    user = a_user(emu)
    client.show_loading(user, 5)
    calls = control(emu, "GET", "/calls")["calls"]
    assert any(c["path"] == "/v2/bot/chat/loading/start" and c["status"] == 202 for c in calls)
    assert client.profile(user).display_name == "ลุงมี"
