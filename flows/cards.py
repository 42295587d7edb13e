"""Billing domain objects as LINE messages (issue 6: accounts and bills in chat).

The flows and the finance back office load a statement, an invoice, a receipt...
from services.billing and hand it here; this module only turns it into the
context of a Flex template (flex_templates/templates, docs/flex.md) and renders
it. No database access: what is shown is exactly what the caller loaded.
Every postback carries the ids the flows check against the user's own accounts.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal, TypeVar

import flex_templates
from config.profile import OrgProfile
from flex_templates import intent_data
from flex_templates.limits import CAROUSEL_MAX_BUBBLES, LimitError
from flows import messages
from services.billing.accounts import ContractInfo, CustomerInfo
from services.billing.balance import CreditNoteSummary, InvoiceSummary, Statement
from services.billing.invoices import InvoiceDetail, LineInfo, PaymentOnInvoice
from services.billing.paying import PaymentRequest, as_ref
from services.billing.payments import PAYMENT_METHOD_NAMES
from services.billing.receipts import HISTORY_MONTHS, ReceiptSummary
from thai.money import format_baht, format_quantity
from thai.phones import mask_phone

CONTRACT_KIND_NAMES = {
    "lease": "สัญญาเช่า",
    "water": "ผู้ใช้น้ำประปา",
    "membership": "สมาชิก",
    "garbage": "ค่าธรรมเนียมเก็บขยะ",
}
SCHEME_NAMES = {"bill_payment": "ชำระบิลผ่าน Thai QR", "promptpay": "พร้อมเพย์"}
ON_ACCOUNT = "ยอดชำระล่วงหน้า/เงินคงเหลือในบัญชี"
SLIP_STATUSES = ("pending", "rejected", "duplicate")

# Rows each card shows before "และอีก N รายการ"; the same numbers are the
# templates' "$max", chosen so the longest realistic card stays under 30 KB.
STATEMENT_OVERDUE_ROWS = 10
CREDIT_NOTE_ROWS = 6
INVOICE_LINE_ROWS = 15
PAYMENT_ROWS = 10
BILL_INVOICE_ROWS = 10
RECEIPT_LINE_ROWS = 10
CONTRACT_ROWS = 5
ACCOUNT_BUBBLES = CAROUSEL_MAX_BUBBLES - 1  # the last bubble is "เพิ่มบัญชี"

T = TypeVar("T")


def _rows(name: str, items: Sequence[T], limit: int, row: Callable[[T], dict[str, Any]]) -> dict[str, Any]:
    """Context ``name``: the rows that fit, and ``name_more``: how many are left
    out (None, not 0, which the template would show as "และอีก 0 รายการ")."""
    more = len(items) - limit if len(items) > limit else None
    return {name: [row(item) for item in items[:limit]], f"{name}_more": more}


def _with_swipe_hint(rows: list[dict[str, Any]], *, bubbles: int, count: str) -> list[dict[str, Any]]:
    """A phone shows a carousel's first card whole and only the edge of the next: the
    first card says in words that more follow, and how many (``count``)."""
    if bubbles > 1 and rows:
        rows[0] = {**rows[0], "hint": f"ปัดเพื่อดูรายการถัดไป ({count})"}
    return rows


def invoice_status(invoice: InvoiceSummary) -> str:
    """The badge of an invoice (flex_templates.filters.STATUSES)."""
    if invoice.is_paid:
        return "paid"
    if invoice.overdue:
        return "overdue"
    return "partial" if invoice.paid > 0 else "unpaid"


def _invoice_row(invoice: InvoiceSummary) -> dict[str, Any]:
    return {
        "number": invoice.number, "period": invoice.period, "due_date": invoice.due_date,
        "outstanding": invoice.outstanding, "status": invoice_status(invoice),
        "data": intent_data("check_balance", invoice=invoice.id),
    }


def _credit_note_row(note: CreditNoteSummary) -> dict[str, Any]:
    return {
        "number": note.number, "invoice_number": note.invoice_number, "issued_on": note.issued_on,
        "amount": note.amount, "reason": note.reason, "data": intent_data("check_balance", credit_note=note.id),
    }


def statement_message(statement: Statement, *, profile: OrgProfile) -> dict[str, Any]:
    """S0-4: what is owed, the current and overdue invoices and the credit notes,
    each row opening its details; "ชำระทั้งหมด" only when something is owed."""
    context = {
        "customer_code": statement.customer_code,
        "customer_name": statement.customer_name,
        "as_of": statement.as_of,
        "outstanding": statement.outstanding,
        "current": _invoice_row(statement.current) if statement.current is not None else None,
        **_rows("overdue", statement.overdue, STATEMENT_OVERDUE_ROWS, _invoice_row),
        **_rows("credit_notes", statement.credit_notes, CREDIT_NOTE_ROWS, _credit_note_row),
        "pay_data": intent_data("pay_bill") if statement.outstanding > 0 else None,
        "receipts_data": intent_data("receipts"),
    }
    return flex_templates.render("statement", context, profile=profile)


def _line_row(line: LineInfo) -> dict[str, Any]:
    # "1 × 8,500.00" under "ค่าเช่าพื้นที่ 8,500.00" says nothing; a count or a unit does.
    shown = line.quantity != 1 or bool(line.unit)
    return {
        "description": line.description,
        "quantity": f"{format_quantity(line.quantity)} {line.unit}".strip() if shown else None,
        "unit_price": line.unit_price,
        "amount": line.amount,
    }


def _payment_row(payment: PaymentOnInvoice) -> dict[str, Any]:
    return {"paid_at": payment.paid_at, "amount": payment.amount, "method_label": PAYMENT_METHOD_NAMES[payment.method],
            "receipt_number": payment.receipt_number}


def invoice_message(detail: InvoiceDetail, *, profile: OrgProfile, pdf_url: str) -> dict[str, Any]:
    """One invoice: dates, lines, totals, payments made and credit notes, its PDF;
    "ชำระใบแจ้งหนี้นี้" while anything is still owed on it."""
    invoice = detail.summary
    context = {
        "invoice_number": invoice.number,
        "period": invoice.period,
        "issued_on": invoice.issued_on,
        "due_date": invoice.due_date,
        "status": invoice_status(invoice),
        **_rows("lines", detail.lines, INVOICE_LINE_ROWS, _line_row),
        "total": invoice.total,
        "credited": invoice.credited or None,
        "paid": invoice.paid or None,
        "outstanding": invoice.outstanding,
        **_rows("payments", detail.payments, PAYMENT_ROWS, _payment_row),
        **_rows("credit_notes", detail.credit_notes, CREDIT_NOTE_ROWS, _credit_note_row),
        "pay_data": intent_data("pay_bill", invoice=invoice.id) if invoice.outstanding > 0 else None,
        "statement_data": intent_data("check_balance"),
        "pdf_url": pdf_url,
    }
    return flex_templates.render("invoice", context, profile=profile)


def bill_message(request: PaymentRequest, *, profile: OrgProfile, qr_url: str) -> dict[str, Any]:
    """S0-5: the Thai QR (an https image) with the amount, payee, references and
    the invoices it pays; "แนบสลิป" keeps the invoice when the bill is for one."""
    slip_data = (intent_data("send_slip", invoice=request.invoice_id) if request.invoice_id is not None
                 else intent_data("send_slip"))
    # A bill payment's ref1 is the customer code and its ref2 the invoice number, as bank
    # references: the card names each once, as residents know it, not twice.
    listed = {as_ref(invoice.number) for invoice in request.invoices}
    context = {
        "qr_url": qr_url,
        "amount": request.amount,
        "payee": request.payee,
        "scheme_label": SCHEME_NAMES[request.scheme],
        "ref1": request.ref1 if request.ref1 != as_ref(request.customer_code) else None,
        "ref2": request.ref2 if request.ref2 not in listed else None,
        "customer_code": request.customer_code,
        "customer_name": request.customer_name,
        **_rows("invoices", request.invoices, BILL_INVOICE_ROWS,
                lambda i: {"number": i.number, "period": i.period, "outstanding": i.outstanding}),
        "slip_data": slip_data,
    }
    return flex_templates.render("bill", context, profile=profile)


def receipt_message(receipt: ReceiptSummary, *, profile: OrgProfile, pdf_url: str) -> dict[str, Any]:
    """S0-6 and the approval notice: the receipt with what it settled and its PDF."""
    context = {
        "receipt_number": receipt.number,
        "issued_at": receipt.issued_at,
        "amount": receipt.amount,
        "method_label": PAYMENT_METHOD_NAMES[receipt.method],
        "reference": receipt.reference,
        "status": "paid",
        **_rows("lines", receipt.lines, RECEIPT_LINE_ROWS,
                lambda line: {"title": line.invoice_number or ON_ACCOUNT, "period": line.period,
                              "amount": line.amount}),
        "pdf_url": pdf_url,
    }
    return flex_templates.render("receipt", context, profile=profile)


def _receipt_item(receipt: ReceiptSummary, uri: str) -> dict[str, Any]:
    settled = " · ".join(
        ON_ACCOUNT if line.invoice_number is None
        else f"{line.invoice_number} งวด {line.period}" if line.period else line.invoice_number
        for line in receipt.lines
    )
    return {
        "title": f"ใบเสร็จ {receipt.number}",
        "subtitle": settled,
        "status": "paid",
        "facts": [
            {"label": "วันที่", "value": receipt.issued_at},
            {"label": "ชำระโดย", "value": PAYMENT_METHOD_NAMES[receipt.method]},
        ],
        "amount_label": "จำนวนเงิน",
        "amount": receipt.amount,
        "action": {"label": "เปิดใบเสร็จ (PDF)", "uri": uri},
        "secondary": {"label": "ดูรายละเอียด", "data": intent_data("receipts", receipt=receipt.id)},
    }


def receipts_message(receipts: Sequence[ReceiptSummary], *, profile: OrgProfile,
                     pdf_url: Callable[[ReceiptSummary], str], page: int = 1,
                     title: str | None = None, params: Mapping[str, str] | None = None) -> dict[str, Any]:
    """S0-6: the receipts of the last months (or of ``title``'s period, which ``params``
    carry on to the next page) as a list_carousel, newest first as given, 11 a page with
    a "ดูรายการถัดไป" bubble; a polite text when there are none."""
    shown = flex_templates.page(receipts, page, intent="receipts", **(params or {}))
    if not shown["items"]:
        return messages.text(
            f"ยังไม่มีใบเสร็จรับเงินในช่วง {HISTORY_MONTHS} เดือนที่ผ่านมา{profile.polite_particle} "
            f"เมื่อชำระเงินแล้ว ใบเสร็จจะส่งมาทางแชทนี้{profile.polite_particle}"
        )
    items = [_receipt_item(r, pdf_url(r)) for r in shown["items"]]
    context = {
        "title": title or f"ใบเสร็จรับเงินย้อนหลัง {HISTORY_MONTHS} เดือน",
        **shown,
        "items": _with_swipe_hint(items, bubbles=len(items) + ("more" in shown),
                                  count=f"ทั้งหมด {len(receipts)} ฉบับ"),
    }
    return flex_templates.render("list_carousel", context, profile=profile)


def _contract_facts(contract: ContractInfo) -> list[dict[str, str]]:
    """Whatever the contract carries, whatever its kind: a lease its unit, centre
    and rent, a water connection its meter."""
    facts = []
    if contract.unit_no:
        area = f" ({format_quantity(contract.area_sqm)} ตร.ม.)" if contract.area_sqm else ""
        facts.append({"label": "พื้นที่", "value": contract.unit_no + area})
    if contract.centre:
        facts.append({"label": "ศูนย์", "value": contract.centre})
    if contract.monthly_rent is not None:
        facts.append({"label": "ค่าเช่า", "value": f"{format_baht(contract.monthly_rent)} / เดือน"})
    if contract.meter_number:
        facts.append({"label": "เลขมาตร", "value": contract.meter_number})
    return facts


def _contract(contract: ContractInfo) -> dict[str, Any]:
    return {"number": contract.number, "kind_label": CONTRACT_KIND_NAMES[contract.kind],
            "description": contract.description, "facts": _contract_facts(contract),
            "starts_on": contract.starts_on, "ends_on": contract.ends_on}


def _account(info: CustomerInfo, active: bool, contract_rows: int) -> dict[str, Any]:
    contracts = _rows("contracts", info.contracts, contract_rows, _contract)
    if not contracts["contracts"]:
        contracts["contracts_more"] = None  # the heading already says how many there are
    return {
        "code": info.code,
        "name": info.name,
        "type_name": info.type_name,
        "active": active,
        "address": info.address,
        "phones": "\n".join(mask_phone(p) for p in info.phones),
        "contract_count": len(info.contracts),
        **contracts,
        "switch_data": None if active else intent_data("account_info", switch=info.id),
        "unlink_data": intent_data("account_info", unlink=info.id),
    }


def account_message(accounts: Sequence[tuple[CustomerInfo, bool]], *, profile: OrgProfile) -> dict[str, Any]:
    """S0-3: one bubble per linked account (True marks the active one) with its
    contracts, then a bubble to link another."""
    shown = list(accounts)
    if len(shown) > ACCOUNT_BUBBLES:
        # the one in use must stay reachable; the rest in the caller's order
        shown = ([a for a in shown if a[1]] + [a for a in shown if not a[1]])[:ACCOUNT_BUBBLES]
    # A carousel holds 50 KB: about three accounts with five contracts each.
    # Someone with more accounts sees fewer contracts per account, not an error.
    contract_rows = CONTRACT_ROWS
    while True:
        context = {
            "count": len(accounts),
            # the last bubble is always "เพิ่มบัญชี"
            "accounts": _with_swipe_hint([_account(info, active, contract_rows) for info, active in shown],
                                         bubbles=len(shown) + 1, count=f"เชื่อมไว้ {len(accounts)} บัญชี"),
            "register_data": intent_data("register"),
        }
        try:
            return flex_templates.render("account", context, profile=profile)
        except LimitError:
            if contract_rows == 0:
                raise
            contract_rows -= 1


def slip_message(status: Literal["pending", "rejected", "duplicate"], *, profile: OrgProfile,
                 amount: Decimal | None = None, paid_at: datetime | None = None, bank: str | None = None,
                 reference: str | None = None, reason: str | None = None) -> dict[str, Any]:
    """What became of a transfer slip: received and waiting for staff, refused
    (with the reason), or already sent. An approved slip gets receipt_message."""
    if status not in SLIP_STATUSES:
        raise ValueError(f"unknown slip status {status!r}; known: {', '.join(SLIP_STATUSES)}")
    read = (("จำนวนเงิน", amount), ("วันที่โอน", paid_at), ("ธนาคาร", bank), ("เลขอ้างอิง", reference))
    context = {
        "status": status,
        status: True,
        "facts": [{"label": label, "value": value} for label, value in read if value is not None and value != ""],
        "reason": reason,
        "resend_data": intent_data("send_slip"),
        "staff_data": intent_data("talk_to_staff"),
    }
    return flex_templates.render("slip_status", context, profile=profile)
