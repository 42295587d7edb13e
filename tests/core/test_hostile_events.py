"""Issue 12, findings 4 and 5: one malformed or poison event in a correctly signed
body, beside a good event of another resident. LINE gets its 200, the good event is
answered once, the bad one is recorded as rejected and never answered nor retried,
and the log has a warning for it, without a traceback."""
from __future__ import annotations

import json
import logging
import re
import uuid
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import pytest
import requests
from sqlalchemy import func, select

from models.chat import WebhookEvent
from tests.conftest import Stack
from tests.core.test_webhook import post, sign, text_event

OUR_PACKAGES = ("bot", "services", "flows", "models", "nlu", "web", "admin", "scheduler")
MAX_ATTEMPTS = 5  # EVENT_MAX_ATTEMPTS by default
DEEP = "@@deep@@"  # stands in the JSON for nesting json.dumps cannot write


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def encode(events: list[Any], deep: int = 0) -> bytes:
    """A webhook body; `deep` levels of nesting replace each DEEP string. Lone
    surrogates, which UTF-8 cannot carry, go as \\u escapes, as JSON allows."""
    try:
        body = json.dumps({"destination": "Ubot", "events": events}, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        body = json.dumps({"destination": "Ubot", "events": events}).encode()
    return body.replace(json.dumps(DEEP).encode(), nested(deep)) if deep else body


def tracebacks(records: list[logging.LogRecord]) -> list[str]:
    """Log records of our code that carry a traceback."""
    return [f"{r.name}: {r.getMessage()}" for r in records
            if r.exc_info and r.name.split(".")[0] in OUR_PACKAGES]


def counter(stack: Stack, name: str) -> float:
    found = re.search(rf"^{name} (\S+)$", requests.get(f"{stack.bot.url}/metrics", timeout=10).text, re.M)
    return float(found.group(1)) if found else 0.0


def good_event(stack: Stack, user: str, text: str = "เมนู") -> dict[str, Any]:
    """A text event with a reply token the emulator issued for it, so its answer
    goes by reply and is counted against its id."""
    event_id = uuid.uuid4().hex[:26].upper()
    token = stack.control("POST", "/reply-tokens", json={"userId": user, "eventId": event_id})["replyToken"]
    return text_event(user, text, reply_token=token, event_id=event_id)


def requests_by_answer(stack: Stack, user: str, before: int = 0) -> dict[str, set[str]]:
    """The calls that carried each answer to a user since message `before`: a reply
    names its event, a push its retry key."""
    calls: dict[str, set[str]] = defaultdict(set)
    for message in stack.messages(user)[before:]:
        calls[message.get("eventId") or message.get("retryKey") or message["requestId"]].add(message["requestId"])
    return calls


def answered_once(stack: Stack, user: str, event_id: str, before: int = 0) -> bool:
    """The user got exactly one answer since message `before`: one reply to that event."""
    calls = requests_by_answer(stack, user, before)
    return list(calls) == [event_id] and len(calls[event_id]) == 1


def last_event(stack: Stack) -> int:
    with stack.bot_app.assembly.services.db.session() as session:
        return session.scalar(select(func.max(WebhookEvent.id))) or 0


def events_after(stack: Stack, last: int) -> dict[str, tuple[str, int]]:
    """Status and attempts of the events recorded after row `last`, by id."""
    with stack.bot_app.assembly.services.db.session() as session:
        return {event_id: (status, attempts) for event_id, status, attempts in session.execute(
            select(WebhookEvent.webhook_event_id, WebhookEvent.status, WebhookEvent.attempts)
            .where(WebhookEvent.id > last))}


def _set(path: str, value: Any) -> Callable[[dict], None]:
    """Put `value` at a dotted path of the event (DEEP for nesting)."""
    *parents, last = path.split(".")

    def change(event: dict) -> None:
        for key in parents:
            event = event.setdefault(key, {})
        event[last] = value
    return change


def _drop(key: str) -> Callable[[dict], None]:
    return lambda event: event.pop(key)


# (cause, change to a valid text event, nesting for DEEP)
FINDING_4: list[tuple[str, Callable[[dict], None], int]] = [
    ("source is a string", _set("source", "Uabc"), 0),
    ("source is a list", _set("source", [{"userId": "Uabc"}]), 0),
    ("source is a number", _set("source", 7), 0),
    ("deliveryContext is a string", _set("deliveryContext", "redelivery"), 0),
    ("deliveryContext is a list", _set("deliveryContext", [True]), 0),
    ("webhookEventId is a list", _set("webhookEventId", ["01ABC"]), 0),
    ("webhookEventId is an object", _set("webhookEventId", {"id": "01ABC"}), 0),
    ("webhookEventId is missing", _drop("webhookEventId"), 0),
    ("webhookEventId is empty", _set("webhookEventId", ""), 0),
    ("webhookEventId is 65 characters", _set("webhookEventId", "A" * 65), 0),
    ("webhookEventId is Thai", _set("webhookEventId", "เหตุการณ์"), 0),
    ("webhookEventId has full-width digits", _set("webhookEventId", "０１２３"), 0),
    ("webhookEventId has punctuation", _set("webhookEventId", "01ABC-DEF'; --"), 0),
    ("timestamp is text", _set("timestamp", "x"), 0),
    ("timestamp is a list", _set("timestamp", [1]), 0),
    ("timestamp is 5,000 digits in text", _set("timestamp", "9" * 5000), 0),
    ("timestamp has 4,000 digits", _set("timestamp", int("9" * 4000)), 0),
    ("timestamp is a boolean", _set("timestamp", True), 0),
    ("timestamp is a fraction", _set("timestamp", 1.5), 0),
    ("timestamp is negative", _set("timestamp", -1), 0),
    ("timestamp is 2**64", _set("timestamp", 2**64), 0),
    ("userId is a list", _set("source.userId", ["Uabc"]), 0),
    ("userId is an object", _set("source.userId", {"id": "Uabc"}), 0),
    ("message.id is a list", _set("message.id", [1]), 0),
    ("message.id is an object", _set("message.id", {"id": 1}), 0),
    ("message.text is a list", _set("message.text", ["เมนู"]), 0),
    ("message.text is an object", _set("message.text", {"text": "เมนู"}), 0),
    ("postback.data is a list", lambda e: e.update(type="postback", postback={"data": ["action=menu"]}), 0),
    ("nested 300 levels", _set("message.extra", DEEP), 300),
    ("nested 1,000 levels", _set("message.extra", DEEP), 1000),
]

# Integers of 64 bits and more bound to SQLite, which stores at most 2**63 - 1.
FINDING_4_SQLITE = [
    ("timestamp is 2**63", _set("timestamp", 2**63), 0),
    ("timestamp is 2**64", _set("timestamp", 2**64), 0),
    ("message.id is 2**63", _set("message.id", 2**63), 0),
]

# Poison events: before, recorded, then failing at every attempt, retried for ever.
FINDING_5 = [
    ("replyToken is a number", _set("replyToken", 12345), 0),
    ("replyToken is a list", _set("replyToken", ["abc"]), 0),
    ("replyToken is an object", _set("replyToken", {"token": "abc"}), 0),
    ("webhookEventId is 1.5", _set("webhookEventId", 1.5), 0),
    ("webhookEventId is -1", _set("webhookEventId", -1), 0),
    ("webhookEventId is 2**64", _set("webhookEventId", 2**64), 0),
    ("webhookEventId is true", _set("webhookEventId", True), 0),
]


def _cases(cases: list[tuple[str, Callable[[dict], None], int]], database: str) -> list[Any]:
    return [pytest.param(database, change, deep, id=f"{database}: {cause}") for cause, change, deep in cases]


@pytest.mark.parametrize("database,change,deep", _cases(FINDING_4, "postgres") + _cases(FINDING_4_SQLITE, "sqlite")
                         + _cases(FINDING_5, "postgres") + _cases(FINDING_5, "sqlite"))
def test_a_bad_event_is_rejected_alone(stack_on, caplog, database, change, deep):
    stack = stack_on(database)
    caplog.set_level(logging.WARNING)
    good_user, bad_user = stack.new_user(), stack.new_user()
    good, bad = good_event(stack, good_user), good_event(stack, bad_user, "ขอเบอร์ฉุกเฉิน")
    change(bad)
    before_good, before_bad = len(stack.messages(good_user)), len(stack.messages(bad_user))
    rejected_before = counter(stack, "smartservice_events_rejected_total")
    last = last_event(stack)

    body = encode([bad, good], deep)
    assert post(stack, body, sign(body)).status_code == 200
    stack.settle()
    for _ in range(MAX_ATTEMPTS + 1):  # a poison event would be tried again at each sweep
        stack.dispatcher.sweep()

    assert answered_once(stack, good_user, good["webhookEventId"], before_good), stack.messages(good_user)
    assert stack.messages(bad_user)[before_bad:] == []  # no answer, no apology
    statuses = events_after(stack, last)
    assert statuses.pop(good["webhookEventId"]) == ("done", 1)
    assert list(statuses.values()) == [("rejected", 0)], statuses
    own_id = bad.get("webhookEventId")
    if isinstance(own_id, str) and re.fullmatch(r"[0-9A-Za-z]{1,64}", own_id):
        assert list(statuses) == [own_id]
    assert counter(stack, "smartservice_events_rejected_total") == rejected_before + 1
    assert any(r.levelno == logging.WARNING and "rejected" in r.getMessage() for r in caplog.records)
    assert tracebacks(caplog.records) == []


def test_the_same_bad_event_redelivered_is_recorded_once(stack_on):
    """A malformed event without a usable id gets one derived from its content, so
    LINE's redeliveries of it add no rows."""
    stack = stack_on("postgres")
    bad = text_event("U" + uuid.uuid4().hex, "เมนู")
    bad["webhookEventId"] = 1.5
    body = encode([bad])
    last = last_event(stack)
    for _ in range(3):
        assert post(stack, body, sign(body)).status_code == 200
    stack.settle()
    assert list(events_after(stack, last).values()) == [("rejected", 0)]
