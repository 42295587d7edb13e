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


CHAT_STATUSES = ("new", "in_progress", "paused", "resolved", "done")


class Conversation(Timestamped, Base):
    """One per LINE user: who answers (the bot or staff), the unit and staff member
    it is with, and how far staff got (services/inbox.py)."""

    __tablename__ = "conversations"
    __table_args__ = (
        CheckConstraint("mode IN ('auto', 'manual')", name="mode"),
        CheckConstraint("status IN ('new', 'in_progress', 'paused', 'resolved', 'done')", name="status"),
        Index("ix_conversations_last_message_at", "last_message_at"),
        Index("ix_conversations_status_unit", "status", "unit"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    line_user_id: Mapped[str] = mapped_column(ForeignKey("line_users.line_user_id"), unique=True)
    mode: Mapped[str] = mapped_column(String(10), default="auto")
    status: Mapped[str] = mapped_column(String(16), default="done")
    unit: Mapped[str | None] = mapped_column(String(100))  # the profile's unit key; None: not sorted yet
    channel: Mapped[str | None] = mapped_column(String(32))  # the intent the resident came about
    topic: Mapped[str | None] = mapped_column(String(200))
    assigned_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    handling_id: Mapped[int | None] = mapped_column(ForeignKey("chat_handlings.id", use_alter=True))
    manual_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_message_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_staff_message_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ChatHandling(Base):
    """One time a chat was with staff: from waiting (or taken) to done. The figures
    per unit and staff member (first response, time to done) and the reports by
    period are read from these rows."""

    __tablename__ = "chat_handlings"
    __table_args__ = (
        CheckConstraint("reason IN ('asked', 'not_understood', 'staff')", name="reason"),
        Index("ix_chat_handlings_opened_at", "opened_at"),
        Index("ix_chat_handlings_user", "line_user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    line_user_id: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(16))  # the resident asked / the bot did not understand / staff took it
    unit: Mapped[str | None] = mapped_column(String(100))
    channel: Mapped[str | None] = mapped_column(String(32))
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    taken_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    taken_by: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    first_response_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    first_response_by: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    status: Mapped[str] = mapped_column(String(16), default="new")  # the chat's status, kept in step


class StaffNote(Base):
    """What staff write about a resident, never shown to the resident: a note, or an
    executive's remark (ความเห็น) or order (ข้อสั่งการ) on the chat."""

    __tablename__ = "staff_notes"
    __table_args__ = (
        CheckConstraint("kind IN ('note', 'remark', 'order', 'forward')", name="kind"),
        Index("ix_staff_notes_user", "line_user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    line_user_id: Mapped[str] = mapped_column(String(64))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"))
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ResidentTag(Base):
    """A label staff give a resident (ผู้สูงอายุ, ร้านค้า ...), to find them again."""

    __tablename__ = "resident_tags"

    line_user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    tag: Mapped[str] = mapped_column(String(40), primary_key=True)


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
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))  # who wrote a staff reply
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
