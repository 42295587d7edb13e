"""A resident asks for a person: the chat goes to staff (manual mode)."""
from __future__ import annotations

from flows import messages as m
from flows.engine import Context, Messages, Turn
from services import conversations


def talk_to_staff(turn: Turn, ctx: Context) -> Messages:
    with ctx.db.session() as session, session.begin():
        already = conversations.is_manual(session, ctx.user_id)
        conversations.switch_to_manual(session, ctx.user_id, topic=turn.text or None)
    return [m.text(ctx.say("handoff_already" if already else "handoff"))]
