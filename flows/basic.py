"""Answers every organisation gives, whatever modules it runs: greeting, menu,
consent, and what to say when the bot is unsure, a service is not offered, or a
photo or location arrives that no module claims."""
from __future__ import annotations

from typing import Any

import flex_templates
from config.profile import OrgProfile
from flex_templates import intent_data, postback_data
from flows import messages as m
from flows.engine import Context, Messages, Offer, Turn
from flows.texts import contacts_line, intent_label
from services import conversations, learning

CONSENT_VERSION = "1"


def offered_intents(ctx: Context) -> list[str]:
    """The services to suggest: emergency numbers and a person are always at hand anyway."""
    return [i for i in ctx.offer.intents() if i not in ("emergency", "talk_to_staff")]


def suggestions(ctx: Context, intents: list[str], *, miss: str | None = None) -> list[dict[str, Any]]:
    """Quick replies for `intents`, the menu and a person. `miss`: the event whose text the
    bot missed, carried by the intents' buttons so that a tap says what the text meant."""
    reference = {"miss": miss} if miss else {}
    items = [m.qr_postback(intent_label(i), intent_data(i, **reference)) for i in intents]
    items.append(m.qr_postback(ctx.say("menu_label"), postback_data("menu")))
    items.append(m.qr_postback(ctx.say("staff_label"), intent_data("talk_to_staff")))
    return items


def menu(turn: Turn, ctx: Context) -> Messages:
    return [help_menu(ctx.offer, ctx.profile)]


def help_menu(offer: Offer, profile: OrgProfile) -> dict[str, Any]:
    buttons = [{"label": label, "data": intent_data(intent)} for intent, label in offer.services]
    return flex_templates.render("help_menu", {"services": buttons}, profile=profile)


def greet(turn: Turn, ctx: Context) -> Messages:
    return [m.text(ctx.say("greet"), suggestions(ctx, offered_intents(ctx)[:4]))]


def thanks(turn: Turn, ctx: Context) -> Messages:
    return [m.text(ctx.say("thanks"))]


# The documents a service sends in the chat instead of on paper, by an intent only its
# module answers: the greeting asks consent for these and nothing else.
NOTICES_BY_INTENT = {"check_balance": "notices_bills"}


def follow(turn: Turn, ctx: Context) -> Messages:
    """A new friend (or one coming back): welcome, and ask for consent to e-notices when
    the organisation's services send any; otherwise offer its services straight away."""
    notices = [ctx.say(key) for intent, key in NOTICES_BY_INTENT.items() if intent in ctx.offer.answered]
    if not notices:
        return m.with_quick_replies([flex_templates.render("greeting", {"notices": ""}, profile=ctx.profile)],
                                    suggestions(ctx, offered_intents(ctx)[:4]))
    return [flex_templates.render("greeting", {"notices": " ".join(notices), "consent_version": CONSENT_VERSION},
                                  profile=ctx.profile)]


def consent(turn: Turn, ctx: Context) -> Messages:
    accepted = turn.data.get("answer") == "yes"
    version = turn.data.get("v") or CONSENT_VERSION
    with ctx.db.session() as session, session.begin():
        conversations.record_consent(session, ctx.user_id, version if accepted else None)
    body = ctx.say("consent_given", version=version) if accepted else ctx.say("consent_declined")
    return [m.text(body, suggestions(ctx, offered_intents(ctx)[:4]))]


def not_offered(turn: Turn, ctx: Context) -> Messages:
    """An intent whose module this organisation does not run (or not on LINE yet)."""
    intent = turn.parse.intent if turn.parse else turn.data.get("name", "")
    key = "not_on_line_yet" if intent in ctx.offer.intents() else "not_offered"
    return [m.text(ctx.say(key, service=intent_label(intent), contacts=contacts_line(ctx.profile)),
                   suggestions(ctx, []))]


def not_sure(turn: Turn, ctx: Context) -> Messages:
    """Ask rather than guess: the top guesses the organisation actually offers."""
    offered = set(offered_intents(ctx)) | {"emergency", "talk_to_staff", "help"}
    guesses = [i for i, _ in turn.parse.ranking if i in offered and i not in ("talk_to_staff", "help")][:3]
    return [m.text(ctx.say("not_sure"), suggestions(ctx, guesses, miss=record_missed(turn, ctx, "not_sure")))]


def clarify(turn: Turn, ctx: Context) -> Messages | None:
    """Two services the message could mean, too close to pick one: ask which, with both as
    quick replies, rather than answer the wrong one. None when there is nothing to ask
    (one of them is not offered here, or is an emergency, which is never held up)."""
    first, second = turn.parse.alternatives(2) if turn.parse else ("", "")
    if {first, second} & {"emergency", "talk_to_staff"} or not {first, second} <= ctx.offer.answered:
        return None
    return [m.text(ctx.say("clarify", first=intent_label(first), second=intent_label(second)),
                   suggestions(ctx, [first, second], miss=record_missed(turn, ctx, "clarify")))]


def not_understood(turn: Turn, ctx: Context) -> Messages:
    if turn.kind == "text" and len(turn.text) > 1000:
        return [m.text(ctx.say("too_long"), suggestions(ctx, []))]
    miss = record_missed(turn, ctx, "not_understood")
    return [m.text(ctx.say("not_understood"), suggestions(ctx, offered_intents(ctx)[:4], miss=miss))]


def record_missed(turn: Turn, ctx: Context, reason: str) -> str | None:
    """Keep a text the bot could not answer for staff to label (services/learning.py);
    the event id it is kept by, for the quick replies to refer to."""
    if turn.kind != "text" or not turn.event_id:
        return None
    learning.record_miss(ctx.db, event_id=turn.event_id, line_user_id=ctx.user_id, text=turn.text, reason=reason,
                         guess=turn.parse)
    return turn.event_id


def sticker(turn: Turn, ctx: Context) -> Messages:
    return [m.text(ctx.say("sticker"), suggestions(ctx, offered_intents(ctx)[:4]))]


def tab_switched(turn: Turn, ctx: Context) -> Messages:
    """A rich-menu tab: the LINE app has already switched the menu; nothing to say."""
    return []


def media(turn: Turn, ctx: Context) -> Messages:
    """A photo or file outside any flow: ask what it is for rather than drop it."""
    wanted = [i for i in ("send_slip", "complaint", "tax_fee_notice") if i in offered_intents(ctx)]
    return [m.text(ctx.say("media_without_flow"), suggestions(ctx, wanted))]


def location(turn: Turn, ctx: Context) -> Messages:
    wanted = [i for i in ("complaint", "community_info") if i in offered_intents(ctx)]
    return [m.text(ctx.say("location_without_flow"), suggestions(ctx, wanted))]
