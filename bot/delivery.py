"""Getting an answer to the resident: reply first, push when the reply token
cannot be used, and every message sent recorded in the transcript."""
from __future__ import annotations

import logging
from typing import Any, Callable, Sequence

from sqlalchemy.orm import Session

from bot import metrics
from bot.line_client import MAX_MESSAGES_PER_CALL, LineClient, LineError, ReplyTokenRejected
from models.db import Database
from services import conversations
from services.messaging import outbox

log = logging.getLogger(__name__)


class Delivery:
    def __init__(self, db: Database, client: LineClient) -> None:
        self.db = db
        self.client = client

    def answer(self, user_id: str, messages: Sequence[dict[str, Any]], *, reply_token: str | None,
               event_id: str, finish: Callable[[Session], None] | None = None) -> None:
        """Send the answer to one event. A reply carries five messages; the rest, or
        everything when the token is spent, goes by push with a key tied to the event.
        `finish` runs in the transaction that records the last part of the answer as
        sent or queued, so marking the event done costs no transaction of its own."""
        remaining = list(messages)
        if remaining and reply_token:
            first = remaining[:MAX_MESSAGES_PER_CALL]
            try:
                self.client.reply(reply_token, first)
            except ReplyTokenRejected as exc:
                log.info("reply token for %s not usable (%s); pushing instead", event_id, exc.message)
                metrics.REPLY_FALLBACKS.inc()
            else:
                metrics.MESSAGES_SENT.labels(via="reply").inc(len(first))
                remaining = remaining[MAX_MESSAGES_PER_CALL:]
                with self.db.session() as session, session.begin():
                    conversations.record_outbound(session, user_id, first, via="reply", webhook_event_id=event_id)
                    if finish is not None and not remaining:
                        finish(session)
                if not remaining:
                    return
        if remaining:
            self.push(user_id, remaining, reason="reply_fallback",
                      retry_key=outbox.retry_key_for("answer", event_id), webhook_event_id=event_id, finish=finish)
        elif finish is not None:
            with self.db.session() as session, session.begin():
                finish(session)

    def push(self, user_id: str, messages: Sequence[dict[str, Any]], *, reason: str,
             retry_key: str | None = None, webhook_event_id: str | None = None,
             finish: Callable[[Session], None] | None = None) -> bool:
        """Queue the push, then try it at once; a failure stays queued for the sender.
        `finish` runs in the transaction that queues it."""
        with self.db.session() as session, session.begin():
            row = outbox.enqueue(session, user_id, messages, reason=reason, retry_key=retry_key,
                                 webhook_event_id=webhook_event_id)
            row_id, status, key = row.id, row.status, row.retry_key
            if finish is not None:
                finish(session)
        if status != "pending":
            return status == "sent"
        return self._send(row_id, user_id, list(messages), retry_key=key, webhook_event_id=webhook_event_id)

    def drain(self, *, limit: int = 100) -> int:
        """Send queued pushes that are due (after a failure or a crash)."""
        with self.db.session() as session, session.begin():
            rows = [(r.id, r.line_user_id, r.messages, r.retry_key, r.webhook_event_id)
                    for r in outbox.due(session, limit=limit)]
        return sum(self._send(row_id, user, msgs, retry_key=key, webhook_event_id=event_id)
                   for row_id, user, msgs, key, event_id in rows)

    def _send(self, row_id: int, user_id: str, messages: list[dict[str, Any]], *, retry_key: str,
              webhook_event_id: str | None) -> bool:
        try:
            result = self.client.push(user_id, messages, retry_key)
        except LineError as exc:
            permanent = exc.status is not None and 400 <= exc.status < 500 and exc.status != 429
            metrics.DELIVERY_FAILURES.labels(permanent=str(permanent).lower()).inc()
            log.warning("push to %s failed (%s)", user_id, exc)
            with self.db.session() as session, session.begin():
                outbox.mark_failed(session, row_id, str(exc), permanent=permanent)
            return False
        with self.db.session() as session, session.begin():
            outbox.mark_sent(session, row_id)
            if not result.already_delivered or not conversations.was_sent(session, retry_key):
                conversations.record_outbound(session, user_id, messages, via="push",
                                              webhook_event_id=webhook_event_id, retry_key=retry_key)
        metrics.MESSAGES_SENT.labels(via="push").inc(len(messages))
        return True

