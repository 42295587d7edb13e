"""Service modules: one package each under modules/, holding its descriptor
(`MODULE`, modules/descriptor.py). What an organisation offers is assembled here
from the modules its profile enables: the router, the help menu, the profile's
checks, the staff pages and the jobs. Nothing outside this package names a module.
"""
from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from config.profile import OrgProfile, ProfileError
from config.profile import load_profile as load_profile_schema
from flows import basic
from flows.engine import Claimer, Offer, Router, Target, first_claim
from modules.descriptor import Claim, MenuEntry, Module

__all__ = ["Claim", "MenuEntry", "Module", "all_modules", "build_router", "check", "enabled", "load_profile", "offer"]

# What a photo, a file or a location is taken for when no module claims it.
UNCLAIMED = {"image": basic.media, "video": basic.media, "audio": basic.media, "file": basic.media,
             "location": basic.location}


@cache
def all_modules() -> tuple[Module, ...]:
    """Every module package's descriptor, by key."""
    found = []
    for info in pkgutil.iter_modules(__path__):
        if info.ispkg:
            module = importlib.import_module(f"{__name__}.{info.name}").MODULE
            if module.key != info.name:
                raise RuntimeError(f"modules/{info.name} declares key {module.key!r}")
            found.append(module)
    return tuple(sorted(found, key=lambda m: m.key))


def switches() -> set[str]:
    """What a profile may list under `modules:`."""
    return {m.switch for m in all_modules() if m.switch is not None}


def enabled(profile: OrgProfile) -> list[Module]:
    return [m for m in all_modules() if m.enabled(profile)]


def check(profile: OrgProfile) -> list[str]:
    """What keeps the profile's modules from running, in Thai; empty when nothing does."""
    unknown = sorted(set(profile.modules) - switches())
    problems = [f"ไม่รู้จักโมดูล {', '.join(unknown)} (มี: {', '.join(sorted(switches()))})"] if unknown else []
    for module in enabled(profile):
        if module.check is not None:
            problems += module.check(profile)
    return problems


def load_profile(name_or_path: str) -> OrgProfile:
    """A profile that validates and whose modules can run: everything a deployment
    needs from it is found at start, not when a resident first asks."""
    profile = load_profile_schema(name_or_path)
    problems = check(profile)
    if problems:
        raise ProfileError(f"{name_or_path}: {'; '.join(problems)}")
    return profile


def offer(profile: OrgProfile) -> Offer:
    """The help menu's services in their order (a service two modules offer appears
    once), and the intents the enabled modules answer."""
    entries: list[MenuEntry] = sorted((e for m in enabled(profile) for e in m.menu), key=lambda e: e.position)
    seen: dict[str, str] = {}
    for entry in entries:
        seen.setdefault(entry.intent, entry.label_for(profile))
    return Offer(tuple(seen.items()), frozenset(i for m in enabled(profile) for i in m.intents))


def build_router(profile: OrgProfile) -> Router:
    """Every way into a conversation. An intent of a module this organisation does
    not run answers politely with its phone numbers instead."""
    router = Router(menu=basic.menu, not_sure=basic.not_sure, clarify=basic.clarify, fallback=basic.not_understood,
                    offer=offer(profile),
                    escalate=next((m.escalate for m in enabled(profile) if m.escalate), None))
    router.intents.update({"greet": basic.greet, "thanks": basic.thanks, "help": basic.menu})
    router.actions.update({"consent": basic.consent, "tab": basic.tab_switched})
    router.events.update({"follow": basic.follow, "sticker": basic.sticker})
    for module in all_modules():
        for intent in [*module.intents, *(e.intent for e in module.menu)]:
            router.intents[intent] = basic.not_offered
    answering = [m for m in all_modules() if m.enabled(profile) or m.always_answers]
    _add(router.intents, [(i, t, m.key) for m in answering for i, t in m.intents.items()])
    _add(router.actions, [(a, t, m.key) for m in answering for a, t in m.actions.items()])
    claims: list[Claim] = sorted((c for m in enabled(profile) for c in m.claims), key=lambda c: c.rank)
    for kind, last in UNCLAIMED.items():
        chain: list[Claimer] = [c.claimer for c in claims if c.kind == kind]
        router.events[kind] = first_claim(chain, last) if chain else last
    return router


def _add(table: dict[str, Target], entries: list[tuple[str, Target, str]]) -> None:
    owner: dict[str, str] = {}
    for name, target, key in entries:
        if name in owner:
            raise RuntimeError(f"'{name}' is answered by both modules {owner[name]} and {key}")
        owner[name] = key
        table[name] = target
