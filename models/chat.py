"""LINE users, their conversations, the transcript, webhook events and the outbox."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, Timestamped, utcnow


class LineUser(Timestamped, Base):
    __tablename__ = "line_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    line_user_id: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(200))
    picture_url: Mapped[str | None] = mapped_column(String(1000))
    language: Mapped[str | None] = mapped_column(String(16))
    is_following: Mapped[bool] = mapped_column(default=True)
    followed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    unfollowed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    consent_version: Mapped[str | None] = mapped_column(String(32))
    consent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Conversation(Timestamped, Base):
    """One per LINE user: who answers (the bot or staff) and how far staff got."""

    __tablename__ = "conversations"
    __table_args__ = (
        CheckConstraint("mode IN ('auto', 'manual')", name="mode"),
        CheckConstraint("status IN ('new', 'in_progress', 'done')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    line_user_id: Mapped[str] = mapped_column(ForeignKey("line_users.line_user_id"), unique=True)
    mode: Mapped[str] = mapped_column(String(10), default="auto")
    status: Mapped[str] = mapped_column(String(16), default="done")
    unit: Mapped[str | None] = mapped_column(String(100))
    topic: Mapped[str | None] = mapped_column(String(200))
    manual_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_message_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ChatMessage(Base):
    """Every message in or out, in LINE's own JSON, with the ids LINE gave it."""

    __tablename__ = "messages"
    __table_args__ = (
        CheckConstraint("direction IN ('in', 'out')", name="direction"),
        Index("ix_messages_user_time", "line_user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    line_user_id: Mapped[str] = mapped_column(String(64))
    direction: Mapped[str] = mapped_column(String(3))
    type: Mapped[str] = mapped_column(String(32))
    text: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    line_message_id: Mapped[str | None] = mapped_column(String(64), index=True)
    webhook_event_id: Mapped[str | None] = mapped_column(String(64), index=True)
    via: Mapped[str | None] = mapped_column(String(16))  # reply / push / staff
    retry_key: Mapped[str | None] = mapped_column(String(64), index=True)
    unsent: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class WebhookEvent(Base):
    """A received event. The unique id makes redeliveries and racing workers no-ops;
    the status lets a sweeper finish events a crashed worker left behind."""

    __tablename__ = "webhook_events"
    __table_args__ = (
        CheckConstraint("status IN ('received', 'processing', 'done', 'failed', 'dead', 'rejected', 'standby')",
                        name="status"),
        Index("ix_webhook_events_status_received", "status", "received_at"),
        Index("ix_webhook_events_status_lease", "status", "lease_until"),
        Index("ix_webhook_events_user_status", "line_user_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_event_id: Mapped[str] = mapped_column(String(64), unique=True)
    type: Mapped[str] = mapped_column(String(32))
    line_user_id: Mapped[str | None] = mapped_column(String(64))
    timestamp_ms: Mapped[int] = mapped_column(BigInteger)
    mode: Mapped[str] = mapped_column(String(16), default="active")
    is_redelivery: Mapped[bool] = mapped_column(default=False)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="received")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    # Who works on it now, until when (renewed while that process lives).
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The answer, recorded before it is sent, and the retry key a push of it carries.
    answer: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    retry_key: Mapped[str | None] = mapped_column(String(36))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class OutboxMessage(Timestamped, Base):
    """A push waiting to be delivered. The retry key is fixed when the row is made,
    so resending after a crash or a timeout can never deliver twice."""

    __tablename__ = "outbox"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'sent', 'failed')", name="status"),
        Index("ix_outbox_status_next", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    line_user_id: Mapped[str] = mapped_column(String(64))
    messages: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    retry_key: Mapped[str] = mapped_column(String(36), unique=True)
    reason: Mapped[str] = mapped_column(String(32))  # reply_fallback / staff / notification ...
    webhook_event_id: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class DialogStateRow(Base):
    """The database copy of a user's dialog state (Redis holds the hot copy)."""

    __tablename__ = "dialog_states"

    line_user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
