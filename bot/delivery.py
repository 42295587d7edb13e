"""Getting messages to a resident: a reply while its token is good, else a push
through the outbox (queued before it is sent, so nothing is lost or sent twice).
A push is written to the transcript once sent; a reply with its event's end
(bot/dispatch.py)."""
from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any

from bot import metrics
from bot.line_client import MAX_MESSAGES_PER_CALL, LineClient, LineError, ReplyTokenRejected
from models.db import Database
from services import conversations
from services.identity.sms import HttpSmsSettings, send_due
from services.messaging import outbox
from services.messaging.outbox import Push

log = logging.getLogger(__name__)

# LINE's reply tokens live about a minute (the emulator: REPLY_TOKEN_TTL, 60 s). A
# token refused younger than this was used, not expired; the margin covers the time
# between LINE issuing it and our recording the event.
TOKEN_SURELY_VALID_SECONDS = 40.0


class Delivery:
    def __init__(self, db: Database, client: LineClient) -> None:
        self.db = db
        self.client = client

    def reply(self, reply_token: str | None, messages: Sequence[dict[str, Any]], *, event_id: str,
              resend: bool = False, token_age: float = 0.0) -> list[dict[str, Any]]:
        """Send what one reply carries (five messages); returns what went. Nothing goes
        without a token, when LINE refuses it, or when LINE keeps failing: the caller
        queues the rest as a push, with the event's retry key.

        A token is used once. Refused after a try of ours that got no answer, or when
        this answer is sent again after a crash (`resend`), it was that earlier try
        that used it, as long as the token is too young to have expired."""
        if not messages or not reply_token:
            return []
        first = list(messages[:MAX_MESSAGES_PER_CALL])
        try:
            self.client.reply(reply_token, first)
        except ReplyTokenRejected as exc:
            if (exc.unconfirmed or resend) and token_age < TOKEN_SURELY_VALID_SECONDS:
                log.info("reply token for %s already used by an earlier try of ours", event_id)
                return first
            log.info("reply token for %s not usable (%s); pushing instead", event_id, exc.message)
            metrics.REPLY_FALLBACKS.inc()
            return []
        except LineError as exc:
            log.warning("reply for %s failed (%s); pushing instead", event_id, exc)
            metrics.REPLY_FALLBACKS.inc()
            return []
        metrics.MESSAGES_SENT.labels(via="reply").inc(len(first))
        return first

    def push(self, user_id: str, messages: Sequence[dict[str, Any]], *, reason: str,
             retry_key: str | None = None, webhook_event_id: str | None = None) -> bool:
        """Queue the push, then try it at once; a failure stays queued for the sender."""
        with self.db.transaction() as connection:
            push = outbox.enqueue(connection, user_id, messages, reason=reason, retry_key=retry_key,
                                  webhook_event_id=webhook_event_id)
        return self.send(push)

    def drain(self, *, limit: int = 100) -> int:
        """Send queued pushes that are due (after a failure or a crash)."""
        with self.db.session() as session, session.begin():
            due = outbox.due(session, limit=limit)
        return sum(self.send(push) for push in due)

    def send(self, push: Push) -> bool:
        """Send a queued push (outbox.enqueue, in a transaction that has committed);
        True once LINE has it, also when it was sent before."""
        if push.status != "pending":
            return push.status == "sent"
        user_id, messages, retry_key = push.line_user_id, push.messages, push.retry_key
        try:
            result = self.client.push(user_id, messages, retry_key)
        except LineError as exc:
            permanent = exc.status is not None and 400 <= exc.status < 500 and exc.status != 429
            metrics.DELIVERY_FAILURES.labels(permanent=str(permanent).lower()).inc()
            log.warning("push to %s failed (%s)", user_id, exc)
            with self.db.session() as session, session.begin():
                outbox.mark_failed(session, push.id, str(exc), permanent=permanent)
            return False
        with self.db.session() as session, session.begin():
            outbox.mark_sent(session, push.id)
            if not result.already_delivered or not conversations.was_sent(session, retry_key):
                conversations.record_outbound(session, user_id, messages, via="push",
                                              webhook_event_id=push.webhook_event_id, retry_key=retry_key)
        metrics.MESSAGES_SENT.labels(via="push").inc(len(messages))
        return True


class OutboxSender:
    """Sends what a commit has just put in the outboxes (pushes, SMS), in a thread
    of its own so that the caller never waits for LINE or the SMS gateway. Wakes
    that arrive while it sends are folded into one more round; what fails stays
    queued for the job process (services.container.Sender)."""

    def __init__(self, delivery: Delivery, sms: HttpSmsSettings | None) -> None:
        self.delivery = delivery
        self.sms = sms
        self._changed = threading.Condition()
        self._asked = 0  # wakes so far
        self._done = 0  # wakes whose round has ended
        self._thread: threading.Thread | None = None

    def wake(self) -> None:
        with self._changed:
            self._asked += 1
            self._changed.notify_all()
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="outbox", daemon=True)
                self._thread.start()

    def wait_idle(self, timeout: float) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: self._done >= self._asked, timeout)

    def _run(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._asked > self._done)
                asked = self._asked
            try:
                self.delivery.drain()
                send_due(self.delivery.db, self.sms)
            except Exception:  # noqa: BLE001 - what is left stays queued for the job process
                log.exception("sending the outbox failed")
            finally:
                with self._changed:
                    self._done = asked
                    self._changed.notify_all()
