"""Registering a LINE user to a customer account (S0-1) and managing the links (S0-3).

Register: customer code → mobile on file → OTP → consent for e-notices → linked.
The OTP only ever goes to a number on file for that code, and the answer to a
wrong pair is word for word the answer to a right one (services/identity/otp.py).
A resident sent here from a bill ("register first") is taken on to that bill.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.orm import Session

import flex_templates
import rich_menus
from flex_templates import intent_data, postback_data
from flows import cards
from flows import messages as m
from flows.basic import CONSENT_VERSION
from flows.engine import Context, Flow, Invalid, Messages, Redirect, Step, Turn
from flows.texts import intent_label, text_table
from services import conversations
from services.billing.accounts import customer_info, normalise_code
from services.identity import linking
from services.identity.otp import OtpPolicy, start_registration, verify_otp
from services.identity.sms import send_soon
from services.ids import parse_id

REGISTER = "register"
T = TypeVar("T")


def _code_words(ctx: Context) -> dict[str, str]:
    return text_table("customer_code")[ctx.profile.kind]


def _policy(ctx: Context) -> OtpPolicy:
    return OtpPolicy(secret=ctx.services.secret_key, polite=ctx.profile.polite_particle)


def active_customer(ctx: Context, intent: str, **params: Any) -> int:
    """The account the menus show; a resident with none is sent to register and
    then brought back to ``intent`` (with ``params``)."""
    with ctx.db.session() as session:
        customer_id = linking.active_customer_id(session, ctx.user_id)
    if customer_id is None:
        raise Redirect(m.text(ctx.say("register_first")), flow=REGISTER, slots={"then": {"intent": intent, **params}})
    return customer_id


def among_linked(ctx: Context, find: Callable[[Session, int], T | None]) -> T | None:
    """What ``find(session, customer_id)`` finds in one of this LINE user's linked
    accounts: an id from someone else's postback finds nothing."""
    with ctx.db.session() as session:
        for account in linking.linked_accounts(session, ctx.user_id):
            found = find(session, account.customer_id)
            if found is not None:
                return found
    return None


# -- the register flow ---------------------------------------------------------------
def _begin(turn: Turn, ctx: Context) -> Messages | None:
    """"ลงทะเบียน T0001" starts with the code already given."""
    for entity in (turn.parse.entities if turn.parse else []):
        if entity.type == "customer_code" and _code_fits(ctx, entity.normalised):
            if _already_linked(ctx, entity.normalised):
                return [m.text(ctx.say("already_linked", code=entity.normalised))]
            ctx.slots["customer_code"] = entity.normalised
    return None


def _already_linked(ctx: Context, code: str) -> bool:
    with ctx.db.session() as session:
        return any(a.code == code for a in linking.linked_accounts(session, ctx.user_id))


def _code_fits(ctx: Context, code: str) -> bool:
    return bool(re.fullmatch(ctx.profile.customer_code_pattern, code))


def _ask_code(ctx: Context) -> Messages:
    return [m.text(ctx.say("ask_customer_code", code_name=_code_words(ctx)["name"],
                           example=_code_words(ctx)["example"]))]


def _take_code(turn: Turn, ctx: Context) -> str:
    code = normalise_code(turn.text)
    if turn.kind != "text" or not _code_fits(ctx, code):
        raise Invalid(ctx.say("bad_customer_code", code_name=_code_words(ctx)["name"],
                              example=_code_words(ctx)["example"]))
    if _already_linked(ctx, code):
        raise Invalid(ctx.say("already_linked", code=code))
    return code


def _ask_phone(ctx: Context) -> Messages:
    return [m.text(ctx.say("ask_phone"))]


def _send_otp(ctx: Context, phone: str) -> dict[str, str]:
    with ctx.db.session() as session, session.begin():
        result = start_registration(session, customer_code=ctx.slots["customer_code"], phone=phone,
                                    line_user_id=ctx.user_id, policy=_policy(ctx), now=ctx.now())
    if result.status != "sent":
        raise Invalid(result.message)
    # For a pair that matched and one that did not alike: the answer waits for neither.
    send_soon(ctx.db, ctx.services.sms)
    return {"phone": phone, "notice": result.message}


def _take_phone(turn: Turn, ctx: Context) -> dict[str, str]:
    if turn.kind != "text":
        raise Invalid(*_ask_phone(ctx))
    # The service checks and words a bad number, so every channel says the same.
    return _send_otp(ctx, turn.text)


def _otp_quick_replies(ctx: Context) -> list[dict[str, Any]]:
    return [m.qr_postback(ctx.say("otp_resend_label"), postback_data("otp", op="resend"))]


def _ask_otp(ctx: Context) -> Messages:
    notice = ctx.slots["phone"]["notice"]
    return [m.text(notice), m.text(ctx.say("ask_otp"), _otp_quick_replies(ctx))]


