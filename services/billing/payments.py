"""Recording money received, and the counter's cash payment with its receipt."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.accounts import PAYMENT_METHODS, Customer, Invoice, Payment, Receipt
from models.base import as_utc
from services.billing.allocation import allocate_payment, lock_open_invoices
from services.billing.balance import invoice_outstanding
from services.billing.errors import BillingError
from services.billing.receipts import issue_receipt
from thai.dates import BANGKOK, format_thai_date
from thai.money import format_baht, to_money

PAYMENT_METHOD_NAMES = {
    "cash": "เงินสด",
    "transfer": "โอนเงินเข้าบัญชี",
    "qr": "สแกนจ่ายด้วย Thai QR",
    "bank_report": "ชำระผ่านธนาคาร",
}

# How far back a payment may be dated. Accounting documents are kept five years
# under Thai accounting law; a transfer older than that can no longer be checked
# against the bank's records, so such a date is a slip of the keyboard (0001-01-01,
# or a Buddhist year typed as the Christian one), never a payment to book.
PAYMENT_YEARS_BACK = 5


def earliest_payment_day(today: date) -> date:
    return date(today.year - PAYMENT_YEARS_BACK, 1, 1)


def check_payment_day(day: date, *, today: date) -> None:
    """Refuse a payment date after ``today`` or before 1 January five years back;
    every way a payment or a slip's transfer date comes in goes through here."""
    if day > today:
        raise BillingError("วันที่ชำระเงินต้องไม่เป็นวันในอนาคต กรุณาตรวจวันที่อีกครั้ง")
    earliest = earliest_payment_day(today)
    if day < earliest:
        raise BillingError(f"วันที่ชำระเงินย้อนหลังได้ไม่เกิน {PAYMENT_YEARS_BACK} ปี "
                           f"(ตั้งแต่ {format_thai_date(earliest)}) กรุณาตรวจวันที่อีกครั้ง")


def _day_in_bangkok(moment: datetime) -> date:
    try:
        return moment.astimezone(BANGKOK).date()
    except OverflowError:  # year 1 or 9999: a day either way is just as far out of bounds
        return moment.date()


def record_payment(session: Session, customer_id: int, *, amount: Decimal | str | int, paid_at: datetime,
                   method: str, reference: str | None = None, received_by: str | None = None,
                   note: str = "", today: date | None = None) -> Payment:
    """Store money received. A bank reference already on file is refused: the
    same transfer must not count twice (the unique index also stops a race).
    ``paid_at`` must fall within check_payment_day's bounds around ``today``
    (by default today in Bangkok)."""
    money = to_money(amount, exact=True)
    if money <= 0:
        raise BillingError("จำนวนเงินต้องมากกว่าศูนย์")
    if method not in PAYMENT_METHODS:
        raise BillingError(f"ช่องทางชำระเงินไม่ถูกต้อง: {method}")
    if paid_at.tzinfo is None:
        raise ValueError("paid_at must be timezone-aware")
    check_payment_day(_day_in_bangkok(paid_at), today=today or datetime.now(BANGKOK).date())
    if session.get(Customer, customer_id) is None:
        raise BillingError("ไม่พบลูกค้า")
    ref = reference.strip() if reference else None
    if ref and session.scalar(select(Payment.id).where(Payment.reference == ref)) is not None:
        raise BillingError(f"รายการโอนเลขอ้างอิง {ref} บันทึกไว้แล้ว")
    payment = Payment(customer_id=customer_id, amount=money, paid_at=as_utc(paid_at), method=method,
                      reference=ref or None, received_by=received_by, note=note)
    session.add(payment)
    session.flush()
    return payment


def record_cash_payment(session: Session, customer_id: int, *, amount: Decimal | str | int, paid_at: datetime,
                        receipt_number_format: str, invoice_id: int | None = None,
                        received_by: str | None = None, today: date | None = None) -> Receipt:
    """Cash at the counter: record, allocate and issue the receipt, all in the
    caller's transaction. Cash above what is owed (on the chosen invoice, or in
    total) is refused — the cashier gives change, the books get no surplus."""
    money = to_money(amount, exact=True)
    ids = lock_open_invoices(session, customer_id, invoice_id)
    owed = to_money(session.scalar(
        select(func.coalesce(func.sum(invoice_outstanding()), 0)).where(Invoice.id.in_(ids))
    ) or 0)
    if money > owed:
        raise BillingError(f"รับเงิน {format_baht(money)} เกินยอดค้างชำระ {format_baht(owed)} กรุณาตรวจสอบจำนวนเงิน")
    payment = record_payment(session, customer_id, amount=money, paid_at=paid_at, method="cash",
                             received_by=received_by, today=today)
    allocate_payment(session, payment.id, invoice_id=invoice_id)
    return issue_receipt(session, payment.id, number_format=receipt_number_format, issued_at=paid_at)
