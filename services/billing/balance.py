"""What is owed, computed in SQL from the books each time it is asked.

outstanding(invoice) = sum(lines) − sum(credit notes) − sum(allocations).
Nothing here is stored, so it can never disagree with the documents. The
result is rounded to satang in SQL, which also removes the binary-float dust
SQLite's SUM can leave, so "outstanding > 0" means at least one satang.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from models.accounts import Allocation, CreditNote, Customer, Invoice, InvoiceLine, Money, Payment
from thai.money import to_money

ZERO = Decimal("0.00")


def _summed(model: type[InvoiceLine | CreditNote | Allocation], invoice_id: InstrumentedAttribute[int],
            ) -> ColumnElement[Decimal]:
    return (
        select(func.coalesce(func.sum(model.amount), 0))
        .where(model.invoice_id == invoice_id)
        .correlate_except(model)
        .scalar_subquery()
    )


def invoice_total() -> ColumnElement[Decimal]:
    return func.round(_summed(InvoiceLine, Invoice.id), 2, type_=Money)


def invoice_credited() -> ColumnElement[Decimal]:
    return func.round(_summed(CreditNote, Invoice.id), 2, type_=Money)


def invoice_paid() -> ColumnElement[Decimal]:
    return func.round(_summed(Allocation, Invoice.id), 2, type_=Money)


def invoice_outstanding() -> ColumnElement[Decimal]:
    return func.round(
        _summed(InvoiceLine, Invoice.id) - _summed(CreditNote, Invoice.id) - _summed(Allocation, Invoice.id),
        2, type_=Money,
    )


def outstanding_of_invoice(session: Session, invoice_id: int) -> Decimal:
    """What is still owed on one invoice (0 for a void one)."""
    value = session.scalar(
        select(invoice_outstanding()).where(Invoice.id == invoice_id, Invoice.status == "open")
    )
    return to_money(value) if value is not None else ZERO


def customer_outstanding(session: Session, customer_id: int) -> Decimal:
    """Everything the customer owes across open invoices, in one query."""
    per_invoice = (
        select(invoice_outstanding().label("owed"))
        .where(Invoice.customer_id == customer_id, Invoice.status == "open")
        .subquery()
    )
    return to_money(session.execute(
        select(func.round(func.coalesce(func.sum(per_invoice.c.owed), 0), 2, type_=Money))).scalar_one())


def unallocated_of_payment(session: Session, payment_id: int) -> Decimal:
    """The part of a payment not yet applied to any invoice."""
    allocated = select(func.coalesce(func.sum(Allocation.amount), 0)).where(Allocation.payment_id == Payment.id)
    value = session.scalar(
        select(func.round(Payment.amount - allocated.correlate(Payment).scalar_subquery(), 2, type_=Money))
        .where(Payment.id == payment_id)
    )
    return to_money(value) if value is not None else ZERO


@dataclass(frozen=True)
class InvoiceSummary:
    id: int
    number: str
    period: str
    issued_on: date
    due_date: date
    contract_id: int | None
    total: Decimal
    credited: Decimal
    paid: Decimal
    outstanding: Decimal
    overdue: bool

    @property
    def is_paid(self) -> bool:
        return self.outstanding == ZERO


@dataclass(frozen=True)
class CreditNoteSummary:
    id: int
    number: str
    invoice_id: int
    invoice_number: str
    issued_on: date
    amount: Decimal
    reason: str


@dataclass(frozen=True)
class Statement:
    """What the outstanding screen (S0-4) shows. ``current`` is the latest
    invoice not yet due (paid or not); ``overdue`` the unpaid ones past their
    due date, oldest first; ``credit_notes`` those against either."""

    customer_id: int
    customer_code: str
    customer_name: str
    as_of: date
    outstanding: Decimal
    current: InvoiceSummary | None
    overdue: tuple[InvoiceSummary, ...]
    credit_notes: tuple[CreditNoteSummary, ...]

    @property
    def unpaid(self) -> tuple[InvoiceSummary, ...]:
        """Every invoice that still needs money, oldest due first (what to pay)."""
        items = list(self.overdue)
        if self.current is not None and not self.current.is_paid:
            items.append(self.current)
        return tuple(items)


def invoice_summaries(session: Session, customer_id: int, *, today: date,
                      invoice_ids: list[int] | None = None,
                      issued_between: tuple[date, date] | None = None) -> list[InvoiceSummary]:
    """The customer's open invoices with their amounts, oldest due first, in one query;
    ``issued_between`` (both days included) keeps those of a period a resident asked about."""
    query = select(
        Invoice.id, Invoice.number, Invoice.period, Invoice.issued_on, Invoice.due_date, Invoice.contract_id,
        invoice_total().label("total"), invoice_credited().label("credited"),
        invoice_paid().label("paid"), invoice_outstanding().label("outstanding"),
    ).where(Invoice.customer_id == customer_id, Invoice.status == "open")
    if invoice_ids is not None:
        query = query.where(Invoice.id.in_(invoice_ids))
    if issued_between is not None:
        query = query.where(Invoice.issued_on.between(*issued_between))
    rows = session.execute(query.order_by(Invoice.due_date, Invoice.issued_on, Invoice.id))
    return [
        InvoiceSummary(
            id=r.id, number=r.number, period=r.period, issued_on=r.issued_on, due_date=r.due_date,
            contract_id=r.contract_id, total=to_money(r.total), credited=to_money(r.credited),
            paid=to_money(r.paid), outstanding=to_money(r.outstanding),
            overdue=r.due_date < today and to_money(r.outstanding) > 0,
        )
        for r in rows
    ]


def credit_notes_of(session: Session, invoice_ids: list[int]) -> list[CreditNoteSummary]:
    rows = session.execute(
        select(CreditNote, Invoice.number)
        .join(Invoice, Invoice.id == CreditNote.invoice_id)
        .where(CreditNote.invoice_id.in_(invoice_ids))
        .order_by(CreditNote.issued_on, CreditNote.id)
    )
    return [
        CreditNoteSummary(id=note.id, number=note.number, invoice_id=note.invoice_id, invoice_number=number,
                          issued_on=note.issued_on, amount=to_money(note.amount), reason=note.reason)
        for note, number in rows
    ]


def statement(session: Session, customer_id: int, *, today: date) -> Statement:
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise LookupError(f"no customer {customer_id}")
    invoices = invoice_summaries(session, customer_id, today=today)
    not_due = [i for i in invoices if i.due_date >= today]
    current = max(not_due, key=lambda i: (i.issued_on, i.id)) if not_due else None
    overdue = tuple(i for i in invoices if i.overdue)
    shown = [i.id for i in overdue] + ([current.id] if current else [])
    return Statement(
        customer_id=customer.id, customer_code=customer.code, customer_name=customer.name, as_of=today,
        outstanding=to_money(sum((i.outstanding for i in invoices), ZERO)),
        current=current, overdue=overdue, credit_notes=tuple(credit_notes_of(session, shown)),
    )