def _take_otp(turn: Turn, ctx: Context) -> int:
    if turn.kind == "postback" and turn.action == "otp" and turn.data.get("op") == "resend":
        sent = _send_otp(ctx, ctx.slots["phone"]["phone"])
        raise Invalid(m.text(sent["notice"], _otp_quick_replies(ctx)))
    if turn.kind != "text":
        raise Invalid(m.text(ctx.say("ask_otp"), _otp_quick_replies(ctx)))
    with ctx.db.session() as session, session.begin():
        result = verify_otp(session, line_user_id=ctx.user_id, code=turn.text, policy=_policy(ctx), now=ctx.now())
    if result.status != "verified" or result.customer_id is None:
        raise Invalid(m.text(result.message, _otp_quick_replies(ctx)))
    if ctx.channel is not None:
        ctx.channel.link_menu(ctx.user_id, rich_menus.member_menu(ctx.profile).key)
    with ctx.db.session() as session:
        if conversations.consent_of(session, ctx.user_id) == CONSENT_VERSION:
            ctx.slots["consent"] = CONSENT_VERSION  # already given on the greeting: not asked twice
    return result.customer_id


def _ask_consent(ctx: Context) -> Messages:
    return [m.text(ctx.say("ask_consent", version=CONSENT_VERSION), [
        m.qr_postback(ctx.say("consent_yes_label"), postback_data("consent", answer="yes", v=CONSENT_VERSION)),
        m.qr_postback(ctx.say("consent_no_label"), postback_data("consent", answer="no", v=CONSENT_VERSION)),
    ])]


def _take_consent(turn: Turn, ctx: Context) -> str | None:
    if turn.kind == "postback" and turn.action == "consent":
        return CONSENT_VERSION if turn.data.get("answer") == "yes" else ""
    if turn.kind == "text" and turn.text.strip() in ("ยินยอม", "ตกลง", "ใช่"):
        return CONSENT_VERSION
    if turn.kind == "text" and turn.text.strip() in ("ไม่ยินยอม", "ไม่"):
        return ""
    raise Invalid(*_ask_consent(ctx))


def _finish(ctx: Context) -> Messages:
    consent = ctx.slots["consent"] or None
    with ctx.db.session() as session, session.begin():
        conversations.record_consent(session, ctx.user_id, consent)
        info = customer_info(session, ctx.slots["otp"])
    notices = ctx.say("registered_notices_on" if consent else "registered_notices_off")
    done = m.text(ctx.say("registered", code=info.code, name=info.name, notices=notices))
    then = ctx.slots.get("then")
    if then:  # the bill (or receipts, or slip) asked for before registering
        raise Redirect(done, intent=then["intent"], params={k: v for k, v in then.items() if k != "intent"})
    return [done, m.text(ctx.say("registered_next"), [
        m.qr_postback(intent_label(i), intent_data(i))
        for i in ("check_balance", "pay_bill", "receipts", "account_info")])]


register = Flow(
    name=REGISTER,
    title="ลงทะเบียนเชื่อมบัญชี",
    begin=_begin,
    steps=(
        Step("customer_code", _ask_code, _take_code),
        Step("phone", _ask_phone, _take_phone),
        Step("otp", _ask_otp, _take_otp),
        Step("consent", _ask_consent, _take_consent),
    ),
    finish=_finish,
)


# -- account info, switching, unlinking ----------------------------------------------
def account_info(turn: Turn, ctx: Context) -> Messages:
    active_customer(ctx, "account_info")
    if "switch" in turn.data:
        return _switch(ctx, turn.data["switch"])
    if "unlink" in turn.data:
        return _unlink(ctx, turn.data["unlink"], confirmed=turn.data.get("confirm") == "1")
    return [_accounts_card(ctx)]


def _accounts_card(ctx: Context) -> dict[str, Any]:
    with ctx.db.session() as session:
        accounts = [(customer_info(session, a.customer_id), a.active)
                    for a in linking.linked_accounts(session, ctx.user_id)]
    return cards.account_message(accounts, profile=ctx.profile)


def _switch(ctx: Context, raw: str) -> Messages:
    customer_id = parse_id(raw)
    with ctx.db.session() as session, session.begin():
        switched = customer_id is not None and linking.switch_active(session, ctx.user_id, customer_id)
        info = customer_info(session, customer_id) if switched else None
    if info is None:
        return [m.text(ctx.say("account_not_found"))]
    return [m.text(ctx.say("account_switched", code=info.code, name=info.name)), _accounts_card(ctx)]


def _unlink(ctx: Context, raw: str, *, confirmed: bool) -> Messages:
    customer_id = parse_id(raw)
    with ctx.db.session() as session, session.begin():
        if customer_id is None or not linking.can_see(session, ctx.user_id, customer_id):
            return [m.text(ctx.say("account_not_found"))]
        info = customer_info(session, customer_id)
        if confirmed:
            linking.unlink(session, ctx.user_id, customer_id)
            left = linking.linked_accounts(session, ctx.user_id)
    if not confirmed:
        return [flex_templates.render("confirmation", {
            "question": ctx.say("unlink_question", code=info.code, name=info.name),
            "detail": ctx.say("unlink_detail"),
            "facts": [],
            "confirm_label": ctx.say("unlink_confirm_label"),
            "confirm_data": intent_data("account_info", unlink=customer_id, confirm=1),
            "cancel_data": postback_data("cancel"),
        }, profile=ctx.profile)]
    if not left and ctx.channel:
        ctx.channel.link_menu(ctx.user_id, None)
    out = [m.text(ctx.say("unlinked", code=info.code))]
    return out + ([_accounts_card(ctx)] if left else [])
