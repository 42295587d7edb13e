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
from services import conversations

CONSENT_VERSION = "1"


def offered_intents(ctx: Context) -> list[str]:
    """The services to suggest: emergency numbers and a person are always at hand anyway."""
    return [i for i in ctx.offer.intents() if i not in ("emergency", "talk_to_staff")]


def suggestions(ctx: Context, intents: list[str]) -> list[dict[str, Any]]:
    items = [m.qr_postback(intent_label(i), intent_data(i)) for i in intents]
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


def follow(turn: Turn, ctx: Context) -> Messages:
    """A new friend (or one coming back): welcome and ask for consent to e-notices."""
    return [flex_templates.render("greeting", {"consent_version": CONSENT_VERSION}, profile=ctx.profile)]


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
    return [m.text(ctx.say("not_sure"), suggestions(ctx, guesses))]


def clarify(turn: Turn, ctx: Context) -> Messages | None:
    """Two services the message could mean, too close to pick one: ask which, with both as
    quick replies, rather than answer the wrong one. None when there is nothing to ask
    (one of them is not offered here, or is an emergency, which is never held up)."""
    first, second = turn.parse.alternatives(2) if turn.parse else ("", "")
    if {first, second} & {"emergency", "talk_to_staff"} or not {first, second} <= ctx.offer.answered:
        return None
    return [m.text(ctx.say("clarify", first=intent_label(first), second=intent_label(second)),
                   suggestions(ctx, [first, second]))]


def not_understood(turn: Turn, ctx: Context) -> Messages:
    if turn.kind == "text" and len(turn.text) > 1000:
        return [m.text(ctx.say("too_long"), suggestions(ctx, []))]
    return [m.text(ctx.say("not_understood"), suggestions(ctx, offered_intents(ctx)[:4]))]


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
