"""The resident's side of the inbox: asking for a person, and the bot handing over
when it could not understand twice in a row. Either way the chat waits for staff
(services/inbox.py), and the resident is told once who will answer and when."""
from __future__ import annotations

import nlu
from flows import basic
from flows import messages as m
from flows.engine import Context, Messages, ParseLike, Turn
from services import inbox, learning

# Not a topic a unit could own: what a guess of the channel skips.
SOCIAL = {"greet", "thanks", "help", "talk_to_staff", "out_of_scope"}
# How many times likelier than any other topic the guessed one must be. A request
# for a person takes nearly all the NLU's confidence ("ขอคุยกับเจ้าหน้าที่เรื่องภาษี"
# is talk_to_staff at 0.9999), so the topic shows in how far the first topic stands
# out from the others: hundreds of times when the message names one, about one to
# three times when it names none (or is not understood at all).
TOPIC_MARGIN = 20.0


def channel_of(parse: ParseLike | None) -> str | None:
    """What the resident is asking about, when the message says so clearly
    ("ขอคุยกับเจ้าหน้าที่เรื่องภาษีขยะ" → tax_fee_notice); None when unsure: the chat
    then waits unsorted, seen by every inbox officer."""
    if parse is None or not parse.ranking or parse.intent == "out_of_scope":
        return None  # a message about nothing the NLU knows has no topic to stand out
    topics = [(intent, score) for intent, score in parse.ranking if intent not in SOCIAL]
    if not topics:
        return None
    # An intent below the ranking (it holds the first few) is no likelier than its last.
    rival = topics[1][1] if len(topics) > 1 else parse.ranking[-1][1]
    intent, score = topics[0]
    return intent if score > 0 and score >= TOPIC_MARGIN * rival else None


def _wait(turn: Turn, ctx: Context, *, reason: str, key: str) -> Messages:
    with ctx.db.session() as session, session.begin():
        waiting = inbox.start_waiting(session, ctx.profile, ctx.user_id, reason=reason, channel=channel_of(turn.parse),
                                      topic=turn.text or None, now=ctx.now())
    if ctx.profile.inbox.staff_group_id:
        ctx.services.sender.wake()  # the staff group's alert, now rather than at the job process's round
    if waiting.already:
        return [m.text(ctx.say("handoff_already"))]
    when = ctx.say("staff_answer_now" if waiting.in_hours else "staff_answer_later", hours=waiting.hours)
    return [m.text(ctx.say(key, when=when))]


def talk_to_staff(turn: Turn, ctx: Context) -> Messages:
    learning.record_asked_for_staff(ctx.db, event_id=turn.event_id, line_user_id=ctx.user_id, now=ctx.now(),
                                    confident_guess=answered_confidently)
    return _wait(turn, ctx, reason="asked", key="handoff")


def answered_confidently(text: str) -> nlu.Parse | None:
    """The bot's reading of a text it answered without asking; None when it asked, or
    when the text was only courtesy or itself a request for a person."""
    parse = nlu.parse(text)
    if not parse.is_confident or parse.needs_choice or parse.intent in SOCIAL:
        return None
    return parse


def not_understood_twice(turn: Turn, ctx: Context) -> Messages:
    basic.record_missed(turn, ctx, "not_understood")
    return _wait(turn, ctx, reason="not_understood", key="handoff_unsure")
