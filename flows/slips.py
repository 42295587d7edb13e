"""Transfer evidence (S0-7): a slip photo in the chat, or the web form for those
who would rather type the date and amount. Either way the slip is read (its
QR and its print), checked for reuse and queued for finance; a chat slip whose
amount or date could not be read asks for them, so finance never sees
"ไม่ได้แจ้ง". The resident hears now that it arrived and later what finance
decided (admin/)."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, NoReturn

import flex_templates
from config.profile import OrgProfile
from flex_templates import postback_data
from flows import cards
from flows import messages as m
from flows.accounts import active_customer
from flows.engine import Context, Flow, Invalid, Messages, Redirect, Step, Turn
from flows.texts import say
from services.billing.balance import statement
from services.billing.errors import BillingError
from services.billing.payments import earliest_payment_day
from services.billing.slips import (
    MAX_SLIP_BYTES,
    REFUSALS,
    SlipSubmission,
    declare_transfer,
    sent_since,
    submit_slip,
)
from services.identity import linking
from services.ids import parse_id
from services.payments.slip_reader import MAX_PIXELS, MAX_SIDE, read_slip_image
from thai.dates import BANGKOK
from thai.money import format_baht, to_money

PAID_ON_ACTION = "slip_paid_on"


def refusal_text(status: str, profile: OrgProfile) -> str:
    """Why a picture was not taken, one of services.billing.slips.REFUSALS, in the
    words of texts.yml: the chat and the web form say the same."""
    return say(f"slip_refused_{status}", profile, mb=MAX_SLIP_BYTES // (1024 * 1024), side=f"{MAX_SIDE:,}",
               megapixels=MAX_PIXELS // 1_000_000)


def _begin(turn: Turn, ctx: Context) -> Messages | None:
    invoice = turn.data.get("invoice", "")
    ctx.slots["customer_id"] = active_customer(ctx, "send_slip", **({"invoice": invoice} if invoice else {}))
    ctx.slots["invoice_id"] = parse_id(invoice)
    ctx.slots["since"] = ctx.now().isoformat()
    return None


def _photo_buttons(ctx: Context) -> list[dict[str, Any]]:
    return [m.qr_camera(ctx.say("camera_label")), m.qr_camera_roll(ctx.say("camera_roll_label"))]


def _ask(ctx: Context) -> Messages:
    """The web form is a button: its link is long and carries who is asking."""
    form = ctx.links.slip_form(ctx.slots["customer_id"], ctx.user_id, ctx.slots.get("invoice_id"))
    card = flex_templates.render("slip_request", {
        "title": send_slip.title, "by_photo": ctx.say("ask_slip"), "by_form": ctx.say("ask_slip_form"),
        "form_label": ctx.say("slip_form_label"), "form_url": form}, profile=ctx.profile)
    return m.with_quick_replies([card], _photo_buttons(ctx))


def _take(turn: Turn, ctx: Context) -> dict[str, Any]:
    if turn.kind != "image":
        said = refusal_text("wrong_format", ctx.profile) if turn.kind == "file" else ctx.say("slip_need_image")
        raise Invalid(m.text(said, _photo_buttons(ctx)))
    image = _download(turn, ctx)
    slip = _submit(ctx, image, customer_id=ctx.slots["customer_id"], invoice_id=ctx.slots.get("invoice_id"))
    ctx.slots.update(_known(slip))
    return slip


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
    amount, paid_at = _amount_and_time(result)
    return {"status": result.status, "id": result.slip_id, "amount": str(amount) if amount is not None else None,
            "paid_at": paid_at.isoformat() if paid_at else None, "bank": result.bank,
            "reference": result.reference, "qr_read": result.qr_read}


def _amount_and_time(result: SlipSubmission) -> tuple[Decimal | None, datetime | None]:
    """What the resident will be told: a repeated slip's payment, else what the slip's print says."""
    if result.status != "pending" or result.text is None:
        return result.amount, result.paid_at
    return result.amount or result.text.amount, result.paid_at or result.text.paid_at


def _known(slip: dict[str, Any]) -> dict[str, Any]:
    """Slots already answered: everything for a slip not waiting for review (nothing to
    declare), else what its print gave."""
    if slip["status"] != "pending":
        return {"amount": None, "paid_on": None}
    known: dict[str, Any] = {}
    if slip["amount"]:
        known["amount"] = None
    if slip["paid_at"]:
        known["paid_on"] = None
    return known


def _ask_amount(ctx: Context) -> Messages:
    """The first question after the picture: say it arrived before asking."""
    return [m.text(ctx.say("slip_received_asking")), _amount_question(ctx)]


def _amount_question(ctx: Context, said: str | None = None) -> dict[str, Any]:
    with ctx.db.session() as session:
        owed = statement(session, ctx.slots["customer_id"], today=ctx.today())
    amounts = dict.fromkeys([owed.outstanding, *(i.outstanding for i in owed.unpaid)])
    choices = [m.qr_message(f"{format_baht(a)} บาท", f"{a}") for a in amounts if a > 0][:4]
    return m.text(said or ctx.say("ask_slip_amount"), choices)


def _take_amount(turn: Turn, ctx: Context) -> str:
    _another_photo(turn, ctx)
    found = turn.parse.first("amount") if turn.kind == "text" and turn.parse else None
    try:
        amount = found.normalised if found else to_money(turn.text.replace(",", "").strip(), exact=True)
    except (InvalidOperation, ValueError, BillingError):
        amount = None
    if amount is None or amount <= 0:
        raise Invalid(_amount_question(ctx, ctx.say("slip_amount_invalid")))
    _declare(ctx, amount=amount, paid_on=None)
    return str(amount)


def _another_photo(turn: Turn, ctx: Context) -> None:
    """A picture while the bot asks about the last one: it is the slip to go on with
    (the last one stays with finance as it is)."""
    if turn.kind == "image":
        slip = _submit(ctx, _download(turn, ctx), customer_id=ctx.slots["customer_id"],
                       invoice_id=ctx.slots.get("invoice_id"))
        _go_on_with(slip, ctx.slots["customer_id"], ctx.slots.get("invoice_id"))


def _go_on_with(slip: dict[str, Any], customer_id: int, invoice_id: int | None) -> NoReturn:
    """The slip flow from just after `slip` arrived: its questions, or straight to the answer."""
    raise Redirect(flow=send_slip.name, slots={"customer_id": customer_id, "invoice_id": invoice_id, "slip": slip,
                                               **_known(slip)})


def _declare(ctx: Context, *, amount: Decimal | None, paid_on: date | None) -> None:
    with ctx.db.session() as session, session.begin():
        declare_transfer(session, ctx.slots["slip"]["id"], ctx.slots["customer_id"], amount=amount, paid_on=paid_on,
                         today=ctx.today())


def _ask_paid_on(ctx: Context) -> Messages:
    asked_amount = ctx.slots.get("amount") is not None
    return ([] if asked_amount else [m.text(ctx.say("slip_received_asking"))]) + [_paid_on_question(ctx)]


def _paid_on_question(ctx: Context, said: str | None = None) -> dict[str, Any]:
    today = ctx.today()
    days = [(ctx.say("today_label"), today), (ctx.say("yesterday_label"), today - timedelta(days=1))]
    choices = [m.qr_postback(label, postback_data(PAID_ON_ACTION, d=day.isoformat())) for label, day in days]
    choices.append(m.qr_date_picker(ctx.say("pick_date_label"), postback_data(PAID_ON_ACTION),
                                    latest=today.isoformat(), earliest=earliest_payment_day(today).isoformat()))
    return m.text(said or ctx.say("ask_slip_paid_on"), choices)


def _take_paid_on(turn: Turn, ctx: Context) -> str:
    _another_photo(turn, ctx)
    day: date | None = None
    if turn.kind == "postback" and turn.action == PAID_ON_ACTION:
        day = _iso_day(turn.params.get("date") or turn.data.get("d", ""))
    elif turn.kind == "text" and turn.parse and (found := turn.parse.first("date")):
        day = found.normalised
    if day is None:
        raise Invalid(_paid_on_question(ctx, ctx.say("slip_paid_on_invalid")))
    try:
        _declare(ctx, amount=None, paid_on=day)
    except BillingError as refused:
        raise Invalid(_paid_on_question(ctx, str(refused))) from refused
    return day.isoformat()


def _iso_day(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _finish(ctx: Context) -> Messages:
    slip = ctx.slots["slip"]
    amount = slip["amount"] or ctx.slots.get("amount")
    paid_at = datetime.fromisoformat(slip["paid_at"]) if slip["paid_at"] else None
    if paid_at is None and ctx.slots.get("paid_on"):
        paid_at = datetime.combine(date.fromisoformat(ctx.slots["paid_on"]), datetime.min.time(), BANGKOK)
    out = [cards.slip_message(
        slip["status"], profile=ctx.profile, amount=Decimal(amount) if amount else None, paid_at=paid_at,
        bank=slip["bank"], reference=slip["reference"],
    )]
    if slip["status"] == "pending" and not slip["qr_read"]:
        out.append(m.text(ctx.say("slip_qr_unread")))
    return out


def _reached(ctx: Context, slots: Mapping[str, Any]) -> bool:
    """A paused request for a slip is done once a slip came in some other way (the web form)."""
    if "slip" in slots or "since" not in slots:
        return False
    with ctx.db.session() as session:
        return sent_since(session, slots["customer_id"], datetime.fromisoformat(slots["since"]))


send_slip = Flow(
    name="send_slip",
    title="แนบหลักฐานการชำระเงิน",
    begin=_begin,
    steps=(Step("slip", _ask, _take), Step("amount", _ask_amount, _take_amount),
           Step("paid_on", _ask_paid_on, _take_paid_on)),
    finish=_finish,
    reached=_reached,
)


def claim_photo(turn: Turn, ctx: Context) -> Messages | None:
    """A photo sent without choosing a service: a registered resident's slip (its
    QR reads as one) goes straight to finance, asking what its print did not say;
    anything else is passed on."""
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
        slip = _submit(ctx, image, customer_id=customer_id, invoice_id=None)
    except Invalid as invalid:
        return invalid.messages
    _go_on_with(slip, customer_id, None)
