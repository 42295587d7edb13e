"""Sending SMS: an outbox, and the providers it is sent through.

Whoever decides to send an SMS queues it (``queue_sms``) in its own transaction;
after the commit ``send_soon`` starts the sending and returns, and ``send_due``
(also run by the bot's periodic sweep) sends whatever is due. So an answer never
waits for the gateway — the time of an OTP answer tells nothing about whether an
SMS went — and nothing queued is lost to a crash or a gateway that is down: a
message is retried with backoff until it is sent, expires or runs out of tries.
A crash after the gateway took a message but before that was recorded sends it
once more (at least once: a second copy of the same code does no harm).

``DevSmsProvider`` keeps messages in the database for developers and tests
(``smartservice sms list``); ``HttpSmsProvider`` posts JSON to an SMS gateway.
Both raise ``SmsError`` when a message cannot be handed over.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

import requests
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models.base import as_utc, utcnow
from models.db import Database
from models.identity import SmsMessage, SmsOutbox

log = logging.getLogger(__name__)

DEFAULT_SENDER = "OSS-LOCAL"
MAX_SMS_ATTEMPTS = 6
# Longer than the gateway's timeout: a sender still waiting for the gateway keeps its message.
SEND_LEASE = timedelta(seconds=60)
_BATCH = 50


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


def queue_sms(session: Session, phone: str, text: str, *, now: datetime, expires_at: datetime | None = None) -> None:
    """Send ``text`` to ``phone`` once the caller's transaction commits (and only then)."""
    session.add(SmsOutbox(phone=phone, text=text, status="pending", attempts=0, next_attempt_at=as_utc(now),
                          expires_at=as_utc(expires_at) if expires_at else None, created_at=as_utc(now)))
    session.flush()


def _retry_delay(attempts: int) -> timedelta:
    return timedelta(seconds=min(5 * 2 ** (attempts - 1), 120))


def _claim(db: Database, now: datetime) -> list[tuple[int, str, str, int]]:
    """Take the due messages for this sender by moving each one's next attempt a lease
    ahead: a conditional UPDATE per row, so two senders (two processes, or the sweep
    and an immediate send) never take the same one. Expired ones are given up here."""
    with db.session() as session, session.begin():
        due = session.execute(
            select(SmsOutbox.id, SmsOutbox.attempts, SmsOutbox.expires_at)
            .where(SmsOutbox.status == "pending", SmsOutbox.next_attempt_at <= now)
            .order_by(SmsOutbox.id).limit(_BATCH)).all()
        taken = []
        for row_id, attempts, expires_at in due:
            mine = update(SmsOutbox).where(SmsOutbox.id == row_id, SmsOutbox.status == "pending",
                                           SmsOutbox.attempts == attempts)
            if expires_at is not None and as_utc(expires_at) <= now:
                session.execute(mine.values(status="failed", text=None, last_error="expired before it was sent"),
                                execution_options={"synchronize_session": False})
                continue
            row = session.execute(mine.values(attempts=attempts + 1, next_attempt_at=now + SEND_LEASE)
                                  .returning(SmsOutbox.phone, SmsOutbox.text),
                                  execution_options={"synchronize_session": False}).one_or_none()
            if row is not None:
                taken.append((row_id, row.phone, row.text, attempts + 1))
    return taken


def send_due(db: Database, settings: HttpSmsSettings | None, *, now: datetime | None = None) -> int:
    """Send every queued SMS that is due, through the gateway of ``settings`` (None:
    the development store); returns how many went out. Safe to run anywhere at once."""
    sent = 0
    while True:
        at = as_utc(now or utcnow())
        taken = _claim(db, at)
        for row_id, phone, text, attempts in taken:
            # The session's transaction takes a connection at its first statement, after
            # the gateway has answered: no connection is held while it is waited for.
            with db.session() as session, session.begin():
                try:
                    make_provider(session, settings).send(phone, text)
                except SmsError as exc:
                    log.warning("SMS %s not sent (try %d): %s", row_id, attempts, exc)
                    outcome = {"last_error": str(exc)[:200], **(
                        {"status": "failed", "text": None} if attempts >= MAX_SMS_ATTEMPTS
                        else {"next_attempt_at": at + _retry_delay(attempts)})}
                else:
                    sent += 1
                    outcome = {"status": "sent", "text": None, "sent_at": at, "last_error": None}
                session.execute(update(SmsOutbox).where(SmsOutbox.id == row_id).values(**outcome),
                                execution_options={"synchronize_session": False})
        if len(taken) < _BATCH:
            return sent


def send_soon(db: Database, settings: HttpSmsSettings | None) -> None:
    """Start sending what a commit just queued, without making the caller wait: the
    gateway in a thread of its own. The development store has no network to wait for
    and is written at once, so the code is there as soon as the answer is (developers
    and tests read it from the chat's next step). Failures are left to the sweep."""
    if settings is None:
        _send_logged(db, None)
    else:
        threading.Thread(target=_send_logged, args=(db, settings), name="sms-send", daemon=True).start()


def _send_logged(db: Database, settings: HttpSmsSettings | None) -> None:
    try:
        send_due(db, settings)
    except Exception:  # noqa: BLE001 - what is left stays queued for the next sweep
        log.exception("sending queued SMS failed")


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
