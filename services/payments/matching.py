"""Match payments from bank reports to open invoices.

References first (what the payer's QR or bill carried), then exact amount within
the time the invoice was open. Anything not certain goes to staff as ambiguous or
unmatched with the reason, never silently applied. Lines already imported (same
dedupe key) come back as duplicates, so importing a file twice changes nothing.
Pure functions: the caller loads invoices and stores results.
"""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Container, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Literal

from services.payments.bank_reports import PaymentLine
from thai.money import format_baht, to_money

Status = Literal["matched", "ambiguous", "unmatched", "duplicate"]
_NOT_ALNUM = re.compile(r"[^0-9A-Z]")


@dataclass(frozen=True)
class OpenInvoice:
    number: str
    customer_code: str
    amount_outstanding: Decimal
    due_date: date
    issued_on: date | None = None
    ref1: str | None = None  # references printed on the invoice's bill-payment QR
    ref2: str | None = None


@dataclass(frozen=True)
class Allocation:
    invoice_number: str
    amount: Decimal


@dataclass(frozen=True)
class MatchResult:
    line: PaymentLine
    status: Status
    reason: str  # Thai, for the finance officer
    allocations: tuple[Allocation, ...] = ()
    candidates: tuple[str, ...] = ()  # invoice numbers staff can choose from


@dataclass(frozen=True)
class MatchWindow:
    """An invoice can be paid from its issue date (or ``lookback_days`` before its
    due date when the issue date is unknown) until ``grace_days`` after it is due."""

    grace_days: int = 30
    lookback_days: int = 60

    def contains(self, invoice: OpenInvoice, day: date) -> bool:
        opens = invoice.issued_on or invoice.due_date - timedelta(days=self.lookback_days)
        return opens <= day <= invoice.due_date + timedelta(days=self.grace_days)


def normalise_ref(ref: str | None) -> str:
    """References compare without case, spaces or dashes: INV-2569-000123 = INV2569000123."""
    return _NOT_ALNUM.sub("", (ref or "").upper())


class _Book:
    """Open invoices with what is still owed, indexed every way a line can point at them."""

    def __init__(self, invoices: Iterable[OpenInvoice]) -> None:
        self.remaining: dict[str, Decimal] = {}
        self.by_ref: dict[str, list[OpenInvoice]] = defaultdict(list)
        self.by_pair: dict[tuple[str, str], list[OpenInvoice]] = defaultdict(list)
        self.by_customer: dict[str, list[OpenInvoice]] = defaultdict(list)
        self.by_amount: dict[Decimal, list[OpenInvoice]] = defaultdict(list)
        for invoice in invoices:
            if invoice.number in self.remaining:
                raise ValueError(f"invoice {invoice.number} is listed twice")
            owed = to_money(invoice.amount_outstanding)
            if owed <= 0:
                continue
            self.remaining[invoice.number] = owed
            self.by_ref[normalise_ref(invoice.number)].append(invoice)
            if invoice.ref1 and invoice.ref2:
                self.by_pair[(normalise_ref(invoice.ref1), normalise_ref(invoice.ref2))].append(invoice)
            elif invoice.ref1:
                self.by_ref[normalise_ref(invoice.ref1)].append(invoice)
            self.by_customer[normalise_ref(invoice.customer_code)].append(invoice)
            self.by_amount[owed].append(invoice)
        for group in self.by_customer.values():
            group.sort(key=lambda i: (i.due_date, i.number))

    def open(self, invoices: Iterable[OpenInvoice]) -> list[OpenInvoice]:
        return [i for i in invoices if self.remaining[i.number] > 0]

    def settle(self, line: PaymentLine, invoices: list[OpenInvoice], reason: str) -> MatchResult:
        allocations = []
        for invoice in invoices:
            allocations.append(Allocation(invoice.number, self.remaining[invoice.number]))
            self.remaining[invoice.number] = Decimal("0.00")
        return MatchResult(line, "matched", reason, tuple(allocations))


def _ambiguous(line: PaymentLine, reason: str, invoices: Iterable[OpenInvoice]) -> MatchResult:
    return MatchResult(line, "ambiguous", reason, candidates=tuple(i.number for i in invoices))


