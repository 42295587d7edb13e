"""Entities defined by the training data: regex patterns (codes, numbers) and lookups with synonyms."""
from __future__ import annotations

import re
from collections.abc import Iterator

from rapidfuzz import fuzz, process

from ..types import Entity

# Typos are forgiven in longer names only: a short word off by one letter is another word.
FUZZY_MIN_LENGTH = 7
FUZZY_CUTOFF = 90.0
# Only ASCII is case-folded, which keeps every index of the text unchanged.
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


class PatternSet:
    """Rasa-style regexes per entity type. A named group `value` marks the part to keep,
    so a pattern may require context ('เลขสมาชิก 12345') without capturing it."""

    def __init__(self, regexes: dict[str, list[str]]) -> None:
        self._patterns = [(etype, re.compile(p, re.IGNORECASE)) for etype, ps in regexes.items() for p in ps]

    def find(self, text: str) -> Iterator[Entity]:
        for etype, pattern in self._patterns:
            for m in pattern.finditer(text):
                group = "value" if "value" in pattern.groupindex else 0
                if m.group(group):
                    raw = m.group(group)
                    yield Entity(etype, raw, re.sub(r"\s", "", raw).upper(), m.start(group), m.end(group))


class Lookup:
    """Surface forms of one entity type (e.g. department) mapped to canonical keys by synonyms."""

    def __init__(self, etype: str, forms: list[str], synonyms: dict[str, str]) -> None:
        self.etype = etype
        self._canonical = {f.translate(_ASCII_LOWER): synonyms.get(f, f) for f in forms}
        self._exact = sorted(self._canonical, key=len, reverse=True)
        self._fuzzy = [f for f in self._exact if len(f) >= FUZZY_MIN_LENGTH]
        # A fuzzy find must cover 80% of its form, so a shorter text can never give one.
        self._fuzzy_min_text = min((0.8 * len(f) for f in self._fuzzy), default=0.0)

    def find(self, text: str) -> Iterator[Entity]:
        lowered = text.translate(_ASCII_LOWER)
        taken: list[tuple[int, int]] = []
        for form in self._exact:
            start = lowered.find(form)
            while start >= 0:
                end = start + len(form)
                if not any(s < end and start < e for s, e in taken):
                    taken.append((start, end))
                    yield Entity(self.etype, text[start:end], self._canonical[form], start, end)
                start = lowered.find(form, end)
        if taken or not self._fuzzy or len(lowered) < self._fuzzy_min_text:
            return
        best = process.extractOne(lowered, self._fuzzy, scorer=fuzz.partial_ratio, score_cutoff=FUZZY_CUTOFF)
        if best is None:
            return
        form = best[0]
        alignment = fuzz.partial_ratio_alignment(form, lowered)
        start, end = alignment.dest_start, alignment.dest_end
        if end - start >= 0.8 * len(form):
            yield Entity(self.etype, text[start:end], self._canonical[form], start, end)
