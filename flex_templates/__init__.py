"""Flex Message design system: JSON templates (pasteable into LINE's Flex Message
Simulator) filled by a renderer that works on the parsed tree (docs/flex.md).

    render("help_menu", {}, profile=load_profile("tenant"))
    -> {"type": "flex", "altText": "...", "contents": {...}}
"""
from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from config.profile import OrgProfile
from thai.phones import format_phone

from .frozen import freeze
from .limits import ALT_TEXT_MAX, CAROUSEL_MAX_BUBBLES, LimitError, check_message
from .postback import intent_data, parse_postback, postback_data
from .renderer import TemplateError, fill
from .samples import sample_context

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
T = TypeVar("T")

__all__ = [
    "LimitError", "TemplateError", "TEMPLATES_DIR", "check_message", "intent_data", "org_scope", "page",
    "parse_postback", "postback_data", "render", "sample_context", "template_names",
]


def template_names() -> list[str]:
    return sorted(p.stem for p in TEMPLATES_DIR.glob("*.json"))


@cache
def _template(name: str) -> dict[str, Any]:
    """Parsed once per process and read-only: filling builds a new message from it."""
    path = TEMPLATES_DIR / f"{name}.json"
    if not path.is_file():
        raise TemplateError(f"no template '{name}'; templates: {', '.join(template_names())}")
    return freeze(json.loads(path.read_text(encoding="utf-8")))


_per_profile: dict[tuple[int, str], tuple[OrgProfile, Any]] = {}


def _once_per_profile(profile: OrgProfile, what: str, make: Callable[[], T]) -> T:
    """What depends on a profile alone is made once per process: profiles are frozen,
    and so is what is made here, since every caller shares it. (Their lists make
    profiles unhashable, so the key is the id, and the profile is kept with the value
    so that the id cannot be reused meanwhile.)"""
    key = (id(profile), what)
    made = _per_profile.get(key)
    if made is None or made[0] is not profile:
        made = _per_profile[key] = (profile, freeze(make()))
    return made[1]


def org_scope(profile: OrgProfile) -> dict[str, Any]:
    """What every template may use as ``org.*``."""
    return _once_per_profile(profile, "org", lambda: _org_scope(profile))


def _org_scope(profile: OrgProfile) -> dict[str, Any]:
    logo = profile.logo if profile.logo and profile.logo.startswith("https://") else None
    numbers = [{"label": n.label, "number": n.number, "shown": format_phone(n.number)}
               for n in profile.emergency_numbers]
    return {
        "name": profile.name,
        "short_name": profile.short_name,
        "particle": profile.polite_particle,
        "question": profile.question_particle,  # ends a question: คะ / ครับ
        "primary": profile.colours.primary,
        "secondary": profile.colours.secondary,
        "text_on_primary": profile.colours.text_on_primary,
        "logo_url": logo,
        "emergency_numbers": numbers,
        "emergency_summary": " · ".join(f"{n['label']} {n['shown']}" for n in numbers),
    }


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def render(name: str, context: Mapping[str, Any], *, profile: OrgProfile) -> dict[str, Any]:
    """The complete LINE message for template ``name`` filled with ``context``.

    Raises TemplateError for a missing or badly typed value and LimitError when
    the result would break one of LINE's limits. A message without a context (the
    menu, the emergency numbers) is the same for everyone, made once per profile and
    read-only: changing it raises TypeError; change a ``copy.deepcopy`` of it instead
    (as flows.messages does to add quick replies).
    """
    if not context:
        return _once_per_profile(profile, f"render:{name}", lambda: _render(name, {}, profile))
    return _render(name, context, profile)


def _render(name: str, context: Mapping[str, Any], profile: OrgProfile) -> dict[str, Any]:
    if "org" in context:
        raise TemplateError(f"template '{name}': 'org' comes from the profile, not the context")
    alt_text, contents = fill(name, _template(name), {**context, "org": org_scope(profile)})
    message = {"type": "flex", "altText": _shorten(" ".join(alt_text.split()), ALT_TEXT_MAX), "contents": contents}
    check_message(message)
    return message


def page(items: Sequence[Any], number: int, *, intent: str, **params: str | int) -> dict[str, Any]:
    """Context for page ``number`` (1-based) of a long list_carousel: the items that
    fit and, when more remain, a "more" bubble whose postback asks ``intent`` for
    the next page (``action=intent&name=<intent>&page=<n+1>``)."""
    per_page = CAROUSEL_MAX_BUBBLES - 1
    start = (number - 1) * per_page
    rest = items[start:]
    if len(rest) <= CAROUSEL_MAX_BUBBLES:
        return {"items": list(rest)}
    return {
        "items": list(rest[:per_page]),
        "more": {
            "remaining": len(rest) - per_page,
            "data": intent_data(intent, page=number + 1, **params),
        },
    }
