"""Small builders for the accounts tests (real services, real database)."""
from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

from sqlalchemy.orm import Session

from models.accounts import Customer, Invoice
from services.billing.accounts import create_customer
from services.billing.invoices import Line, issue_invoice
from thai.dates import BANGKOK

INVOICE_FORMAT = "INV-{fiscal_year}-{seq:06d}"
RECEIPT_FORMAT = "RC-{fiscal_year}-{seq:06d}"
CREDIT_FORMAT = "CN-{fiscal_year}-{seq:06d}"


def customer(session: Session, code: str = "T0001", phones: tuple[str, ...] = ("0810000001",)) -> Customer:
    return create_customer(session, code=code, name=f"ลูกค้า {code}", type="tenant", phones=phones)


def bill(session: Session, owner: Customer, *amounts: str | Decimal, issued: date, due: date) -> Invoice:
    return issue_invoice(session, owner, number_format=INVOICE_FORMAT, issued_on=issued, due_date=due,
                         lines=[Line(f"รายการ {i}", a) for i, a in enumerate(amounts, 1)])


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=BANGKOK)
