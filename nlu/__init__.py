"""Thai NLU: `parse(text)` gives the intent (SPEC §5.1), its confidence and the entities."""
from .pipeline import parse
from .types import CLARIFY_MARGIN, CONFIDENCE_THRESHOLD, INTENTS, Entity, Parse

__all__ = ["CLARIFY_MARGIN", "CONFIDENCE_THRESHOLD", "INTENTS", "Entity", "Parse", "parse"]
