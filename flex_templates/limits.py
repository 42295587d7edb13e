"""LINE's limits for a Flex message, checked before anything is sent, so an
oversized carousel fails in our tests instead of at LINE with a 400."""
from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

ALT_TEXT_MAX = 400
BUBBLE_MAX_BYTES = 30_000
CAROUSEL_MAX_BYTES = 50_000
CAROUSEL_MAX_BUBBLES = 12
POSTBACK_DATA_MAX = 300
ACTION_TEXT_MAX = 300
ACTION_LABEL_MAX = 40
URI_MAX = 1000


class LimitError(ValueError):
    """A message would be refused by LINE; the message says which limit."""


def json_size(value: Any) -> int:
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def _actions(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("action", "defaultAction") and isinstance(value, dict):
                yield value
            yield from _actions(value)
    elif isinstance(node, list):
        for element in node:
            yield from _actions(element)


def _texts(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if node.get("type") in ("text", "span"):
            yield node
        for value in node.values():
            yield from _texts(value)
    elif isinstance(node, list):
        for element in node:
            yield from _texts(element)


def check_action(action: dict[str, Any]) -> None:
    kind = action.get("type")
    if kind in ("postback", "richmenuswitch") and len(action.get("data", "")) > POSTBACK_DATA_MAX:
        raise LimitError(f"postback data over {POSTBACK_DATA_MAX} characters: {action['data'][:60]}…")
    for key in ("displayText", "text"):
        if len(action.get(key, "")) > ACTION_TEXT_MAX:
            raise LimitError(f"{kind} {key} over {ACTION_TEXT_MAX} characters")
    if kind == "message" and not action.get("text"):
        raise LimitError("a message action needs text")
    if len(action.get("label", "")) > ACTION_LABEL_MAX:
        raise LimitError(f"action label over {ACTION_LABEL_MAX} characters: {action['label']}")
    if kind == "uri" and not (0 < len(action.get("uri", "")) <= URI_MAX):
        raise LimitError(f"uri must be 1-{URI_MAX} characters")


def check_message(message: dict[str, Any]) -> None:
    alt_text = message.get("altText", "")
    if not 0 < len(alt_text) <= ALT_TEXT_MAX:
        raise LimitError(f"altText must be 1-{ALT_TEXT_MAX} characters, got {len(alt_text)}")
    contents = message["contents"]
    if contents.get("type") == "carousel":
        bubbles = contents.get("contents", [])
        if not 0 < len(bubbles) <= CAROUSEL_MAX_BUBBLES:
            raise LimitError(f"a carousel holds 1-{CAROUSEL_MAX_BUBBLES} bubbles, got {len(bubbles)}")
        if json_size(contents) > CAROUSEL_MAX_BYTES:
            raise LimitError(f"carousel is {json_size(contents)} bytes; LINE allows {CAROUSEL_MAX_BYTES}")
    else:
        bubbles = [contents]
    for bubble in bubbles:
        if json_size(bubble) > BUBBLE_MAX_BYTES:
            raise LimitError(f"bubble is {json_size(bubble)} bytes; LINE allows {BUBBLE_MAX_BYTES}")
    for action in _actions(contents):
        check_action(action)
    for text in _texts(contents):
        if not text.get("text") and not text.get("contents"):
            raise LimitError("a text component is empty")
