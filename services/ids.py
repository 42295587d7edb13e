"""Record ids as people and postbacks send them: ASCII digits only, in range.

`str.isdigit()` also accepts "²" and Thai digits, which `int()` then refuses or turns
into an id nobody asked for; a 30-digit id overflows the database's BIGINT."""
from __future__ import annotations

MAX_ID = 2**63 - 1


def parse_id(raw: object) -> int | None:
    """The positive id `raw` spells, or None for anything else."""
    if not isinstance(raw, str):
        return None
    text = raw.strip()
    if not (0 < len(text) <= 19 and text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if 0 < value <= MAX_ID else None
