"""LINE users, their conversations and the transcript.

The webhook records each event (with the message in its payload) before it answers,
so a resident's message survives any later failure, and the unique event id turns a
redelivery or a racing worker into a no-op. The worker that claims the event writes
the message to the transcript in the claiming transaction, before processing it:
the acknowledgement stays one INSERT, and the transcript is written exactly once.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from typing import Any, Iterable

from sqlalchemy import Table, TextClause, and_, bindparam, insert, or_, select, text, update
from sqlalchemy.orm import Session

from models.base import utcnow
from models.chat import ChatMessage, Conversation, LineUser, WebhookEvent

AUTO = "auto"
MANUAL = "manual"

# Every event runs the statements below. They are built once, on the tables rather
# than the ORM classes: SQLAlchemy then neither rebuilds nor re-keys them per call and
# skips the ORM's bookkeeping, which together cost more CPU than the database work.
_events, _messages, _conversations = WebhookEvent.__table__, ChatMessage.__table__, Conversation.__table__
_users = LineUser.__table__
_CLAIM = (
    update(_events)
    .where(_events.c.webhook_event_id == bindparam("event_id"), _events.c.status == "received")
    .values(status="processing", attempts=_events.c.attempts + 1)
    .returning(_events.c.payload, _events.c.attempts)
)
_FINISH = (
    update(_events).where(_events.c.webhook_event_id == bindparam("event_id"))
    .values(status=bindparam("status"), error=bindparam("error"), processed_at=bindparam("at"))
)
_ADD_MESSAGES = insert(_messages)
_STAMP = (update(_conversations).where(_conversations.c.line_user_id == bindparam("user_id"))
          .values(last_message_at=bindparam("at")).returning(_conversations.c.mode))
_MODE = select(_conversations.c.mode).where(_conversations.c.line_user_id == bindparam("user_id"))


def _insert_or_ignore(session: Session, table: Table, key: str, row: dict[str, Any], *,
                      returning: str | None = None) -> Any:
    """INSERT … ON CONFLICT (key) DO NOTHING [RETURNING]. SQLAlchemy 2.0 cannot cache
    its on_conflict constructs and compiles them anew on every call (about half a
    millisecond); the SQL is the same on PostgreSQL and SQLite, so it is written once
    per column set. Python-side column defaults are filled in as SQLAlchemy would."""
    values = {**_defaults(table, row), **row}
    return session.execute(_insert_or_ignore_sql(table, tuple(values), key, returning), values)


@lru_cache(maxsize=64)
def _insert_or_ignore_sql(table: Table, columns: tuple[str, ...], key: str, returning: str | None) -> TextClause:
    sql = (f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)}) "
           f"ON CONFLICT ({key}) DO NOTHING" + (f" RETURNING {returning}" if returning else ""))
    return text(sql).bindparams(*(bindparam(c, type_=table.c[c].type) for c in columns))


def _defaults(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for column in table.c:
        default = column.default
        if column.name in row or default is None:
            continue
        if default.is_scalar:
            out[column.name] = default.arg
        elif default.is_callable:
            out[column.name] = default.arg(None)
    return out


def record_event(session: Session, event: dict[str, Any]) -> bool:
    """Store a webhook event; False if it was seen before."""
    return bool(record_events(session, [event]))


def record_events(session: Session, events: list[dict[str, Any]]) -> set[str]:
    """Store webhook events in one statement; the ids of those not seen before."""
    if not events:
        return set()
    now = utcnow()
    new: set[str] = set()
    for event in events:
        event_id, mode = event["webhookEventId"], event.get("mode", "active")
        if event_id in new:
            continue
        row = {
            "webhook_event_id": event_id,
            "type": str(event.get("type", "unknown"))[:32],
            "line_user_id": (event.get("source") or {}).get("userId"),
            "timestamp_ms": int(event.get("timestamp") or 0),
            "mode": str(mode)[:16],
            "is_redelivery": bool((event.get("deliveryContext") or {}).get("isRedelivery")),
            "payload": event,
            "status": "standby" if mode == "standby" else "received",
            "attempts": 0,
            "received_at": now,
        }
        if _insert_or_ignore(session, _events, "webhook_event_id", row, returning="webhook_event_id").first():
            new.add(event_id)
            if mode == "standby":  # never claimed: the message goes to the transcript now
                _record_inbound(session, event)
    return new


def _record_inbound(session: Session, event: dict[str, Any]) -> str | None:
    """The conversation's mode when a message was recorded, else None."""
    user_id = (event.get("source") or {}).get("userId")
    if not user_id or event.get("type") != "message":
        return None
    message = event.get("message") or {}
    session.execute(_ADD_MESSAGES, {
        "line_user_id": user_id,
        "direction": "in",
        "type": str(message.get("type", "unknown"))[:32],
        "text": message.get("text"),
        "payload": message,
        "line_message_id": message.get("id"),
        "webhook_event_id": event["webhookEventId"],
    })
    return touch_conversation(session, user_id)


