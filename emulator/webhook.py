"""Webhook events built and delivered the way the LINE platform does it."""
from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass
from typing import Any

import requests

from emulator import ids
from emulator.store import Store, now_iso


def sign(body: bytes, channel_secret: str) -> str:
    digest = hmac.new(channel_secret.encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def build_event(kind: str, user_id: str, *, timestamp: int, mode: str = "active", reply_token: str | None = None,
                **payload: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": kind,
        "mode": mode,
        "timestamp": timestamp,
        "source": {"type": "user", "userId": user_id},
        "webhookEventId": ids.webhook_event_id(),
        "deliveryContext": {"isRedelivery": False},
    }
    if reply_token is not None:
        event["replyToken"] = reply_token
    event.update(payload)
    return event


@dataclass
class Delivery:
    status: int | None
    body: str | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class WebhookSender:
    """Posts signed callback bodies to the bot; redelivers failures in the background."""

    def __init__(self, store: Store, config: dict[str, Any]) -> None:
        self.store = store
        self.config = config
        self.local = threading.local()

    def _session(self) -> requests.Session:
        # Keep-alive per thread: requests.Session is not safe to share across threads.
        if not hasattr(self.local, "session"):
            self.local.session = requests.Session()
        return self.local.session

    def destination(self) -> str:
        return self.config["BOT_USER_ID"]

    def deliver(self, events: list[dict[str, Any]]) -> Delivery:
        """Send events in one webhook, remembering them for redelivery."""
        for event in events:
            self.store.remember_event(event)
        delivery = self.send_events(events)
        if not delivery.ok and self.config["REDELIVERY"]:
            threading.Thread(target=self._redeliver_later, args=(events,), daemon=True).start()
        return delivery

    def redeliver(self, events: list[dict[str, Any]]) -> Delivery:
        """LINE's redelivery: the same events and webhookEventIds, marked isRedelivery."""
        again = copy.deepcopy(events)
        for event in again:
            event["deliveryContext"] = {"isRedelivery": True}
        return self.send_events(again)

    def _redeliver_later(self, events: list[dict[str, Any]]) -> None:
        for delay in self.config["REDELIVERY_DELAYS"]:
            time.sleep(delay)
            if self.redeliver(events).ok:
                return

    def send_events(self, events: list[dict[str, Any]]) -> Delivery:
        body = json.dumps({"destination": self.destination(), "events": events},
                          ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return self.send_raw(body, sign(body, self.config["CHANNEL_SECRET"]))

    def send_raw(self, body: bytes, signature: str | None) -> Delivery:
        url = self.config["WEBHOOK_URL"]
        started = time.monotonic()
        if not url:
            delivery = Delivery(None, None, "WEBHOOK_URL is not configured")
        else:
            headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "LineBotWebhook/2.0"}
            if signature is not None:
                headers["X-Line-Signature"] = signature
            try:
                resp = self._session().post(url, data=body, headers=headers, timeout=self.config["WEBHOOK_TIMEOUT"])
                delivery = Delivery(resp.status_code, resp.text[:2000])
            except requests.RequestException as exc:
                delivery = Delivery(None, None, f"{type(exc).__name__}: {exc}")
        self.store.log_webhook({
            "at": now_iso(),
            "url": url,
            "body": body.decode("utf-8", errors="replace"),
            "signature": signature,
            "status": delivery.status,
            "response": delivery.body,
            "error": delivery.error,
            "ms": round((time.monotonic() - started) * 1000, 1),
        })
        return delivery
