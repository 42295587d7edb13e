"""Transfer evidence (S0-7): a slip photo in the chat, or the web form for those
who would rather type the date and amount. Either way the slip is read (its
QR), checked for reuse and queued for finance; the resident hears now that it
arrived and later what finance decided (admin/)."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from config.profile import OrgProfile
from flows import cards
from flows import messages as m
from flows.accounts import active_customer
from flows.engine import Context, Flow, Invalid, Messages, Step, Turn
from flows.texts import say
from services.billing.slips import MAX_SLIP_BYTES, REFUSALS, submit_slip
from services.identity import linking
from services.ids import parse_id
from services.payments.slip_reader import MAX_PIXELS, MAX_SIDE, read_slip_image


def refusal_text(status: str, profile: OrgProfile) -> str:
    """Why a picture was not taken, one of services.billing.slips.REFUSALS, in the
    words of texts.yml: the chat and the web form say the same."""
    return say(f"slip_refused_{status}", profile, mb=MAX_SLIP_BYTES // (1024 * 1024), side=f"{MAX_SIDE:,}",
               megapixels=MAX_PIXELS // 1_000_000)


def _begin(turn: Turn, ctx: Context) -> Messages | None:
    invoice = turn.data.get("invoice", "")
    ctx.slots["customer_id"] = active_customer(ctx, "send_slip", **({"invoice": invoice} if invoice else {}))
    ctx.slots["invoice_id"] = parse_id(invoice)
    return None


def _ask(ctx: Context) -> Messages:
    form = ctx.links.slip_form(ctx.slots["customer_id"], ctx.user_id, ctx.slots.get("invoice_id"))
    return [m.text(ctx.say("ask_slip", form_url=form), [
        m.qr_camera(ctx.say("camera_label")), m.qr_camera_roll(ctx.say("camera_roll_label"))])]


def _take(turn: Turn, ctx: Context) -> dict[str, Any]:
    if turn.kind != "image":
        said = refusal_text("wrong_format", ctx.profile) if turn.kind == "file" else ctx.say("slip_need_image")
        raise Invalid(m.text(said, [
            m.qr_camera(ctx.say("camera_label")), m.qr_camera_roll(ctx.say("camera_roll_label"))]))
    image = _download(turn, ctx)
    return _submit(ctx, image, customer_id=ctx.slots["customer_id"], invoice_id=ctx.slots.get("invoice_id"))


def _download(turn: Turn, ctx: Context) -> bytes:
    message_id = str(turn.message.get("id", ""))
    try:
        return ctx.channel.content(message_id) if ctx.channel and message_id else b""
    except Exception as exc:  # noqa: BLE001 - any failure to fetch means: please send again
        raise Invalid(ctx.say("slip_download_failed")) from exc


def _submit(ctx: Context, image: bytes, *, customer_id: int, invoice_id: int | None) -> dict[str, Any]:
    with ctx.db.session() as session, session.begin():
        result = submit_slip(session, customer_id=customer_id, image=image, source="chat", line_user_id=ctx.user_id,
                             store=ctx.services.slip_store, now=ctx.now(), invoice_id=invoice_id)
    if result.status in REFUSALS:
        raise Invalid(refusal_text(result.status, ctx.profile))
    return {"status": result.status, "amount": str(result.amount) if result.amount is not None else None,
            "paid_at": result.paid_at.isoformat() if result.paid_at else None, "bank": result.bank,
            "reference": result.reference, "qr_read": result.qr_read}


def _finish(ctx: Context) -> Messages:
    slip = ctx.slots["slip"]
    out = [cards.slip_message(
        slip["status"], profile=ctx.profile, amount=Decimal(slip["amount"]) if slip["amount"] else None,
        paid_at=datetime.fromisoformat(slip["paid_at"]) if slip["paid_at"] else None,
        bank=slip["bank"], reference=slip["reference"],
    )]
    if slip["status"] == "pending" and not slip["qr_read"]:
        out.append(m.text(ctx.say("slip_qr_unread")))
    return out


send_slip = Flow(
    name="send_slip",
    title="แนบหลักฐานการชำระเงิน",
    begin=_begin,
    steps=(Step("slip", _ask, _take),),
    finish=_finish,
)


def claim_photo(turn: Turn, ctx: Context) -> Messages | None:
    """A photo sent without choosing a service: a registered resident's slip (its
    QR reads as one) goes straight to finance; anything else is passed on."""
    with ctx.db.session() as session:
        customer_id = linking.active_customer_id(session, ctx.user_id)
    if customer_id is None:
        return None
    try:
        image = _download(turn, ctx)
    except Invalid as invalid:
        return invalid.messages
    if read_slip_image(image).slip is None:
        return None
    try:
        ctx.slots = {"slip": _submit(ctx, image, customer_id=customer_id, invoice_id=None)}
    except Invalid as invalid:
        return invalid.messages
    return _finish(ctx)
