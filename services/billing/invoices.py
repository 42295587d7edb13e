"""Issuing, voiding and reading invoices."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.accounts import Allocation, Contract, Customer, Invoice, InvoiceLine, Payment, Receipt
from models.base import as_utc
from models.locks import lock_rows
from services.billing.balance import CreditNoteSummary, InvoiceSummary, credit_notes_of, invoice_summaries
from services.billing.errors import BillingError
from services.numbering import issue_number
from thai.money import to_money


@dataclass(frozen=True)
class Line:
    description: str
    unit_price: Decimal | int | str
    quantity: Decimal | int | str = 1
    unit: str = ""

    @property
    def amount(self) -> Decimal:
        return to_money(Decimal(self.quantity) * to_money(self.unit_price, exact=True))


def issue_invoice(session: Session, customer: Customer, *, number_format: str, lines: Sequence[Line],
                  issued_on: date, due_date: date, period: str = "", contract: Contract | None = None) -> Invoice:
    """A new invoice numbered in the fiscal year of ``issued_on``."""
    if not lines:
        raise BillingError("ใบแจ้งหนี้ต้องมีรายการอย่างน้อยหนึ่งรายการ")
    if due_date < issued_on:
        raise BillingError("วันครบกำหนดชำระต้องไม่ก่อนวันที่ออกใบแจ้งหนี้")
    if contract is not None and contract.customer_id != customer.id:
        raise BillingError("สัญญานี้ไม่ใช่ของลูกค้ารายนี้")
    invoice = Invoice(
        number=issue_number(session, "invoice", number_format, issued_on), customer_id=customer.id,
        contract_id=contract.id if contract else None, issued_on=issued_on, due_date=due_date, period=period,
    )
    session.add(invoice)
    session.flush()
    for position, line in enumerate(lines, start=1):
        if Decimal(line.quantity) <= 0:
            raise BillingError(f"จำนวนต้องมากกว่าศูนย์: {line.description}")
        session.add(InvoiceLine(
            invoice_id=invoice.id, position=position, description=line.description,
            quantity=Decimal(line.quantity), unit=line.unit, unit_price=to_money(line.unit_price, exact=True),
            amount=line.amount,
        ))
    session.flush()
    return invoice


def void_invoice(session: Session, invoice_id: int, *, reason: str, now: datetime) -> None:
    """Cancel an invoice nobody has paid anything on (a paid one needs a credit note)."""
    lock_rows(session, Invoice, [invoice_id])
    invoice = session.get(Invoice, invoice_id)
    if invoice is None:
        raise BillingError("ไม่พบใบแจ้งหนี้")
    if session.scalar(select(Allocation.id).where(Allocation.invoice_id == invoice_id).limit(1)) is not None:
        raise BillingError(f"ใบแจ้งหนี้ {invoice.number} มีการชำระเงินแล้ว ยกเลิกไม่ได้ กรุณาออกใบลดหนี้แทน")
    invoice.status = "void"
    invoice.voided_at = as_utc(now)
    invoice.void_reason = reason


@dataclass(frozen=True)
class LineInfo:
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    amount: Decimal


@dataclass(frozen=True)
class PaymentOnInvoice:
    paid_at: datetime
    amount: Decimal
    method: str
    receipt_number: str | None


@dataclass(frozen=True)
class InvoiceDetail:
    summary: InvoiceSummary
    lines: tuple[LineInfo, ...]
    credit_notes: tuple[CreditNoteSummary, ...]
    payments: tuple[PaymentOnInvoice, ...]


def invoice_detail(session: Session, customer_id: int, invoice_id: int, *, today: date) -> InvoiceDetail | None:
    """One invoice of this customer, or None — also when the invoice exists but
    belongs to someone else, so a replayed postback shows nothing."""
    found = invoice_summaries(session, customer_id, today=today, invoice_ids=[invoice_id])
    if not found:
        return None
    lines = session.scalars(
        select(InvoiceLine).where(InvoiceLine.invoice_id == invoice_id).order_by(InvoiceLine.position))
    payments = session.execute(
        select(Payment.paid_at, Allocation.amount, Payment.method, Receipt.number)
        .join(Payment, Payment.id == Allocation.payment_id)
        .outerjoin(Receipt, Receipt.payment_id == Payment.id)
        .where(Allocation.invoice_id == invoice_id)
        .order_by(Payment.paid_at, Allocation.id)
    )
    return InvoiceDetail(
        summary=found[0],
        lines=tuple(LineInfo(description=line.description, quantity=line.quantity, unit=line.unit,
                             unit_price=to_money(line.unit_price), amount=to_money(line.amount)) for line in lines),
        credit_notes=tuple(credit_notes_of(session, [invoice_id])),
        payments=tuple(PaymentOnInvoice(paid_at=as_utc(p), amount=to_money(a), method=m, receipt_number=r)
                       for p, a, m, r in payments),
    )
