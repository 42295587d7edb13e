"""Transfer slips residents send, waiting for finance to approve or reject them.

The database keeps the queue honest: the same transfer (its bank transaction
reference) and the same picture can each be live — pending or approved — on
one slip only, so a slip cannot be queued or paid twice even when two
submissions race.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from models.accounts import Money, _one_of
from models.base import Base, Timestamped

SLIP_SOURCES = ("chat", "web")
SLIP_STATUSES = ("pending", "approved", "rejected")

_LIVE = text("status <> 'rejected'")


class Slip(Timestamped, Base):
    __tablename__ = "slips"
    __table_args__ = (
        CheckConstraint(_one_of("source", SLIP_SOURCES), name="source"),
        CheckConstraint(_one_of("status", SLIP_STATUSES), name="status"),
        CheckConstraint("declared_amount IS NULL OR declared_amount > 0", name="declared_amount_positive"),
        CheckConstraint("status <> 'approved' OR payment_id IS NOT NULL", name="approved_has_payment"),
        CheckConstraint("status <> 'rejected' OR reject_reason IS NOT NULL", name="rejected_has_reason"),
        CheckConstraint("(status = 'pending') = (reviewed_at IS NULL)", name="reviewed_when_decided"),
        Index("uq_slips_live_trans_ref", "qr_trans_ref", unique=True,
              postgresql_where=_LIVE, sqlite_where=_LIVE),
        Index("uq_slips_live_image", "image_sha256", unique=True, postgresql_where=_LIVE, sqlite_where=_LIVE),
        Index("ix_slips_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    line_user_id: Mapped[str | None] = mapped_column(ForeignKey("line_users.line_user_id"))
    source: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(10), default="pending")
    image_path: Mapped[str] = mapped_column(String(500))  # relative to the slip store
    image_sha256: Mapped[str] = mapped_column(String(64), index=True)
    content_type: Mapped[str] = mapped_column(String(40))
    declared_amount: Mapped[Decimal | None] = mapped_column(Money)
    declared_paid_on: Mapped[date | None] = mapped_column(Date)
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"))  # what the resident said it pays
    qr_payload: Mapped[str | None] = mapped_column(String(512))
    qr_bank: Mapped[str | None] = mapped_column(String(3))
    qr_trans_ref: Mapped[str | None] = mapped_column(String(64))
    qr_error: Mapped[str | None] = mapped_column(Text)  # services.payments.slip_reader ReadStatus when unread
    # What OCR read from the slip's printed text (services.payments.slip_text): suggestions, never proof.
    text_amount: Mapped[Decimal | None] = mapped_column(Money)
    text_paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    text_sender: Mapped[str | None] = mapped_column(String(200))
    text_receiver: Mapped[str | None] = mapped_column(String(200))
    text_account: Mapped[str | None] = mapped_column(String(40))  # masked as printed
    text_bank: Mapped[str | None] = mapped_column(String(3))
    reviewed_by: Mapped[str | None] = mapped_column(String(200))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reject_reason: Mapped[str | None] = mapped_column(Text)
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"), unique=True)
