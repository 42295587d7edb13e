"""What a resident owes and how to pay it: the outstanding statement with its
invoices and credit notes (S0-4), the Thai QR bill (S0-5) and receipts (S0-6).

Every id that comes back in a postback is looked up among the LINE user's own
linked accounts only, so a postback replayed by someone else shows nothing.
"""
from __future__ import annotations

from flows import cards
from flows import messages as m
from flows.accounts import active_customer, among_linked
from flows.engine import Context, Messages, Turn
from services.billing.accounts import customer_info
from services.billing.balance import statement
from services.billing.credit_notes import credit_note_detail
from services.billing.invoices import invoice_detail
from services.billing.paying import payment_request
from services.billing.receipts import ReceiptSummary, receipt_detail, recent_receipts
from services.ids import parse_id
from thai.dates import format_thai_date
from thai.money import format_baht


def _number(turn: Turn, key: str) -> int | None:
    return parse_id(turn.data.get(key))


def check_balance(turn: Turn, ctx: Context) -> Messages:
    """The statement; with ``invoice`` or ``credit_note`` in the postback, that document."""
    invoice_id, note_id = _number(turn, "invoice"), _number(turn, "credit_note")
    customer_id = active_customer(ctx, "check_balance")
    if invoice_id is not None or "invoice" in turn.data:
        return _invoice(ctx, invoice_id)
    if note_id is not None or "credit_note" in turn.data:
        return _credit_note(ctx, note_id)
    with ctx.db.session() as session:
        found = statement(session, customer_id, today=ctx.today())
    return [cards.statement_message(found, profile=ctx.profile)]


def _invoice(ctx: Context, invoice_id: int | None) -> Messages:
    detail = among_linked(ctx, lambda s, c: invoice_detail(s, c, invoice_id, today=ctx.today())) \
        if invoice_id is not None else None
    if detail is None:
        return [m.text(ctx.say("invoice_not_found"))]
    return [cards.invoice_message(detail, profile=ctx.profile)]


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
    caption = request.invoices[0].number if invoice_id is not None else request.customer_code
    qr_url = ctx.links.qr_image(request.payload, caption)
    return [cards.bill_message(request, profile=ctx.profile, qr_url=qr_url)]


def _owner_of_invoice(ctx: Context, invoice_id: int | None) -> int | None:
    if invoice_id is None:
        return None
    return among_linked(ctx, lambda s, c: c if invoice_detail(s, c, invoice_id, today=ctx.today()) else None)


def receipts(turn: Turn, ctx: Context) -> Messages:
    """Receipts of the last six months, newest first; one of them in full with ``receipt``."""
    customer_id = active_customer(ctx, "receipts")
    if "receipt" in turn.data:
        return _receipt(ctx, _number(turn, "receipt"))
    with ctx.db.session() as session:
        found = recent_receipts(session, customer_id, now=ctx.now())
        code = customer_info(session, customer_id).code
    if not found:
        return [m.text(ctx.say("no_receipts", code=code))]
    page = _number(turn, "page") or 1
    return [cards.receipts_message(found, profile=ctx.profile, pdf_url=lambda r: _pdf_url(ctx, r), page=page)]


def _receipt(ctx: Context, receipt_id: int | None) -> Messages:
    found = among_linked(ctx, lambda s, c: receipt_detail(s, c, receipt_id)) if receipt_id is not None else None
    if found is None:
        return [m.text(ctx.say("receipt_not_found"))]
    return [cards.receipt_message(found, profile=ctx.profile, pdf_url=_pdf_url(ctx, found))]


def _pdf_url(ctx: Context, receipt: ReceiptSummary) -> str:
    return ctx.links.receipt_pdf(receipt.id)
