"""Bot wording from ``texts.yml``, with the organisation's polite particle filled in."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from config.profile import OrgProfile


@lru_cache(maxsize=1)
def _texts() -> dict[str, Any]:
    return yaml.safe_load((Path(__file__).with_name("texts.yml")).read_text(encoding="utf-8"))


def say(key: str, profile: OrgProfile, **values: Any) -> str:
    """{ka} ends a statement (ค่ะ / ครับ); {q} ends a question (คะ / ครับ)."""
    return _texts()[key].format(ka=profile.polite_particle, q=profile.question_particle, org=profile.short_name,
                                **values)


def text_table(key: str) -> dict[str, Any]:
    """A nested table of wording (e.g. what each kind of organisation calls a customer code)."""
    return _texts()[key]


def intent_label(intent: str) -> str:
    return _texts()["intent_labels"].get(intent, intent)


def contacts_line(profile: OrgProfile) -> str:
    return ", ".join(f"{c.label} โทร {c.number}" for c in profile.contacts) or "สำนักงาน"
