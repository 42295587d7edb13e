"""Bot wording from ``texts.yml``, with the organisation's polite particle filled in."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from config.profile import OrgProfile
from thai.phones import format_phone


@lru_cache(maxsize=1)
def _texts() -> dict[str, Any]:
    return yaml.safe_load((Path(__file__).with_name("texts.yml")).read_text(encoding="utf-8"))


# A particle written against a number, a Latin word or a closing quote reads as part of it
# ("2569ค่ะ", "LINEค่ะ", "“…”ค่ะ"); Thai sets it apart with a space.
_PARTICLE_UNSPACED = re.compile(r"(?<=[0-9๐-๙A-Za-z”\")])(?=(?:ค่ะ|คะ|ครับ)(?![ก-๛]))")


def say(key: str, profile: OrgProfile, **values: Any) -> str:
    """{ka} ends a statement (ค่ะ / ครับ); {q} ends a question (คะ / ครับ)."""
    said = _texts()[key].format(ka=profile.polite_particle, q=profile.question_particle, org=profile.short_name,
                                **values)
    return _PARTICLE_UNSPACED.sub(" ", said)


def text_table(key: str) -> dict[str, Any]:
    """A nested table of wording (e.g. what each kind of organisation calls a customer code)."""
    return _texts()[key]


def intent_label(intent: str) -> str:
    return _texts()["intent_labels"].get(intent, intent)


def contacts_line(profile: OrgProfile) -> str:
    return ", ".join(f"{c.label} โทร {format_phone(c.number)}" for c in profile.contacts) or "สำนักงาน"
