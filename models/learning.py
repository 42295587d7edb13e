"""Messages the bot did not understand or that residents corrected, kept for staff
to label with the right intent (services/learning.py, docs/nlu.md)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.accounts import _one_of
from models.base import Base, Timestamped

MISS_REASONS = ("not_understood", "not_sure", "clarify", "corrected", "asked_for_staff")


class MissedMessage(Timestamped, Base):
    """One resident text the bot answered badly. The event id is unique: a webhook
    event LINE delivers again is recorded once."""

    __tablename__ = "missed_messages"
    __table_args__ = (
        CheckConstraint(_one_of("reason", MISS_REASONS), name="reason"),
        Index("ix_missed_messages_created_at", "created_at"),
        Index("ix_missed_messages_label_created", "label", "created_at"),
        Index("ix_missed_messages_user", "line_user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64), unique=True)
    line_user_id: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    guess: Mapped[str | None] = mapped_column(String(64))  # the intent the NLU ranked first
    confidence: Mapped[float | None] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(String(16))
    resident_choice: Mapped[str | None] = mapped_column(String(64))  # the quick reply tapped afterwards
    label: Mapped[str | None] = mapped_column(String(64))  # the intent staff chose
    labelled_by: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    labelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
