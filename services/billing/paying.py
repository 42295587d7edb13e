"""What a resident pays and the Thai QR that pays it (S0-5).

With a biller ID the QR is a bill payment (tag 30): ref1 is the customer code
and ref2 the invoice number, so the bank's bill-payment report matches itself
(services/payments/matching.py). Without one it is a PromptPay transfer (tag 29)
for the exact amount, and the slip or the statement is matched by amount.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from sqlalchemy.orm import Session

from config.profile import Payment
from models.accounts import Customer
from services.billing.balance import InvoiceSummary, invoice_summaries
from services.payments.thaiqr import bill_payment_payload, promptpay_payload
from thai.money import to_money

_NOT_REF = re.compile(r"[^A-Z0-9]")
REF_MAX = 20


@dataclass(frozen=True)
class PaymentRequest:
    customer_id: int
    customer_code: str
    customer_name: str
    amount: Decimal
    payload: str
    scheme: Literal["bill_payment", "promptpay"]
    ref1: str | None
    ref2: str | None
    payee: str
    invoices: tuple[InvoiceSummary, ...]
    invoice_id: int | None


def as_ref(text: str) -> str:
    """A bank reference field takes A-Z and 0-9 only, at most 20: 'INV-2570-000123' → 'INV2570000123'.
    Long numbers keep their end, where the running number is."""
    return _NOT_REF.sub("", text.upper())[-REF_MAX:]


def payment_request(session: Session, customer_id: int, payment: Payment, *, today: date,
                    invoice_id: int | None = None) -> PaymentRequest | None:
    """The QR for everything the customer owes, or for one of their invoices.
    None when there is nothing to pay — or the invoice is not theirs, which the
    caller answers the same way so a replayed postback learns nothing."""
    customer = session.get(Customer, customer_id)
    if customer is None:
        return None
    chosen = [invoice_id] if invoice_id is not None else None
    unpaid = tuple(i for i in invoice_summaries(session, customer_id, today=today, invoice_ids=chosen)
                   if i.outstanding > 0)
    amount = to_money(sum((i.outstanding for i in unpaid), Decimal("0")))
    if amount <= 0:
        return None
    ref1: str | None
    ref2: str | None
    if payment.biller_id:
        ref1 = as_ref(customer.code)
        ref2 = as_ref(unpaid[0].number) if invoice_id is not None else None
        payload = bill_payment_payload(payment.biller_id, ref1, ref2, amount)
        scheme: Literal["bill_payment", "promptpay"] = "bill_payment"
    else:
        ref1 = ref2 = None
        payload = promptpay_payload(payment.promptpay_id or "", amount)
        scheme = "promptpay"
    return PaymentRequest(
        customer_id=customer.id, customer_code=customer.code, customer_name=customer.name, amount=amount,
        payload=payload, scheme=scheme, ref1=ref1, ref2=ref2, payee=payment.account_name, invoices=unpaid,
        invoice_id=invoice_id,
    )
