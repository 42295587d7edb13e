"""Credit notes: a reduction of what is owed on one invoice."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.accounts import CreditNote, Invoice
from models.locks import lock_rows
from services.billing.balance import CreditNoteSummary, credit_notes_of, outstanding_of_invoice
from services.billing.errors import BillingError
from services.numbering import issue_number
from thai.money import format_baht, to_money


def issue_credit_note(session: Session, invoice_id: int, *, amount: Decimal | str | int, reason: str,
                      issued_on: date, number_format: str) -> CreditNote:
    """Credit at most what is still owed: the invoice row is locked while its
    outstanding is read, so a payment cannot slip in between."""
    money = to_money(amount, exact=True)
    if money <= 0:
        raise BillingError("จำนวนเงินในใบลดหนี้ต้องมากกว่าศูนย์")
    if not reason.strip():
        raise BillingError("กรุณาระบุเหตุผลของใบลดหนี้")
    lock_rows(session, Invoice, [invoice_id])
    invoice = session.get(Invoice, invoice_id)
    if invoice is None or invoice.status != "open":
        raise BillingError("ไม่พบใบแจ้งหนี้ที่ยังใช้งานอยู่")
    owed = outstanding_of_invoice(session, invoice_id)
    if money > owed:
        raise BillingError(
            f"ใบลดหนี้ {format_baht(money)} เกินยอดค้างชำระของใบแจ้งหนี้ {invoice.number} ({format_baht(owed)})"
        )
    note = CreditNote(number=issue_number(session, "credit_note", number_format, issued_on),
                      invoice_id=invoice_id, amount=money, reason=reason.strip(), issued_on=issued_on)
    session.add(note)
    session.flush()
    return note


def credit_note_detail(session: Session, customer_id: int, credit_note_id: int) -> CreditNoteSummary | None:
    """One credit note of this customer, or None (also when it is someone else's)."""
    invoice_id = session.scalar(
        select(CreditNote.invoice_id).join(Invoice, Invoice.id == CreditNote.invoice_id)
        .where(CreditNote.id == credit_note_id, Invoice.customer_id == customer_id)
    )
    if invoice_id is None:
        return None
    return next(n for n in credit_notes_of(session, [invoice_id]) if n.id == credit_note_id)
