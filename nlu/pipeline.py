"""`parse()`: normalise → classify intent → extract entities, with the model loaded once per process."""
from __future__ import annotations

import logging
import os
import re
import threading
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .data import DICTIONARY_FILE, TRAINING_FILE, load_yaml
from .entities import EntityExtractor
from .model import IntentModel, load_or_train
from .normalise import normalise
from .rasa import RasaUnavailable, rasa_parse
from .requests import second_request
from .social import GREET, THANKS, split
from .types import OUT_OF_SCOPE, Entity, Parse

log = logging.getLogger(__name__)

RANKING_SIZE = 5
# The request inside a greeting or thank-you decides the intent only when the model is at
# least this sure of it: what follows "สวัสดีค่ะ" is as often a self-introduction ("ยายเองนะ",
# "ลูกบ้านหมู่ 7") or an acknowledgement ("ได้รับแล้ว") as a request. Tuned on the
# cross-validation and held-out sets (docs/nlu.md).
REQUEST_CONFIDENCE = 0.8
# ... and only when the whole message gives that intent some weight too: "สวัสดีครับ เทศบาล"
# greets the municipality, it does not ask where it is.
REQUEST_SUPPORT = 0.02
_HAS_WORD = re.compile(r"[^\W\d_]")


@dataclass
class Engine:
    model: IntentModel
    extractor: EntityExtractor

    @classmethod
    def build(cls, data_file: Path = TRAINING_FILE, dictionary_file: Path = DICTIONARY_FILE) -> Engine:
        data = load_yaml(data_file)
        return cls(load_or_train(data_file, dictionary_file, data=data), EntityExtractor(data))

    def parse(self, text: object, today: date | None = None) -> Parse:
        clean = normalise(text)
        today = today or date.today()
        entities = self.extractor.extract(clean, today)
        if rasa_url := os.environ.get("RASA_URL"):
            try:
                return self._from_rasa(rasa_url, clean, entities)
            except RasaUnavailable:
                pass
        if not _HAS_WORD.search(clean):
            # Nothing but digits or symbols: a bare answer to a question (a phone, an amount),
            # which the flow in progress interprets; no intent of its own.
            return Parse(clean, OUT_OF_SCOPE, 1.0, [(OUT_OF_SCOPE, 1.0)], entities)
        ranking, social = self._classify(clean)
        request = split(clean).request if social else clean
        also = second_request(request, ranking, self.model.rank)
        return Parse(clean, ranking[0][0], ranking[0][1], ranking[:RANKING_SIZE], entities, social=social,
                     also=also)

    def _classify(self, clean: str) -> tuple[list[tuple[str, float]], tuple[str, ...]]:
        """The ranking of the request inside any greeting or thank-you, and those courtesies;
        greet/thanks win only when the message asks nothing else."""
        whole = self.model.rank(clean)
        courtesy = split(clean)
        if courtesy.acts and _HAS_WORD.search(courtesy.request):
            ranking = self.model.rank(courtesy.request)
            intent, confidence = ranking[0]
            # "ขอบคุณ…นะคะ แต่…": a "but" after the courtesy announces the request.
            supported = dict(whole)[intent] >= REQUEST_SUPPORT or courtesy.request.startswith("แต่")
            if intent not in (GREET, THANKS, OUT_OF_SCOPE) and confidence >= REQUEST_CONFIDENCE and supported:
                return ranking, courtesy.acts
        return whole, ()

    @staticmethod
    def _from_rasa(url: str, clean: str, ours: list[Entity]) -> Parse:
        ranking, raw_entities = rasa_parse(url, clean)
        ranking = ranking[:RANKING_SIZE] or [(OUT_OF_SCOPE, 0.0)]
        # Our extractors give typed values (Decimal, date ...); Rasa adds the types we lack.
        known = {e.type for e in ours}
        extra = []
        for item in raw_entities:
            start, end = item.get("start"), item.get("end")
            if item.get("entity") in known or not isinstance(start, int) or not isinstance(end, int):
                continue
            extra.append(Entity(str(item["entity"]), clean[start:end], item.get("value"), start, end))
        entities = sorted([*ours, *extra], key=lambda e: e.start)
        return Parse(clean, ranking[0][0], ranking[0][1], ranking, entities)


_engine: Engine | None = None
_lock = threading.Lock()


def engine() -> Engine:
    """The process-wide engine, trained or loaded from the cache on first use."""
    global _engine
    if _engine is None:
        with _lock:
            if _engine is None:
                _engine = Engine.build()
    return _engine


def parse(text: str, *, today: date | None = None) -> Parse:
    """Understand one resident message. Never raises for any input."""
    try:
        return engine().parse(text, today)
    except Exception:  # noqa: BLE001 - a message the NLU cannot read must not break the chat
        log.exception("NLU failed on a message; answering out_of_scope")
        return Parse(normalise(text) if isinstance(text, str) else "", OUT_OF_SCOPE, 0.0, [(OUT_OF_SCOPE, 0.0)], [])
