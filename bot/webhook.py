"""``POST /callback``: LINE's webhook.

Check the signature on the raw bytes, record the events, answer 200. Processing
happens after the answer (bot/dispatch.py), so LINE gets its 200 in milliseconds
whatever the flows do. A database that cannot record the events gets a 503, so
LINE redelivers rather than the message being lost; nothing an event holds
does: a malformed event is recorded as rejected and the rest of its body answered.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import time

import orjson
from flask import Blueprint, jsonify, request
from sqlalchemy.exc import SQLAlchemyError

from bot import metrics
from bot.dispatch import Dispatcher

log = logging.getLogger(__name__)

def signature_is_valid(channel_secret: str, body: bytes, signature: str) -> bool:
    digest = hmac.new(channel_secret.encode("utf-8"), body, hashlib.sha256).digest()
    return hmac.compare_digest(base64.b64encode(digest), signature.strip().encode("ascii", "replace"))


def _error(status: int, message: str):
    return jsonify({"message": message}), status


def _parse(body: bytes) -> object | None:
    """The body's JSON, or None. orjson refuses integers beyond 64 bits, which are
    still JSON: the standard parser takes those (the event holding one is then
    rejected on its own, bot/events.py)."""
    try:
        return orjson.loads(body)
    except ValueError:  # orjson's decode errors, bad UTF-8 included
        pass
    try:
        return json.loads(body.decode("utf-8"))
    except (ValueError, RecursionError):  # not JSON, or nested deeper than Python parses
        return None


def blueprint(channel_secret: str, dispatcher: Dispatcher) -> Blueprint:
    bp = Blueprint("webhook", __name__)

    @bp.post("/callback")
    def callback():  # noqa: ANN202 - a Flask view
        started = time.perf_counter()
        body = request.get_data(cache=False)  # raw bytes; MAX_CONTENT_LENGTH turns > 1 MB into 413
        signature = request.headers.get("X-Line-Signature", "")
        if not signature or not signature_is_valid(channel_secret, body, signature):
            log.warning("webhook with a bad signature refused")
            return _error(400, "invalid signature")
        payload = _parse(body)
        if payload is None:
            return _error(400, "malformed JSON")
        if not isinstance(payload, dict) or not isinstance(payload.get("events"), list):
            return _error(400, "body must be an object with an events array")
        try:
            dispatcher.accept(payload["events"])
        except SQLAlchemyError:
            log.exception("could not record webhook events; LINE will redeliver")
            return _error(503, "temporarily unable to record events")
        metrics.ACK_SECONDS.observe(time.perf_counter() - started)
        return "OK", 200

    return bp