@dataclass(frozen=True)
class Claim:
    event: dict[str, Any]
    manual: bool  # staff have the chat


def claim_event(session: Session, webhook_event_id: str) -> Claim | None:
    """Take an event for processing; None when another worker has it or it is done.
    The first claim writes the resident's message to the transcript: committed with
    the claim, before any processing, and once however often the event is retried."""
    claimed = session.execute(_CLAIM, {"event_id": webhook_event_id}).one_or_none()
    if claimed is None:
        return None
    event, attempts = claimed
    mode = _record_inbound(session, event) if attempts == 1 else None
    user_id = (event.get("source") or {}).get("userId")
    if mode is None and user_id:
        mode = session.execute(_MODE, {"user_id": user_id}).scalar()
    return Claim(event, mode == MANUAL)


def finish_event(session: Session, webhook_event_id: str, *, error: str | None = None) -> None:
    session.execute(_FINISH, {"event_id": webhook_event_id, "status": "failed" if error else "done",
                              "error": error, "at": utcnow()})


def unfinished_events(session: Session, *, older_than: timedelta, waiting_for: timedelta | None = None,
                      limit: int = 100) -> list[tuple[str, str | None]]:
    """(event id, user id) of events no worker finished, oldest first: waiting longer
    than `waiting_for` (default `older_than`), or taken more than `older_than` ago by
    a worker that died before it answered (an event with an answer on record is
    never taken again). Those taken are set back to waiting, to be claimed anew."""
    now = utcnow()
    waiting_cutoff = now - (older_than if waiting_for is None else waiting_for)
    answered = select(ChatMessage.id).where(ChatMessage.webhook_event_id == WebhookEvent.webhook_event_id,
                                            ChatMessage.direction == "out")
    rows = session.execute(
        select(WebhookEvent.webhook_event_id, WebhookEvent.line_user_id)
        .where(
            or_(
                and_(WebhookEvent.status == "received", WebhookEvent.received_at < waiting_cutoff),
                and_(WebhookEvent.status == "processing", WebhookEvent.received_at < now - older_than),
            ),
            ~answered.exists(),
        )
        .order_by(WebhookEvent.timestamp_ms)
        .limit(limit)
    ).all()
    session.execute(
        update(WebhookEvent)
        .where(WebhookEvent.webhook_event_id.in_([r[0] for r in rows]), WebhookEvent.status == "processing")
        .values(status="received")
    )
    return [(event_id, user_id) for event_id, user_id in rows]


def ensure_user(session: Session, line_user_id: str, profile: dict[str, Any] | None = None) -> LineUser:
    _insert_or_ignore(session, _users, "line_user_id",
                      {"line_user_id": line_user_id, "followed_at": utcnow(), "created_at": utcnow()})
    user = session.scalar(select(LineUser).where(LineUser.line_user_id == line_user_id))
    if profile:
        user.display_name = (profile.get("displayName") or user.display_name or "")[:200] or None
        user.picture_url = profile.get("pictureUrl") or user.picture_url
        user.language = profile.get("language") or user.language
    return user


def set_following(session: Session, line_user_id: str, following: bool) -> None:
    user = ensure_user(session, line_user_id)
    user.is_following = following
    if following:
        user.followed_at = utcnow()
    else:
        user.unfollowed_at = utcnow()


