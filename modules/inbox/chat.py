"""The resident's side of the inbox: asking for a person, and the bot handing over
when it could not understand twice in a row. Either way the chat waits for staff
(services/inbox.py), and the resident is told once who will answer and when."""
from __future__ import annotations

from flows import messages as m
from flows.engine import Context, Messages, Turn
from nlu.types import Parse
from services import inbox

# Not a topic a unit could own: what a guess of the channel skips.
SOCIAL = {"greet", "thanks", "help", "talk_to_staff", "out_of_scope"}
# A second guess weaker than this says nothing about the topic.
CHANNEL_MIN_CONFIDENCE = 0.15


def channel_of(parse: Parse | None) -> str | None:
    """What the resident is asking about, when the message says so clearly enough
    ("ขอคุยกับเจ้าหน้าที่เรื่องภาษี" → tax_fee_notice); None: unsure, every officer sees it."""
    if parse is None:
        return None
    return next((intent for intent, score in parse.ranking
                 if intent not in SOCIAL and score >= CHANNEL_MIN_CONFIDENCE), None)


def _wait(turn: Turn, ctx: Context, *, reason: str, key: str) -> Messages:
    with ctx.db.session() as session, session.begin():
        waiting = inbox.start_waiting(session, ctx.profile, ctx.user_id, reason=reason, channel=channel_of(turn.parse),
                                      topic=turn.text or None, now=ctx.now())
    if waiting.already:
        return [m.text(ctx.say("handoff_already"))]
    when = ctx.say("staff_answer_now" if waiting.in_hours else "staff_answer_later", hours=waiting.hours)
    return [m.text(ctx.say(key, when=when))]


def talk_to_staff(turn: Turn, ctx: Context) -> Messages:
    return _wait(turn, ctx, reason="asked", key="handoff")


def not_understood_twice(turn: Turn, ctx: Context) -> Messages:
    return _wait(turn, ctx, reason="not_understood", key="handoff_unsure")
