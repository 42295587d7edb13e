"""Customers, their contracts and the money between them and the organisation.

Amounts are NUMERIC(12, 2). No balance is stored anywhere: what a customer owes
is always computed from invoice lines, credit notes and allocations
(services/billing/balance.py), so there is nothing that can drift.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, Timestamped, utcnow

Money = Numeric(12, 2)

CUSTOMER_TYPES = ("tenant", "water_user", "member", "household")
CONTRACT_KINDS = ("lease", "water", "membership", "garbage")
PAYMENT_METHODS = ("cash", "transfer", "qr", "bank_report")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Customer(Timestamped, Base):
    """A tenant, water user, member or fee-paying household, known by its code
    (T0001, W00001, M00001, G000001 — the profile's customer_code_pattern)."""

    __tablename__ = "customers"
    __table_args__ = (CheckConstraint(_one_of("type", CUSTOMER_TYPES), name="type"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(Text, default="")
    village: Mapped[str | None] = mapped_column(String(100))  # หมู่ (ม.)
    tax_id: Mapped[str | None] = mapped_column(String(13))


class CustomerPhone(Base):
    """A phone number on file; an OTP is only ever sent to one of these."""

    __tablename__ = "customer_phones"
    __table_args__ = (
        UniqueConstraint("customer_id", "phone"),
        CheckConstraint("length(phone) IN (9, 10) AND substr(phone, 1, 1) = '0'", name="thai_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    phone: Mapped[str] = mapped_column(String(10), index=True)
    label: Mapped[str | None] = mapped_column(String(50))


class Contract(Timestamped, Base):
    """A lease of a shop or stall, a water connection, a membership or a
    garbage-collection service. Kind-specific fields are nullable; the checks
    make each kind carry what it needs."""

    __tablename__ = "contracts"
    __table_args__ = (
        CheckConstraint(_one_of("kind", CONTRACT_KINDS), name="kind"),
        CheckConstraint("kind <> 'lease' OR (unit_no IS NOT NULL AND monthly_rent IS NOT NULL)", name="lease_fields"),
        CheckConstraint("kind <> 'water' OR meter_number IS NOT NULL", name="water_fields"),
        CheckConstraint("monthly_rent IS NULL OR monthly_rent >= 0", name="rent_not_negative"),
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="period_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    centre: Mapped[str | None] = mapped_column(String(200))
    unit_no: Mapped[str | None] = mapped_column(String(40))  # shop / stall number
    area_sqm: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    monthly_rent: Mapped[Decimal | None] = mapped_column(Money)
    meter_number: Mapped[str | None] = mapped_column(String(40), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")


class Invoice(Timestamped, Base):
    """A bill. Its total is the sum of its lines, computed when read."""

    __tablename__ = "invoices"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'void')", name="status"),
        CheckConstraint("due_date >= issued_on", name="due_after_issue"),
        Index("ix_invoices_customer_due", "customer_id", "due_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contracts.id"), index=True)
    issued_on: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    period: Mapped[str] = mapped_column(String(60), default="")  # e.g. "พฤศจิกายน 2569"
    status: Mapped[str] = mapped_column(String(8), default="open")
    voided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    void_reason: Mapped[str | None] = mapped_column(Text)


class InvoiceLine(Base):
    __tablename__ = "invoice_lines"
    __table_args__ = (
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        CheckConstraint("unit_price >= 0", name="unit_price_not_negative"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        UniqueConstraint("invoice_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(String(300))
    quantity: Mapped[Decimal] = mapped_column(Numeric(12, 3), default=Decimal("1"))
    unit: Mapped[str] = mapped_column(String(30), default="")
    unit_price: Mapped[Decimal] = mapped_column(Money)
    amount: Mapped[Decimal] = mapped_column(Money)


class CreditNote(Timestamped, Base):
    """Reduces what is owed on one invoice (ใบลดหนี้)."""

    __tablename__ = "credit_notes"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    reason: Mapped[str] = mapped_column(Text)
    issued_on: Mapped[date] = mapped_column(Date)


class Payment(Timestamped, Base):
    """Money received. The bank's transaction reference, when there is one, is
    unique, so the same transfer can never be recorded twice."""

    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint(_one_of("method", PAYMENT_METHODS), name="method"),
        Index("ix_payments_customer_paid", "customer_id", "paid_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    amount: Mapped[Decimal] = mapped_column(Money)
    paid_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    method: Mapped[str] = mapped_column(String(16))
    reference: Mapped[str | None] = mapped_column(String(64), unique=True)
    received_by: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str] = mapped_column(Text, default="")


class Allocation(Base):
    """The part of a payment that settles one invoice."""

    __tablename__ = "allocations"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"), index=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Receipt(Base):
    """One receipt per payment, numbered gap-free per fiscal year."""

    __tablename__ = "receipts"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"), unique=True)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    pdf_path: Mapped[str | None] = mapped_column(String(500))


class AccountLink(Base):
    """A LINE user's access to a customer's account. A LINE user may hold several
    (a shop owner with two stalls); the active one is what the menus show. The
    partial unique index lets at most one link per LINE user be active."""

    __tablename__ = "account_links"
    __table_args__ = (
        UniqueConstraint("line_user_id", "customer_id"),
        Index(
            "uq_account_links_one_active", "line_user_id", unique=True,
            postgresql_where=text("active"), sqlite_where=text("active"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    line_user_id: Mapped[str] = mapped_column(ForeignKey("line_users.line_user_id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    active: Mapped[bool] = mapped_column(default=False)
    linked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
