"""What a resident owes and how to pay it: the outstanding statement with its
invoices and credit notes (S0-4), the Thai QR bill (S0-5) and receipts (S0-6).

Every id that comes back in a postback is looked up among the LINE user's own
linked accounts only, so a postback replayed by someone else shows nothing.
"""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.orm import Session

from flex_templates import intent_data
from flex_templates.filters import STATUSES
from flows import cards
from flows import messages as m
from flows.accounts import active_customer, among_linked
from flows.engine import Context, Messages, Turn
from flows.texts import contacts_line
from services.billing.accounts import customer_info
from services.billing.balance import invoice_summaries, statement
from services.billing.credit_notes import credit_note_detail
from services.billing.invoices import InvoiceDetail, invoice_detail
from services.billing.paying import payment_request
from services.billing.receipts import (
    HISTORY_MONTHS,
    ReceiptSummary,
    history_start,
    receipt_detail,
    receipts_between,
    recent_receipts,
)
from services.ids import parse_id
from thai.dates import MONTHS_FULL, be_year, format_thai_date
from thai.money import format_baht

# Invoice cards after the heading: a reply holds five messages.
PERIOD_CARDS = 4


def _number(turn: Turn, key: str) -> int | None:
    return parse_id(turn.data.get(key))


def _period(turn: Turn) -> tuple[date, date] | None:
    """The period the resident wrote ('เดือนที่แล้ว', 'ต.ค. 69', 'ปีนี้'), or the one a postback
    carries on (``from``/``to``: the next page, or the request that waited for registering)."""
    if "from" in turn.data:
        try:
            start, end = date.fromisoformat(turn.data["from"]), date.fromisoformat(turn.data.get("to", ""))
        except ValueError:
            return None
        return (start, end) if start <= end else None
    entity = next((e for e in (turn.parse.entities if turn.parse else []) if e.type == "period"), None)
    return (entity.normalised.start, entity.normalised.end) if entity else None


def _period_params(period: tuple[date, date] | None) -> dict[str, str]:
    return {"from": period[0].isoformat(), "to": period[1].isoformat()} if period else {}


def period_label(start: date, end: date) -> str:
    """'เดือนตุลาคม 2569', 'ปี 2569', or 'วันที่ 25 ส.ค. 2569 ถึง 25 พ.ย. 2569'."""
    whole_months = start.day == 1 and (end + timedelta(days=1)).day == 1
    if whole_months and (start.year, start.month) == (end.year, end.month):
        return f"เดือน{MONTHS_FULL[start.month - 1]} {be_year(start)}"
    if whole_months and (start.month, end.month) == (1, 12) and start.year == end.year:
        return f"ปี {be_year(start)}"
    return f"วันที่ {format_thai_date(start)} ถึง {format_thai_date(end)}"


def check_balance(turn: Turn, ctx: Context) -> Messages:
    """The statement; with ``invoice`` or ``credit_note`` in the postback, that document;
    with a period, the invoices issued in it."""
    invoice_id, note_id = _number(turn, "invoice"), _number(turn, "credit_note")
    period = _period(turn)
    customer_id = active_customer(ctx, "check_balance", **_period_params(period))
    if invoice_id is not None or "invoice" in turn.data:
        return _invoice(ctx, invoice_id)
    if note_id is not None or "credit_note" in turn.data:
        return _credit_note(ctx, note_id)
    if period is not None:
        return _invoices_of_period(ctx, customer_id, period)
    with ctx.db.session() as session:
        found = statement(session, customer_id, today=ctx.today())
    return [cards.statement_message(found, profile=ctx.profile)]


def _invoices_of_period(ctx: Context, customer_id: int, period: tuple[date, date]) -> Messages:
    """Up to four invoice cards (a reply holds five messages), else one line each; none: what is
    owed now, since 'ค่าน้ำเดือนนี้' before this month's bill still asks what to pay."""
    label = period_label(*period)
    with ctx.db.session() as session:
        found = invoice_summaries(session, customer_id, today=ctx.today(), issued_between=period)
        if not found:
            owed = statement(session, customer_id, today=ctx.today())
            return [m.text(ctx.say("no_invoices_in_period", code=owed.customer_code, period=label)),
                    cards.statement_message(owed, profile=ctx.profile)]
        details = [invoice_detail(session, customer_id, i.id, today=ctx.today()) for i in found[:PERIOD_CARDS]]
    heading = ctx.say("invoices_in_period", period=label, count=len(found))
    if len(found) > PERIOD_CARDS:
        rows = [f"• {i.number} งวด {i.period or '-'} {format_baht(i.total)} ({STATUSES[cards.invoice_status(i)][0]})"
                for i in found]
        opens = [m.qr_postback(i.number, intent_data("check_balance", invoice=i.id)) for i in found[-13:]]
        return [m.text("\n".join([heading, *rows]), opens)]
    return [m.text(heading), *(cards.invoice_message(d, profile=ctx.profile,
                                             pdf_url=ctx.links.invoice_pdf(d.summary.id, customer_id))
                       for d in details if d is not None)]


def _invoice(ctx: Context, invoice_id: int | None) -> Messages:
    def owner_and_detail(session: Session, customer_id: int) -> tuple[int, InvoiceDetail] | None:
        detail = invoice_detail(session, customer_id, invoice_id, today=ctx.today()) if invoice_id else None
        return (customer_id, detail) if detail is not None else None

    found = among_linked(ctx, owner_and_detail)
    if found is None:
        return [m.text(ctx.say("invoice_not_found"))]
    owner, detail = found
    return [cards.invoice_message(detail, profile=ctx.profile,
                                  pdf_url=ctx.links.invoice_pdf(detail.summary.id, owner))]


