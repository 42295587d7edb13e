"""Conversations: the dialog engine and one module per conversation."""
from __future__ import annotations

import flex_templates
from flows import basic, handoff
from flows.engine import Router


def build_router() -> Router:
    """Every way into a conversation, in one table."""
    router = Router(menu=basic.menu, not_sure=basic.not_sure, fallback=basic.not_understood)
    router.intents.update({
        "greet": basic.greet,
        "thanks": basic.thanks,
        "help": basic.menu,
        "emergency": basic.emergency,
        "talk_to_staff": handoff.talk_to_staff,
        **{intent: basic.not_offered for intent in flex_templates.service_intents() - {"emergency"}},
    })
    router.actions.update({"consent": basic.consent, "tab": basic.tab_switched})
    router.events.update({
        "follow": basic.follow,
        "sticker": basic.sticker,
        "image": basic.media,
        "video": basic.media,
        "audio": basic.media,
        "file": basic.media,
        "location": basic.location,
    })
    return router
