"""LINE webhook events, checked one by one at the edge.

Whatever a body holds, each event either becomes an `Event` (every field the bot
relies on has the type LINE documents, and the whole event can be stored as JSON)
or a `Rejected` (recorded and skipped). One malformed event never fails its body:
the body's other events are answered as usual and LINE gets its 200.

The rules follow LINE's webhook schema (../shared/line-openapi/webhook.yml) with
room to spare; they refuse only what LINE never sends.
"""
from __future__ import annotations

import hashlib
import re
import reprlib
from typing import Any

import orjson

from services.conversations import Event, Rejected

_EVENT_ID = re.compile(r"[0-9A-Za-z]{1,64}")  # LINE's are 26-character ULIDs
_USER_ID = re.compile(r"[0-9A-Za-z]{1,64}")  # U + 32 hex digits
_TYPE = re.compile(r"[A-Za-z]{1,32}")
_MESSAGE_ID = re.compile(r"[0-9A-Za-z]{1,64}")
MAX_TIMESTAMP = 2**53  # milliseconds: far beyond any real date, and exact in JavaScript and JSON
MAX_DEPTH = 12  # LINE's deepest event (a postback's params, a message's emojis) is 4 levels down
MAX_TEXT = 20_000  # LINE caps a text message at 5,000 characters
MAX_TOKEN = 256

_excerpt = reprlib.Repr()
_excerpt.maxlevel, _excerpt.maxstring, _excerpt.maxother, _excerpt.maxlist, _excerpt.maxdict = 3, 200, 60, 6, 8


class _Bad(ValueError):
    pass


def read_event(raw: Any) -> Event | Rejected:
    """One event of a webhook body, checked."""
    try:
        return _event(raw)
    except _Bad as bad:
        return _rejected(raw, str(bad))


def _event(raw: Any) -> Event:
    if not isinstance(raw, dict):
        raise _Bad("event is not an object")
    event_id = _match(raw.get("webhookEventId"), _EVENT_ID, "webhookEventId")
    kind = _match(raw.get("type"), _TYPE, "type")
    timestamp = raw.get("timestamp", 0)
    if type(timestamp) is not int or not 0 <= timestamp <= MAX_TIMESTAMP:
        raise _Bad("timestamp is not a time in milliseconds")
    mode = raw.get("mode", "active")
    if mode not in ("active", "standby"):
        raise _Bad("mode is neither active nor standby")
    source = _object(raw, "source")
    user_id = source.get("userId")
    if user_id is not None:
        _match(user_id, _USER_ID, "source.userId")
    delivery = _object(raw, "deliveryContext")
    redelivery = delivery.get("isRedelivery", False)
    if not isinstance(redelivery, bool):
        raise _Bad("deliveryContext.isRedelivery is not a boolean")
    reply_token = raw.get("replyToken")
    if reply_token is not None and not (isinstance(reply_token, str) and 0 < len(reply_token) <= MAX_TOKEN
                                        and reply_token.isascii() and reply_token.isprintable()):
        raise _Bad("replyToken is not a token")
    if kind == "message":
        _message(_object(raw, "message", required=True))
    elif kind == "postback":
        _postback(_object(raw, "postback", required=True))
    elif kind == "unsend":
        _match(_object(raw, "unsend", required=True).get("messageId"), _MESSAGE_ID, "unsend.messageId")
    _storable(raw)
    return Event(event_id=event_id, type=kind, user_id=user_id, timestamp_ms=timestamp, mode=mode,
                 is_redelivery=redelivery, reply_token=reply_token, payload=raw)


def _message(message: dict[str, Any]) -> None:
    _match(message.get("type"), _TYPE, "message.type")
    _match(message.get("id"), _MESSAGE_ID, "message.id")
    if message["type"] == "text":
        text = message.get("text")
        if not isinstance(text, str) or len(text) > MAX_TEXT:
            raise _Bad("message.text is not a text")


def _postback(postback: dict[str, Any]) -> None:
    data = postback.get("data")
    if not isinstance(data, str) or len(data) > 1000:
        raise _Bad("postback.data is not a text")
    params = postback.get("params", {})
    if not isinstance(params, dict) or not all(isinstance(v, str) and len(v) <= 100 for v in params.values()):
        raise _Bad("postback.params is not an object of texts")


def _match(value: Any, pattern: re.Pattern[str], name: str) -> str:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise _Bad(f"{name} is missing or malformed")
    return value


def _object(raw: dict[str, Any], name: str, *, required: bool = False) -> dict[str, Any]:
    value = raw.get(name)
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise _Bad(f"{name} is not an object")
    return value


def _storable(raw: dict[str, Any]) -> None:
    """The event goes into a JSON column and its strings into text columns: nothing
    deeper than LINE nests, no integer beyond 64 bits, no lone surrogate (orjson
    refuses both), no NUL character (PostgreSQL refuses it in text)."""
    if _depth(raw, MAX_DEPTH) > MAX_DEPTH:
        raise _Bad("event is nested deeper than LINE sends")
    try:
        encoded = orjson.dumps(raw)
    except orjson.JSONEncodeError as exc:
        raise _Bad(f"event cannot be stored: {exc}") from None
    if b"\\u0000" in encoded:
        raise _Bad("event holds a NUL character")


def _depth(value: Any, limit: int) -> int:
    """How deep `value` nests, counting no further than one past `limit`."""
    if limit < 0:
        return 1
    if isinstance(value, dict):
        children = value.values()
    elif isinstance(value, list):
        children = value
    else:
        return 0
    return 1 + max((_depth(child, limit - 1) for child in children), default=0)


def _rejected(raw: Any, reason: str) -> Rejected:
    excerpt = _excerpt.repr(raw)
    own = raw.get("webhookEventId") if isinstance(raw, dict) else None
    if isinstance(own, str) and _EVENT_ID.fullmatch(own):
        event_id = own
    else:  # the same malformed event redelivered gets the same id, so it is recorded once
        event_id = "x" + hashlib.sha256(excerpt.encode("utf-8", "replace")).hexdigest()[:40]
    source = raw.get("source") if isinstance(raw, dict) else None
    user_id = source.get("userId") if isinstance(source, dict) else None
    return Rejected(event_id, reason, excerpt, user_id if isinstance(user_id, str) and _USER_ID.fullmatch(user_id)
                    else None)
