"""Applying a payment to invoices without ever over-allocating.

Neither side may go past its amount: a payment never allocates more than it
is, an invoice never receives more than it still owes. Both rows are locked
before the amounts are read (models/locks.py), so concurrent
payments against one invoice queue instead of both seeing the same balance.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.accounts import Allocation, Invoice, Payment
from models.locks import lock_rows
from services.billing.balance import invoice_outstanding, unallocated_of_payment
from services.billing.errors import BillingError


def lock_open_invoices(session: Session, customer_id: int, invoice_id: int | None = None) -> list[int]:
    """Lock the customer's open invoices (or the one chosen) and return their ids.
    A chosen invoice of another customer is refused."""
    query = select(Invoice.id).where(Invoice.customer_id == customer_id, Invoice.status == "open")
    if invoice_id is not None:
        query = query.where(Invoice.id == invoice_id)
    lock_rows(session, Invoice, session.scalars(query))
    # Read again under the lock: an invoice voided meanwhile is no longer open.
    ids = list(session.scalars(query))
    if invoice_id is not None and not ids:
        raise BillingError("ไม่พบใบแจ้งหนี้นี้ในบัญชีของลูกค้า")
    return ids


def allocate_payment(session: Session, payment_id: int, *, invoice_id: int | None = None) -> list[Allocation]:
    """Apply what is left of a payment to the customer's invoices, oldest due
    first, or only to ``invoice_id``. What no invoice needs stays unallocated
    (money on account) and can be allocated later."""
    lock_rows(session, Payment, [payment_id])
    payment = session.get(Payment, payment_id)
    if payment is None:
        raise BillingError("ไม่พบรายการรับชำระเงิน")
    ids = lock_open_invoices(session, payment.customer_id, invoice_id)
    remaining = unallocated_of_payment(session, payment_id)
    if remaining <= 0 or not ids:
        return []
    owed = session.execute(
        select(Invoice.id, invoice_outstanding().label("owed"))
        .where(Invoice.id.in_(ids), invoice_outstanding() > 0)
        .order_by(Invoice.due_date, Invoice.issued_on, Invoice.id)
    ).all()
    made = []
    for row in owed:
        if remaining <= 0:
            break
        share = min(remaining, row.owed)
        made.append(Allocation(payment_id=payment_id, invoice_id=row.id, amount=share))
        remaining -= share
    session.add_all(made)
    session.flush()
    return made
