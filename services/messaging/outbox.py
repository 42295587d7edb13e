"""The outbox: every push is a row before it is sent.

The retry key is chosen when the row is written, so whoever sends it — the
worker right away, or the sender loop after a crash — sends the same key and
LINE delivers it once.
"""
from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any, Sequence

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models.base import utcnow
from models.chat import OutboxMessage

MAX_ATTEMPTS = 8


def retry_key_for(*parts: str) -> str:
    """A stable key for one logical delivery (e.g. the push that answers one event)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "smartservice:" + ":".join(parts)))


def enqueue(
    session: Session,
    line_user_id: str,
    messages: Sequence[dict[str, Any]],
    *,
    reason: str,
    retry_key: str | None = None,
    webhook_event_id: str | None = None,
) -> OutboxMessage:
    """Queue a push; with a retry key already queued, return that row instead."""
    key = retry_key or str(uuid.uuid4())
    existing = session.scalar(select(OutboxMessage).where(OutboxMessage.retry_key == key))
    if existing is not None:
        return existing
    row = OutboxMessage(
        line_user_id=line_user_id,
        messages=list(messages),
        retry_key=key,
        reason=reason,
        webhook_event_id=webhook_event_id,
    )
    session.add(row)
    session.flush()
    return row


def due(session: Session, *, limit: int = 100) -> list[OutboxMessage]:
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= utcnow())
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        # Two senders never take the same row.
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query).all())


def mark_sent(session: Session, outbox_id: int) -> None:
    session.execute(
        update(OutboxMessage).where(OutboxMessage.id == outbox_id)
        .values(status="sent", sent_at=utcnow(), attempts=OutboxMessage.attempts + 1, last_error=None)
    )


def mark_failed(session: Session, outbox_id: int, error: str, *, permanent: bool) -> None:
    row = session.get(OutboxMessage, outbox_id)
    if row is None:
        return
    row.attempts += 1
    row.last_error = error[:1000]
    if permanent or row.attempts >= MAX_ATTEMPTS:
        row.status = "failed"
    else:
        row.next_attempt_at = utcnow() + timedelta(seconds=min(3600, 15 * 2**row.attempts))