def _by_reference(book: _Book, line: PaymentLine) -> MatchResult | None:
    refs = [r for r in (normalise_ref(line.ref1), normalise_ref(line.ref2)) if r]
    direct = book.open(book.by_pair.get((refs[0], refs[1]), ()) if len(refs) == 2 else ())
    if not direct:
        direct = book.open({i.number: i for r in refs for i in book.by_ref.get(r, ())}.values())
    if direct:
        exact = [i for i in direct if book.remaining[i.number] == line.amount]
        if len(exact) == 1:
            return book.settle(line, exact, f"รหัสอ้างอิงและยอดเงินตรงกับใบแจ้งหนี้ {exact[0].number}")
        owed = ", ".join(f"{i.number} ค้าง {format_baht(book.remaining[i.number])}" for i in direct)
        return _ambiguous(line, f"รหัสอ้างอิงตรงกับ {owed} แต่ยอดชำระ {format_baht(line.amount)} ไม่ตรง", direct)
    for ref in refs:
        owing = book.open(book.by_customer.get(ref, ()))
        if not owing:
            continue
        total = sum((book.remaining[i.number] for i in owing), Decimal("0.00"))
        if total == line.amount:
            return book.settle(line, owing, f"ชำระครบทุกใบที่ค้างของลูกค้า {ref} ({len(owing)} ใบ)")
        exact = [i for i in owing if book.remaining[i.number] == line.amount]
        if exact:
            # Several bills of the same amount: the oldest is paid first, as finance offices do.
            return book.settle(line, exact[:1], f"รหัสลูกค้า {ref} ยอดตรงกับใบที่ค้างนานที่สุด {exact[0].number}")
        return _ambiguous(line, f"รหัสลูกค้า {ref} ค้าง {format_baht(total)} แต่ยอดชำระ "
                          f"{format_baht(line.amount)} ไม่ตรงกับใบใดหรือยอดรวม", owing)
    return None


def _by_amount(book: _Book, line: PaymentLine, window: MatchWindow) -> MatchResult:
    day = line.paid_at.date()
    candidates = [i for i in book.by_amount.get(line.amount, ())
                  if book.remaining[i.number] == line.amount and window.contains(i, day)]
    if len(candidates) == 1:
        return book.settle(line, candidates, f"ไม่มีรหัสอ้างอิงที่ตรง แต่ยอดเงินและช่วงเวลาตรงกับ "
                           f"ใบแจ้งหนี้ {candidates[0].number} ใบเดียว")
    if candidates:
        return _ambiguous(line, f"ยอด {format_baht(line.amount)} ตรงกับใบแจ้งหนี้ {len(candidates)} ใบ "
                          "ในช่วงเวลาเดียวกัน กรุณาเลือกใบที่ถูกต้อง", candidates)
    return MatchResult(line, "unmatched", f"ไม่พบใบแจ้งหนี้ที่รหัสอ้างอิงหรือยอด {format_baht(line.amount)} ตรงกัน")


def match_payments(lines: Iterable[PaymentLine], invoices: Iterable[OpenInvoice], *,
                   already_imported: Container[str] = frozenset(),
                   window: MatchWindow = MatchWindow()) -> list[MatchResult]:
    """One result per line, in payment-time order. An invoice is settled at most once."""
    book = _Book(invoices)
    seen: set[str] = set()
    results = []
    for line in sorted(lines, key=lambda item: (item.paid_at, item.line)):
        if line.dedupe_key in already_imported or line.dedupe_key in seen:
            results.append(MatchResult(line, "duplicate", "รายการนี้นำเข้าไปแล้ว ไม่นับซ้ำ"))
            continue
        seen.add(line.dedupe_key)
        if line.kind == "debit":
            results.append(MatchResult(line, "unmatched", "เป็นรายการกลับรายการ/หักเงิน ไม่ใช่การรับชำระ "
                                       "กรุณาตรวจสอบกับธนาคาร"))
            continue
        results.append(_by_reference(book, line) or _by_amount(book, line, window))
    return results
