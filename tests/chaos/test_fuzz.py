"""Issue 12's fuzz test: over a thousand correctly signed hostile bodies, from a
seeded generator, posted to one bot on PostgreSQL and Redis. Whatever they hold, no
5xx; every good event in a body that must get its 200 is answered exactly once, and
nothing else is sent twice; no event is tried past the attempt cap; no traceback
from our code in the log."""
from __future__ import annotations

import copy
import json
import logging
import random
import time
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import requests
from sqlalchemy import func, select

from models.chat import WebhookEvent
from tests.conftest import Stack
from tests.core.test_hostile_events import (
    DEEP,
    MAX_ATTEMPTS,
    answered_once,
    encode,
    good_event,
    last_event,
    nested,
    requests_by_answer,
    tracebacks,
)
from tests.core.test_webhook import sign, text_event

SEED = 1212
BODIES = 1_000  # besides the few with thousands of tiny events
TINY_BODIES, TINY_EVENTS = 3, 2_500
THREADS = 4
MAX_BODY = 1024 * 1024  # the bot's default MAX_BODY_BYTES

TEXTS = ["เมนู", "สวัสดีค่ะ", "ยอดค้างชำระเท่าไหร่คะ", "เบอร์ฉุกเฉิน", "ขอบคุณครับ", "hello"]
# Unicode a resident's phone may well send: direction marks, joiners, combining
# marks piled up, emoji sequences, a byte order mark, a character outside the BMP.
ODDITIES = ["\u202e", "\u200b", "\u200d", "e\u0301\u0301", "👍🏽", "\ufeff", "ก\u0e31\u0e31\u0e31\u0e49", "🧑\u200d💻",
            "\U00020000", "\u0e3f" * 50]
BAD_VALUES: list[Any] = [
    None, True, False, 0, -1, 1.5, float("nan"), float("inf"), 2**63, 2**64, 10**30, -(2**63) - 1,
    int("7" * 4000), "", " ", "x" * 70, "ไทย", "\u0000", "\ud800", "\udfff\ud800", "0" * 5000,
    [], [1, "a"], {}, {"a": {"b": [None]}}, DEEP,
]
FIELDS = ["webhookEventId", "timestamp", "type", "mode", "source", "source.userId", "source.type", "deliveryContext",
          "deliveryContext.isRedelivery", "replyToken", "message", "message.id", "message.type", "message.text",
          "message.emojis", "postback", "postback.data", "postback.params"]
POSTBACK_DATA = ["", "action=menu", "a=1&b=²", "id=99999999999999999999", "%%%", "action=pay&invoice=-1",
                 "action=" + "ก" * 300, "=&=&", "action=receipt&id=1&id=2"]
TINY = [{}, 1, None, "x", [], True, {"type": "message"}, {"webhookEventId": ""}]


@dataclass
class Body:
    kind: str
    data: bytes
    expect: int
    signature: str = ""
    events: int = 0
    good: list[tuple[str, str]] = field(default_factory=list)  # (user, event id) to answer once


