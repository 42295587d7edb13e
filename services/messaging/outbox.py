"""The outbox: every push is a row before it is sent.

The retry key is chosen when the row is written, so whoever sends it — the
worker right away, or the sender loop after a crash — sends the same key and
LINE delivers it once.
"""
from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from models.base import utcnow
from models.chat import OutboxMessage
from models.db import Executor
from models.inserts import insert_or_ignore

_outbox = OutboxMessage.__table__

MAX_ATTEMPTS = 8


def retry_key_for(*parts: str) -> str:
    """A stable key for one logical delivery (e.g. the push that answers one event)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "smartservice:" + ":".join(parts)))


@dataclass(frozen=True)
class Push:
    """A push in the outbox: to whom, what, with which key, and how far it got."""

    id: int
    line_user_id: str
    messages: list[dict[str, Any]]
    retry_key: str
    status: str
    webhook_event_id: str | None = None


def enqueue(
    executor: Executor,
    line_user_id: str,
    messages: Sequence[dict[str, Any]],
    *,
    reason: str,
    retry_key: str | None = None,
    webhook_event_id: str | None = None,
) -> Push:
    """Queue a push; with a retry key already queued, that push instead (two
    transactions queueing one key at once: the second waits and finds the first's)."""
    key = retry_key or str(uuid.uuid4())
    messages = list(messages)
    made = insert_or_ignore(executor, _outbox, "retry_key", [{
        "line_user_id": line_user_id, "messages": messages, "retry_key": key, "reason": reason,
        "webhook_event_id": webhook_event_id,
    }], returning="id")
    if made:
        return Push(made[0], line_user_id, messages, key, "pending", webhook_event_id)
    row = executor.execute(select(_outbox).where(_outbox.c.retry_key == key)).one()
    return _push(row)


def due(session: Session, *, limit: int = 100) -> list[Push]:
    query = (
        select(_outbox)
        .where(_outbox.c.status == "pending", _outbox.c.next_attempt_at <= utcnow())
        .order_by(_outbox.c.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        # Two senders never take the same row.
        query = query.with_for_update(skip_locked=True)
    return [_push(row) for row in session.execute(query)]


def _push(row: Any) -> Push:
    return Push(row.id, row.line_user_id, row.messages, row.retry_key, row.status, row.webhook_event_id)


def count_sent(session: Session, retry_keys: Sequence[str]) -> int:
    """How many of these pushes LINE has taken."""
    return session.scalar(select(func.count()).select_from(_outbox).where(
        _outbox.c.retry_key.in_(list(retry_keys)), _outbox.c.status == "sent")) or 0


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
