"""LINE users, their conversations and the transcript.

The webhook records an event and its message in one transaction before anything
else happens, so a resident's message survives any later failure, and the unique
event id turns a redelivery or a racing worker into a no-op.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any, Iterable

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from models.base import utcnow
from models.chat import ChatMessage, Conversation, LineUser, WebhookEvent

AUTO = "auto"
MANUAL = "manual"


def _insert(session: Session, model):
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(model)


def record_event(session: Session, event: dict[str, Any]) -> bool:
    """Store a webhook event (and its inbound message); False if it was seen before."""
    source = event.get("source") or {}
    user_id = source.get("userId")
    mode = event.get("mode", "active")
    stmt = (
        _insert(session, WebhookEvent)
        .values(
            webhook_event_id=event["webhookEventId"],
            type=str(event.get("type", "unknown"))[:32],
            line_user_id=user_id,
            timestamp_ms=int(event.get("timestamp") or 0),
            mode=str(mode)[:16],
            is_redelivery=bool((event.get("deliveryContext") or {}).get("isRedelivery")),
            payload=event,
            status="standby" if mode == "standby" else "received",
            received_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["webhook_event_id"])
    )
    if session.execute(stmt).rowcount == 0:
        return False
    if user_id and event.get("type") == "message":
        message = event.get("message") or {}
        session.add(
            ChatMessage(
                line_user_id=user_id,
                direction="in",
                type=str(message.get("type", "unknown"))[:32],
                text=message.get("text"),
                payload=message,
                line_message_id=message.get("id"),
                webhook_event_id=event["webhookEventId"],
            )
        )
        touch_conversation(session, user_id)
    return True


def claim_event(session: Session, webhook_event_id: str) -> dict[str, Any] | None:
    """Take an event for processing; None when another worker has it or it is done."""
    return session.execute(
        update(WebhookEvent)
        .where(WebhookEvent.webhook_event_id == webhook_event_id, WebhookEvent.status == "received")
        .values(status="processing", attempts=WebhookEvent.attempts + 1)
        .returning(WebhookEvent.payload)
    ).scalar_one_or_none()


def finish_event(session: Session, webhook_event_id: str, *, error: str | None = None) -> None:
    session.execute(
        update(WebhookEvent)
        .where(WebhookEvent.webhook_event_id == webhook_event_id)
        .values(status="failed" if error else "done", error=error, processed_at=utcnow())
    )


def unfinished_events(session: Session, *, older_than: timedelta, limit: int = 100) -> list[str]:
    """Events no worker finished: still waiting, or taken by a worker that died
    before it answered (an event with an answer on record is never taken again)."""
    cutoff = utcnow() - older_than
    answered = select(ChatMessage.webhook_event_id).where(
        ChatMessage.direction == "out", ChatMessage.webhook_event_id.is_not(None)
    )
    rows = session.scalars(
        select(WebhookEvent.webhook_event_id)
        .where(
            WebhookEvent.status.in_(("received", "processing")),
            WebhookEvent.received_at < cutoff,
            WebhookEvent.webhook_event_id.not_in(answered),
        )
        .order_by(WebhookEvent.timestamp_ms)
        .limit(limit)
    ).all()
    session.execute(
        update(WebhookEvent)
        .where(WebhookEvent.webhook_event_id.in_(rows), WebhookEvent.status == "processing")
        .values(status="received")
    )
    return list(rows)


def ensure_user(session: Session, line_user_id: str, profile: dict[str, Any] | None = None) -> LineUser:
    session.execute(_insert(session, LineUser)
                    .values(line_user_id=line_user_id, followed_at=utcnow(), created_at=utcnow())
                    .on_conflict_do_nothing(index_elements=["line_user_id"]))
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
    for model, values in ((LineUser, {"line_user_id": line_user_id, "followed_at": utcnow(), "created_at": utcnow()}),
                          (Conversation, {"line_user_id": line_user_id, "mode": AUTO, "status": "done",
                                          "created_at": utcnow()})):
        session.execute(_insert(session, model).values(**values)
                        .on_conflict_do_nothing(index_elements=["line_user_id"]))
    return session.scalar(select(Conversation).where(Conversation.line_user_id == line_user_id))


def touch_conversation(session: Session, line_user_id: str) -> None:
    """On every message: one UPDATE in the common case, the rows made on first sight."""
    stamp = update(Conversation).where(Conversation.line_user_id == line_user_id).values(last_message_at=utcnow())
    if session.execute(stamp).rowcount == 0:
        conversation(session, line_user_id)
        session.execute(stamp)


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
    conv = session.scalar(select(Conversation).where(Conversation.line_user_id == line_user_id))
    return conv is not None and conv.mode == MANUAL


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
    for message in messages:
        session.add(
            ChatMessage(
                line_user_id=line_user_id,
                direction="out",
                type=str(message.get("type", "unknown"))[:32],
                text=message.get("text") or message.get("altText"),
                payload=message,
                webhook_event_id=webhook_event_id,
                via=via,
                retry_key=retry_key,
            )
        )
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

