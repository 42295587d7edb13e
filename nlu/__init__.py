"""Thai NLU: `parse(text)` gives the intent (SPEC §5.1), its confidence and the entities."""
from .pipeline import parse
from .types import CONFIDENCE_THRESHOLD, INTENTS, Entity, Parse

__all__ = ["CONFIDENCE_THRESHOLD", "INTENTS", "Entity", "Parse", "parse"]
