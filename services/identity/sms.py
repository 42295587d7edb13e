"""Sending SMS through a provider chosen by settings.

``DevSmsProvider`` keeps messages in the database for developers and tests
(``smartservice sms list``); ``HttpSmsProvider`` posts JSON to an SMS gateway.
Both raise ``SmsError`` when a message cannot be handed over.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import requests
from sqlalchemy import select
from sqlalchemy.orm import Session

from models.base import utcnow
from models.identity import SmsMessage
from services.billing.times import as_utc

DEFAULT_SENDER = "OSS-LOCAL"


class SmsError(RuntimeError):
    pass


class SmsProvider(Protocol):
    def send(self, phone: str, text: str) -> None: ...


class DevSmsProvider:
    """Stores each message in ``sms_messages`` in the caller's transaction."""

    def __init__(self, session: Session, *, sender: str = DEFAULT_SENDER) -> None:
        self.session = session
        self.sender = sender

    def send(self, phone: str, text: str) -> None:
        self.session.add(SmsMessage(phone=phone, text=text, sender=self.sender, sent_at=utcnow()))
        self.session.flush()


@dataclass(frozen=True)
class HttpSmsSettings:
    url: str
    api_key: str
    sender: str = DEFAULT_SENDER
    timeout_seconds: float = 10.0
    api_key_header: str = "X-API-Key"


class HttpSmsProvider:
    """POSTs ``{"to", "sender", "text"}`` as JSON with the API key in a header;
    any 2xx answer means the gateway accepted the message."""

    def __init__(self, settings: HttpSmsSettings, *, http: requests.Session | None = None) -> None:
        self.settings = settings
        self.http = http or requests.Session()

    def send(self, phone: str, text: str) -> None:
        try:
            response = self.http.post(
                self.settings.url,
                json={"to": phone, "sender": self.settings.sender, "text": text},
                headers={self.settings.api_key_header: self.settings.api_key},
                timeout=self.settings.timeout_seconds,
            )
        except requests.RequestException as exc:
            raise SmsError(f"SMS gateway unreachable: {exc.__class__.__name__}") from exc
        if not 200 <= response.status_code < 300:
            raise SmsError(f"SMS gateway answered HTTP {response.status_code}")


def make_provider(session: Session, settings: HttpSmsSettings | None = None) -> SmsProvider:
    """The HTTP gateway when one is configured, else the development store."""
    return HttpSmsProvider(settings) if settings else DevSmsProvider(session)


@dataclass(frozen=True)
class StoredSms:
    id: int
    phone: str
    text: str
    sender: str
    sent_at: datetime


def stored_messages(session: Session, *, phone: str | None = None, limit: int = 50) -> list[StoredSms]:
    """What the development provider 'sent', newest first."""
    query = select(SmsMessage).order_by(SmsMessage.id.desc()).limit(limit)
    if phone:
        query = query.where(SmsMessage.phone == phone)
    return [StoredSms(id=m.id, phone=m.phone, text=m.text, sender=m.sender, sent_at=as_utc(m.sent_at))
            for m in session.scalars(query)]
