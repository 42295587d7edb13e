"""Conversations: the dialog engine and one module per conversation."""
from __future__ import annotations

import flex_templates
from flows import accounts, basic, bills, handoff, slips
from flows.engine import Router
from config.profile import OrgProfile


def build_router(profile: OrgProfile) -> Router:
    """Every way into a conversation, in one table. A service the organisation
    does not run answers politely with its phone numbers instead."""
    router = Router(menu=basic.menu, not_sure=basic.not_sure, fallback=basic.not_understood)
    router.intents.update({
        "greet": basic.greet,
        "thanks": basic.thanks,
        "help": basic.menu,
        "emergency": basic.emergency,
        "talk_to_staff": handoff.talk_to_staff,
        **{intent: basic.not_offered for intent in flex_templates.service_intents() - {"emergency"}},
        "register": basic.not_offered,
        "pay_bill": basic.not_offered,
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
    if profile.has("accounts"):
        router.intents.update({
            "register": accounts.register,
            "account_info": accounts.account_info,
            "check_balance": bills.check_balance,
            "pay_bill": bills.pay_bill,
            "receipts": bills.receipts,
            "send_slip": slips.send_slip,
        })
        router.events["image"] = slips.media
    return router
