"""What documents print. Plain dataclasses, so billing, water, queue and cases can
fill them from the database without the documents knowing about it."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from thai.money import to_money


@dataclass(frozen=True)
class Organisation:
    name: str
    address: str = ""
    tax_id: str | None = None
    phone: str = ""
    logo: Path | None = None


@dataclass(frozen=True)
class Customer:
    name: str
    code: str = ""  # customer code / water user number
    address: str = ""
    tax_id: str | None = None


@dataclass(frozen=True)
class LineItem:
    description: str
    amount: Decimal
    quantity: Decimal | None = None
    unit: str = ""
    unit_price: Decimal | None = None


@dataclass(frozen=True)
class Signatory:
    name: str
    position: str


def _sum(lines: tuple[LineItem, ...]) -> Decimal:
    return to_money(sum((to_money(line.amount) for line in lines), Decimal("0")))


@dataclass(frozen=True)
class Invoice:
    number: str
    issued_on: date
    due_date: date
    organisation: Organisation
    customer: Customer
    lines: tuple[LineItem, ...]
    vat: Decimal = Decimal("0")
    arrears: Decimal = Decimal("0")  # earlier bills still unpaid, shown separately
    period: str = ""  # e.g. "ธันวาคม 2569"
    details: tuple[tuple[str, str], ...] = ()  # e.g. (("เลขมาตร", "M-0012"), ("เลขจดครั้งนี้", "1,245"))
    payment_qr: str | None = None  # Thai QR payload
    ref1: str | None = None
    ref2: str | None = None
    note: str = ""

    @property
    def subtotal(self) -> Decimal:
        return _sum(self.lines)

    @property
    def total(self) -> Decimal:
        return to_money(self.subtotal + to_money(self.vat))

    @property
    def total_due(self) -> Decimal:
        return to_money(self.total + to_money(self.arrears))


@dataclass(frozen=True)
class Receipt:
    number: str
    paid_at: datetime
    organisation: Organisation
    customer: Customer
    lines: tuple[LineItem, ...]
    payment_method: str  # e.g. "โอนผ่าน Thai QR (ธนาคารกสิกรไทย)"
    invoice_numbers: tuple[str, ...] = ()
    payment_ref: str = ""
    received_by: Signatory | None = None

    @property
    def total(self) -> Decimal:
        return _sum(self.lines)


@dataclass(frozen=True)
class CreditNote:
    number: str
    issued_on: date
    organisation: Organisation
    customer: Customer
    original_invoice: str
    reason: str
    lines: tuple[LineItem, ...]
    signatory: Signatory | None = None

    @property
    def total(self) -> Decimal:
        return _sum(self.lines)


@dataclass(frozen=True)
class OverdueBill:
    invoice_number: str
    period: str
    due_date: date
    amount: Decimal


@dataclass(frozen=True)
class DunningLetter:
    number: str
    issued_on: date
    organisation: Organisation
    customer: Customer
    bills: tuple[OverdueBill, ...]
    pay_by: date
    signatory: Signatory
    contact_phone: str = ""
    payment_qr: str | None = None

    @property
    def total(self) -> Decimal:
        return to_money(sum((to_money(b.amount) for b in self.bills), Decimal("0")))


@dataclass(frozen=True)
class DisconnectionNotice:
    number: str
    issued_on: date
    organisation: Organisation
    customer: Customer
    meter_number: str
    outstanding: Decimal
    disconnect_on: date
    reconnection_fee: Decimal
    signatory: Signatory
    contact_phone: str = ""


@dataclass(frozen=True)
class QueueTicket:
    organisation: Organisation
    department: str
    ticket_number: str  # e.g. "A012"
    service: str
    slot_start: datetime
    waiting_before: int | None = None
    counter: str | None = None
    tracking_url: str | None = None  # printed as a QR so the resident can follow the queue


@dataclass(frozen=True)
class CaseEvent:
    at: datetime
    status: str
    note: str = ""
    by: str = ""


@dataclass(frozen=True)
class CasePrintout:
    organisation: Organisation
    tracking_number: str
    kind: str  # เรื่องร้องเรียน / คำร้อง / ...
    category: str
    submitted_at: datetime
    reporter_name: str
    reporter_phone: str
    description: str
    responsible_unit: str
    status: str
    location: str = ""
    events: tuple[CaseEvent, ...] = field(default_factory=tuple)