def _credit_note(ctx: Context, note_id: int | None) -> Messages:
    note = among_linked(ctx, lambda s, c: credit_note_detail(s, c, note_id)) if note_id is not None else None
    if note is None:
        return [m.text(ctx.say("credit_note_not_found"))]
    return [m.text(ctx.say("credit_note_text", number=note.number, date=format_thai_date(note.issued_on),
                           invoice=note.invoice_number, amount=format_baht(note.amount), reason=note.reason))]


def pay_bill(turn: Turn, ctx: Context) -> Messages:
    """The bill with its QR: for everything owed, or for the invoice in the postback."""
    invoice_id = _number(turn, "invoice")
    customer_id = active_customer(ctx, "pay_bill", **({"invoice": invoice_id} if invoice_id else {}))
    payment = ctx.profile.payment
    if "invoice" in turn.data:
        # An invoice of another linked account is paid as that account's bill.
        owner = _owner_of_invoice(ctx, invoice_id)
        if owner is None:
            return [m.text(ctx.say("invoice_not_found"))]
        customer_id = owner
    with ctx.db.session() as session:
        request = payment_request(session, customer_id, payment, today=ctx.today(), invoice_id=invoice_id)
        code = customer_info(session, customer_id).code
    if request is None:
        if invoice_id is not None:
            return [m.text(ctx.say("invoice_not_found"))]
        return [m.text(ctx.say("nothing_owed", code=code))]
    # A bill-payment picture prints its references (customer code, invoice) already;
    # a PromptPay one has none, so it names what it pays.
    caption = ("" if request.ref1 else f"ใบแจ้งหนี้ {request.invoices[0].number}" if invoice_id is not None
               else f"รหัสลูกค้า {request.customer_code}")
    qr_url = ctx.links.qr_image(request.payload, caption)
    return [cards.bill_message(request, profile=ctx.profile, qr_url=qr_url)]


def _owner_of_invoice(ctx: Context, invoice_id: int | None) -> int | None:
    if invoice_id is None:
        return None
    return among_linked(ctx, lambda s, c: c if invoice_detail(s, c, invoice_id, today=ctx.today()) else None)


def receipts(turn: Turn, ctx: Context) -> Messages:
    """Receipts of the last six months, newest first, or of the period asked about within
    them; one of them in full with ``receipt``."""
    period = _period(turn)
    customer_id = active_customer(ctx, "receipts", **_period_params(period))
    if "receipt" in turn.data:
        return _receipt(ctx, _number(turn, "receipt"))
    if period is not None:
        return _receipts_of_period(turn, ctx, customer_id, period)
    with ctx.db.session() as session:
        found = recent_receipts(session, customer_id, now=ctx.now())
        code = customer_info(session, customer_id).code
    if not found:
        return [m.text(ctx.say("no_receipts", code=code))]
    page = _number(turn, "page") or 1
    return [cards.receipts_message(found, profile=ctx.profile, pdf_url=lambda r: _pdf_url(ctx, r), page=page)]


def _receipts_of_period(turn: Turn, ctx: Context, customer_id: int, period: tuple[date, date]) -> Messages:
    """The chat shows six months of receipts (seed 000); older ones are asked of the office."""
    start, end = period
    label = period_label(start, end)
    first_day = history_start(ctx.today())
    older = start < first_day
    beyond = m.text(ctx.say("receipts_beyond_history", months=HISTORY_MONTHS, contacts=contacts_line(ctx.profile),
                            period=label if end < first_day else period_label(start, first_day - timedelta(days=1))))
    if end < first_day:
        return [beyond]
    with ctx.db.session() as session:
        found = receipts_between(session, customer_id, max(start, first_day), end)
        code = customer_info(session, customer_id).code
        others = not found and bool(recent_receipts(session, customer_id, now=ctx.now()))
    if not found:
        # Nothing in that month, but the resident may have misremembered it: one tap shows them all.
        label_all = ctx.say("all_receipts_label", months=HISTORY_MONTHS)
        all_receipts = [m.qr_postback(label_all, intent_data("receipts"))] if others else []
        return [m.text(ctx.say("no_receipts_in_period", code=code, period=label), all_receipts),
                *([beyond] if older else [])]
    page = _number(turn, "page") or 1
    heading = [] if page > 1 else [m.text(ctx.say("receipts_in_period", period=label, count=len(found)))]
    shown = cards.receipts_message(found, profile=ctx.profile, pdf_url=lambda r: _pdf_url(ctx, r), page=page,
                                   title=f"ใบเสร็จรับเงิน{label}", params=_period_params(period))
    return [*heading, shown, *([beyond] if older and page == 1 else [])]


def _receipt(ctx: Context, receipt_id: int | None) -> Messages:
    found = among_linked(ctx, lambda s, c: receipt_detail(s, c, receipt_id)) if receipt_id is not None else None
    if found is None:
        return [m.text(ctx.say("receipt_not_found"))]
    return [cards.receipt_message(found, profile=ctx.profile, pdf_url=_pdf_url(ctx, found))]


def _pdf_url(ctx: Context, receipt: ReceiptSummary) -> str:
    return ctx.links.receipt_pdf(receipt.id)