def consent_of(session: Session, line_user_id: str) -> str | None:
    """The version of the e-notice consent this user gave, or None."""
    return session.scalar(select(LineUser.consent_version).where(LineUser.line_user_id == line_user_id))


def record_consent(session: Session, line_user_id: str, version: str | None) -> None:
    """None withdraws consent for electronic notices."""
    user = ensure_user(session, line_user_id)
    user.consent_version = version
    user.consent_at = utcnow()


def conversation(session: Session, line_user_id: str) -> Conversation:
    """The user's conversation, made on first sight. Two first messages of a new
    user can arrive at once, so the rows are made with insert-or-ignore."""
    for table, values in ((_users, {"line_user_id": line_user_id, "followed_at": utcnow(), "created_at": utcnow()}),
                          (_conversations, {"line_user_id": line_user_id, "mode": AUTO, "status": "done",
                                            "created_at": utcnow()})):
        _insert_or_ignore(session, table, "line_user_id", values)
    return session.scalar(select(Conversation).where(Conversation.line_user_id == line_user_id))


def touch_conversation(session: Session, line_user_id: str) -> str:
    """On every message: one UPDATE in the common case, the rows made on first sight.
    Returns the conversation's mode."""
    stamp = {"user_id": line_user_id, "at": utcnow()}
    mode = session.execute(_STAMP, stamp).scalar()
    if mode is None:
        conversation(session, line_user_id)
        mode = session.execute(_STAMP, stamp).scalar_one()
    return mode


def switch_to_manual(session: Session, line_user_id: str, *, topic: str | None = None) -> Conversation:
    conv = conversation(session, line_user_id)
    if conv.mode != MANUAL:
        conv.mode = MANUAL
        conv.status = "new"
        conv.manual_since = utcnow()
    if topic:
        conv.topic = topic[:200]
    return conv


def switch_to_auto(session: Session, line_user_id: str) -> Conversation:
    conv = conversation(session, line_user_id)
    conv.mode = AUTO
    conv.status = "done"
    conv.manual_since = None
    return conv


def is_manual(session: Session, line_user_id: str) -> bool:
    """Manual chats left idle return to the bot, so nobody waits forever."""
    return session.execute(_MODE, {"user_id": line_user_id}).scalar() == MANUAL


def release_idle_manual(session: Session, *, idle_for: timedelta) -> list[str]:
    cutoff = utcnow() - idle_for
    convs = session.scalars(
        select(Conversation).where(Conversation.mode == MANUAL, Conversation.last_message_at < cutoff)
    ).all()
    for conv in convs:
        switch_to_auto(session, conv.line_user_id)
    return [c.line_user_id for c in convs]


def record_outbound(
    session: Session,
    line_user_id: str,
    messages: Iterable[dict[str, Any]],
    *,
    via: str,
    webhook_event_id: str | None = None,
    retry_key: str | None = None,
) -> None:
    rows = [
        {
            "line_user_id": line_user_id,
            "direction": "out",
            "type": str(message.get("type", "unknown"))[:32],
            "text": message.get("text") or message.get("altText"),
            "payload": message,
            "webhook_event_id": webhook_event_id,
            "via": via,
            "retry_key": retry_key,
        }
        for message in messages
    ]
    if rows:
        session.execute(_ADD_MESSAGES, rows if len(rows) > 1 else rows[0])
    touch_conversation(session, line_user_id)


def was_sent(session: Session, retry_key: str) -> bool:
    """Whether a push with this retry key is already in the transcript."""
    return session.scalar(
        select(ChatMessage.id).where(ChatMessage.retry_key == retry_key).limit(1)
    ) is not None


def unsend(session: Session, line_message_id: str) -> None:
    """The resident took the message back: keep the row, drop the content (PDPA)."""
    session.execute(
        update(ChatMessage)
        .where(ChatMessage.line_message_id == line_message_id)
        .values(text=None, payload={"unsent": True}, unsent=True)
    )


def transcript(session: Session, line_user_id: str, *, limit: int = 50) -> list[ChatMessage]:
    rows = session.scalars(
        select(ChatMessage)
        .where(ChatMessage.line_user_id == line_user_id)
        .order_by(ChatMessage.created_at.desc(), ChatMessage.id.desc())
        .limit(limit)
    ).all()
    return list(reversed(rows))

