"""Builders for LINE message objects (plain dicts in LINE's JSON)."""
from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

MAX_QUICK_REPLIES = 13
MAX_TEXT = 5000
LABEL_LIMIT = 20


def text(body: str, quick_replies: Iterable[dict[str, Any]] = ()) -> dict[str, Any]:
    message: dict[str, Any] = {"type": "text", "text": body[:MAX_TEXT]}
    items = list(quick_replies)
    if items:
        message["quickReply"] = {"items": items[:MAX_QUICK_REPLIES]}
    return message


def qr_postback(label: str, data: str) -> dict[str, Any]:
    """A quick reply that sends ``data`` (see flex_templates.postback_data / intent_data)."""
    return {"type": "action", "action": {
        "type": "postback", "label": label[:LABEL_LIMIT], "data": data, "displayText": label}}


def qr_message(label: str, text_to_send: str | None = None) -> dict[str, Any]:
    action = {"type": "message", "label": label[:LABEL_LIMIT], "text": text_to_send or label}
    return {"type": "action", "action": action}


def qr_location(label: str = "ส่งตำแหน่ง") -> dict[str, Any]:
    return {"type": "action", "action": {"type": "location", "label": label[:LABEL_LIMIT]}}


def qr_camera(label: str = "ถ่ายรูป") -> dict[str, Any]:
    return {"type": "action", "action": {"type": "camera", "label": label[:LABEL_LIMIT]}}


def qr_camera_roll(label: str = "เลือกรูป") -> dict[str, Any]:
    return {"type": "action", "action": {"type": "cameraRoll", "label": label[:LABEL_LIMIT]}}


def qr_date_picker(label: str, data: str, *, latest: str, earliest: str) -> dict[str, Any]:
    """A quick reply that opens LINE's date picker; the day chosen arrives as postback params["date"]."""
    return {"type": "action", "action": {"type": "datetimepicker", "label": label[:LABEL_LIMIT], "data": data,
                                         "mode": "date", "initial": latest, "max": latest, "min": earliest}}


def with_quick_replies(messages: list[dict[str, Any]], items: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Quick replies only show on the last message, so they go there."""
    items = list(items)
    if not messages or not items:
        return messages
    out = list(messages)
    last = copy.deepcopy(out[-1])
    existing = (last.get("quickReply") or {}).get("items", [])
    last["quickReply"] = {"items": (existing + items)[:MAX_QUICK_REPLIES]}
    out[-1] = last
    return out
