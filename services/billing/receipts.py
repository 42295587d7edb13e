"""Receipts: one per payment, numbered gap-free, and the resident's history."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.accounts import Allocation, Invoice, Payment, Receipt
from models.base import as_utc
from models.locks import lock_rows
from services.numbering import issue_number
from thai.dates import BANGKOK, months_back
from thai.money import to_money

HISTORY_MONTHS = 6


def issue_receipt(session: Session, payment_id: int, *, number_format: str, issued_at: datetime) -> Receipt:
    """The payment's receipt, numbered in the fiscal year of its Bangkok date.
    Asking again returns the same receipt: a payment never gets two."""
    lock_rows(session, Payment, [payment_id])
    existing = session.scalar(select(Receipt).where(Receipt.payment_id == payment_id))
    if existing is not None:
        return existing
    receipt = Receipt(
        number=issue_number(session, "receipt", number_format, issued_at.astimezone(BANGKOK).date()),
        payment_id=payment_id, issued_at=as_utc(issued_at),
    )
    session.add(receipt)
    session.flush()
    return receipt


def set_receipt_pdf(session: Session, receipt_id: int, path: str) -> None:
    receipt = session.get(Receipt, receipt_id)
    if receipt is None:
        raise LookupError(f"no receipt {receipt_id}")
    receipt.pdf_path = path


@dataclass(frozen=True)
class ReceiptLine:
    """What the payment settled: an invoice, or (invoice None) money kept on account."""

    invoice_id: int | None
    invoice_number: str | None
    period: str
    amount: Decimal


@dataclass(frozen=True)
class ReceiptSummary:
    id: int
    number: str
    issued_at: datetime
    customer_id: int
    amount: Decimal
    paid_at: datetime
    method: str
    reference: str | None
    received_by: str | None
    pdf_path: str | None
    lines: tuple[ReceiptLine, ...]


def receipt_lines(session: Session, payment_id: int, amount: Decimal) -> tuple[ReceiptLine, ...]:
    rows = session.execute(
        select(Allocation.invoice_id, Invoice.number, Invoice.period, func.sum(Allocation.amount))
        .join(Invoice, Invoice.id == Allocation.invoice_id)
        .where(Allocation.payment_id == payment_id)
        .group_by(Allocation.invoice_id, Invoice.number, Invoice.period, Invoice.due_date)
        .order_by(Invoice.due_date, Allocation.invoice_id)
    )
    lines = [ReceiptLine(invoice_id=i, invoice_number=n, period=p, amount=to_money(a)) for i, n, p, a in rows]
    on_account = to_money(amount - sum((line.amount for line in lines), Decimal("0")))
    if on_account > 0:
        lines.append(ReceiptLine(invoice_id=None, invoice_number=None, period="", amount=on_account))
    return tuple(lines)


def _summaries(session: Session, *conditions) -> list[ReceiptSummary]:
    rows = session.execute(
        select(Receipt, Payment).join(Payment, Payment.id == Receipt.payment_id)
        .where(*conditions).order_by(Receipt.issued_at.desc(), Receipt.id.desc())
    )
    return [
        ReceiptSummary(
            id=r.id, number=r.number, issued_at=as_utc(r.issued_at), customer_id=p.customer_id,
            amount=to_money(p.amount),
            paid_at=as_utc(p.paid_at), method=p.method, reference=p.reference, received_by=p.received_by,
            pdf_path=r.pdf_path, lines=receipt_lines(session, p.id, to_money(p.amount)),
        )
        for r, p in rows
    ]


def history_start(today: date) -> date:
    """The first day whose receipts residents see in chat (seed 000: six months back)."""
    return months_back(today, HISTORY_MONTHS)


def _bangkok_midnight(day: date) -> datetime:
    return as_utc(datetime.combine(day, time.min, tzinfo=BANGKOK))


def recent_receipts(session: Session, customer_id: int, *, now: datetime,
                    months: int = HISTORY_MONTHS) -> list[ReceiptSummary]:
    """Receipts of the last ``months`` months (S0-6), newest first."""
    since = _bangkok_midnight(months_back(now.astimezone(BANGKOK).date(), months))
    return _summaries(session, Payment.customer_id == customer_id, Receipt.issued_at >= since)


def receipts_between(session: Session, customer_id: int, start: date, end: date) -> list[ReceiptSummary]:
    """Receipts issued from ``start`` to ``end`` (Bangkok days, both included), newest first."""
    return _summaries(session, Payment.customer_id == customer_id,
                      Receipt.issued_at >= _bangkok_midnight(start),
                      Receipt.issued_at < _bangkok_midnight(end + timedelta(days=1)))


def receipt_detail(session: Session, customer_id: int, receipt_id: int) -> ReceiptSummary | None:
    """One receipt of this customer, or None (also when it is someone else's)."""
    found = _summaries(session, Payment.customer_id == customer_id, Receipt.id == receipt_id)
    return found[0] if found else None
