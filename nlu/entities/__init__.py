"""Entity extraction: every extractor proposes spans; earlier extractors win overlaps."""
from __future__ import annotations

from datetime import date

from ..data import NluData
from ..types import Entity
from .numbers import amounts, national_ids, phones
from .vocab import Lookup, PatternSet
from .when import dates, periods, times

__all__ = ["EntityExtractor"]


class EntityExtractor:
    def __init__(self, data: NluData) -> None:
        self._patterns = PatternSet(data.regexes)
        self._lookups = [Lookup(etype, forms, data.synonyms) for etype, forms in data.lookups.items()]

    def extract(self, text: str, today: date) -> list[Entity]:
        # Order is priority: an ID is not a phone, a code is not an amount, a date is not money,
        # '15 ต.ค.' is a day, not the month, and 'ตุลา 2569' a month, not money.
        found: list[Entity] = []
        groups = [national_ids(text), phones(text), self._patterns.find(text), dates(text, today),
                  periods(text, today), times(text), amounts(text), *(lookup.find(text) for lookup in self._lookups)]
        for group in groups:
            for entity in sorted(map(_trimmed, group), key=lambda e: (e.start, -(e.end - e.start))):
                if not any(entity.start < e.end and e.start < entity.end for e in found):
                    found.append(entity)
        return sorted(found, key=lambda e: e.start)


def _trimmed(entity: Entity) -> Entity:
    # Patterns allow a space before optional suffixes; a span never ends in one.
    value = entity.value.rstrip()
    if value == entity.value:
        return entity
    return Entity(entity.type, value, entity.normalised, entity.start, entity.start + len(value))