class Generator:
    """Hostile bodies: the same kinds, fields and values for the same seed (only the
    reply tokens and message ids differ from run to run)."""

    def __init__(self, stack: Stack, seed: int) -> None:
        self.stack = stack
        self.rng = random.Random(seed)
        self.noise_users = [self.user() for _ in range(6)]
        self.sent: list[Body] = []

    def user(self) -> str:
        user = f"U{self.rng.getrandbits(128):032x}"
        self.stack.control("POST", "/users", json={"userId": user, "displayName": "ฟัซ", "sendFollow": False})
        return user

    def event_id(self) -> str:
        return f"{self.rng.getrandbits(128):032X}"[:26]

    def good(self) -> dict[str, Any]:
        text = self.rng.choice(TEXTS) + "".join(self.rng.sample(ODDITIES, self.rng.randint(0, 3)))
        return good_event(self.stack, self.user(), text)

    def odd(self) -> dict[str, Any]:
        """A valid event LINE could send but the bot seldom meets, from a noise user."""
        event = text_event(self.rng.choice(self.noise_users), self.rng.choice(TEXTS), event_id=self.event_id())
        kind = self.rng.choice(["postback", "sticker", "image", "location", "unsend", "unfollow", "follow",
                                "beacon", "somethingNew", "standby", "group"])
        if kind == "postback":
            event.pop("message")
            event.update(type="postback", postback={"data": self.rng.choice(POSTBACK_DATA),
                                                    "params": {"date": "2569-13-45"}})
        elif kind in ("sticker", "image", "location"):
            event["message"] = {"id": str(self.rng.getrandbits(60)), "type": kind, "packageId": "1",
                                "stickerId": "1", "latitude": 91.5, "longitude": -500, "contentProvider": {}}
        elif kind == "unsend":
            event.pop("message")
            event.update(type="unsend", unsend={"messageId": str(self.rng.getrandbits(60))})
        elif kind == "standby":
            event["mode"] = "standby"
        elif kind == "group":
            event["source"] = {"type": "group", "groupId": "C" + "0" * 32, "userId": event["source"]["userId"]}
        else:
            event.pop("message")
            event["type"] = kind
        return event

    def bad(self) -> dict[str, Any]:
        """A valid event with wrong values at one to three fields (most of them
        malformed by then; some still valid, answered like any other)."""
        event = self.odd() if self.rng.random() < 0.3 else text_event(
            self.rng.choice(self.noise_users), self.rng.choice(TEXTS), event_id=self.event_id())
        for path in self.rng.sample(FIELDS, self.rng.randint(1, 3)):
            *parents, last = path.split(".")
            target = event
            for key in parents:
                if not isinstance(target.get(key), dict):
                    target[key] = {}
                target = target[key]
            target[last] = copy.deepcopy(self.rng.choice(BAD_VALUES))
        return event

    def body(self, kind: str, events: list[Any], expect: int = 200, *, good: Sequence[dict[str, Any]] = ()) -> Body:
        depth = self.rng.randint(13, 800)  # LINE nests 4 levels; Python's parser takes about 990
        return Body(kind, encode(events, depth), expect, events=len(events),
                    good=[(e["source"]["userId"], e["webhookEventId"]) for e in good])

    def next(self) -> Body:
        roll = self.rng.random()
        if roll < 0.40:
            good = [self.good() for _ in range(self.rng.randint(1, 2))]
            events = good + [self.bad() for _ in range(self.rng.randint(1, 6))] + [
                self.odd() for _ in range(self.rng.randint(0, 2))]
            self.rng.shuffle(events)
            made = self.body("mixed", events, good=good)
        elif roll < 0.55:
            made = self.body("bad", [self.bad() for _ in range(self.rng.randint(1, 10))])
        elif roll < 0.65:
            made = self.body("odd", [self.odd() for _ in range(self.rng.randint(1, 4))])
        elif roll < 0.72 and self.sent:
            again = self.rng.choice(self.sent)  # LINE redelivers the same bytes
            made = Body("redelivered", again.data, again.expect, events=again.events)
        elif roll < 0.77:
            good, bad = self.good(), self.bad()
            twin = dict(self.bad(), webhookEventId=bad.get("webhookEventId"))
            made = self.body("duplicates", [good, bad, good, twin, good], good=[good])
        elif roll < 0.81:
            made = Body("empty", json.dumps({"destination": self.rng.choice(BAD_VALUES[:12]), "events": [],
                                             "extra": {"a": [1, 2]}}).encode(), 200)
        elif roll < 0.93:
            made = Body("unparsable", self.rng.choice([
                b"", b"{", b"null", b"[]", b"1", b'"events"', b'{"events": {}}', b'{"events": null}',
                b'{"events": "[]"}', b'{"events": [] ', b"\xff\xfe{}", '{"events": ["ก"]}'.encode("tis-620"),
                b'{"events": [' * 3000 + b"]}" * 3000,
                b'{"events": [' + nested(self.rng.randint(20_000, 100_000)) + b"]}",
                b'{"events": [{"timestamp": ' + b"9" * 5000 + b"}]}",
            ]), 400)
        elif roll < 0.99:
            made = self.body("forged", [self.good()], 400)
            made.signature = sign(made.data, "not-the-channel-secret")
        else:
            made = Body("oversize", b'{"events": [], "pad": "' + b"x" * MAX_BODY + b'"}', 413)
        if made.kind in ("mixed", "bad", "odd", "duplicates"):
            self.sent.append(made)
        return made

    def tiny(self) -> Body:
        """Thousands of tiny events, most malformed, a few good ones among them."""
        events: list[Any] = [self.rng.choice(TINY) if self.rng.random() < 0.5 else {"n": i}
                             for i in range(TINY_EVENTS)]
        good = [self.good() for _ in range(5)]
        for event in good:
            events.insert(self.rng.randrange(len(events)), event)
        return self.body("tiny", events, good=good)


def _post(stack: Stack, body: Body) -> int:
    headers = {"Content-Type": "application/json", "X-Line-Signature": body.signature or sign(body.data)}
    return requests.post(f"{stack.bot.url}/callback", data=body.data, headers=headers, timeout=60).status_code


def test_hostile_bodies(stack_on, caplog):
    stack = stack_on("postgres")
    caplog.set_level(logging.WARNING)
    started, last = time.monotonic(), last_event(stack)
    generator = Generator(stack, SEED)
    bodies = [generator.tiny() for _ in range(TINY_BODIES)] + [generator.next() for _ in range(BODIES)]
    with ThreadPoolExecutor(THREADS) as pool:
        statuses = list(pool.map(lambda body: _post(stack, body), bodies))
    stack.settle()
    for _ in range(MAX_ATTEMPTS + 1):  # whatever failed is tried again, up to the cap
        stack.dispatcher.sweep()
    stack.settle()

    wrong = Counter((body.kind, body.expect, status) for body, status in zip(bodies, statuses) if status != body.expect)
    good = {pair for body in bodies if body.expect == 200 for pair in body.good}
    unanswered = [pair for pair in good if not answered_once(stack, *pair)]
    twice = [key for user in generator.noise_users for key, requests_ in requests_by_answer(stack, user).items()
             if len(requests_) > 1]
    with stack.bot_app.assembly.services.db.session() as session:
        by_status = dict(session.execute(select(WebhookEvent.status, func.count()).where(WebhookEvent.id > last)
                                         .group_by(WebhookEvent.status)).all())
        most_attempts = session.scalar(select(func.max(WebhookEvent.attempts)).where(WebhookEvent.id > last))
    logged = tracebacks(caplog.records)
    print(f"\nfuzz: {len(bodies)} bodies, {sum(b.events for b in bodies)} events, "
          f"{by_status.get('rejected', 0)} rejected, {len(good) - len(unanswered)} of {len(good)} good answered "
          f"once; statuses {sorted(by_status.items())}; at most {most_attempts} attempts; {len(logged)} tracebacks; "
          f"{time.monotonic() - started:.1f} s")
    assert not [w for w in wrong if w[2] >= 500], f"(kind, expected, got): count {wrong}"
    assert not wrong, f"(kind, expected, got): count {wrong}"
    assert unanswered == [], unanswered[:10]
    assert twice == [], twice[:10]
    assert most_attempts <= MAX_ATTEMPTS
    assert logged == [], logged[:10]
    warned = sum(r.levelno == logging.WARNING and "rejected" in r.getMessage() for r in caplog.records)
    assert warned >= by_status["rejected"]  # each one logged, once per delivery
