"""One-time passwords, the SMS outbox and the development SMS store.

Every registration attempt leaves an OTP challenge row, even when the customer
code or phone does not match (then no code exists and no SMS is sent). The
rows are what the rate limits count, so limits hold without Redis.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class OtpChallenge(Base):
    __tablename__ = "otp_challenges"
    __table_args__ = (
        CheckConstraint("purpose IN ('register')", name="purpose"),
        CheckConstraint("attempts >= 0 AND attempts <= max_attempts", name="attempts_in_range"),
        CheckConstraint("(code_hash IS NULL) = (customer_id IS NULL)", name="code_only_for_a_customer"),
        Index("ix_otp_challenges_phone_created", "phone", "created_at"),
        Index("ix_otp_challenges_user_created", "line_user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(String(16))
    line_user_id: Mapped[str] = mapped_column(String(64))
    customer_code: Mapped[str] = mapped_column(String(20))  # as typed, normalised
    phone: Mapped[str] = mapped_column(String(16))  # as typed, normalised
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    code_hash: Mapped[str | None] = mapped_column(String(64))  # HMAC-SHA256(secret, salt + code), hex
    salt: Mapped[str] = mapped_column(String(32))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=5)
    locked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    consumed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SmsMessage(Base):
    """A text the development SMS provider 'sent' (read with ``smartservice sms list``)."""

    __tablename__ = "sms_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(16), index=True)
    text: Mapped[str] = mapped_column(Text)
    sender: Mapped[str] = mapped_column(String(32))
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SmsOutbox(Base):
    """An SMS to send, written in the transaction that decided to send it and sent
    after the commit (services/identity/sms.py): the answer never waits for the
    gateway, and a crash between the two loses nothing. The text holds a one-time
    code in clear, so it is erased once the message is sent or given up."""

    __tablename__ = "sms_outbox"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'sent', 'failed')", name="status"),
        Index("ix_sms_outbox_status_next", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(16))
    text: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # A sender takes a message by moving this ahead (its lease); a sender that dies
    # before recording the outcome leaves it due again when the lease runs out.
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # no use sending it after
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
