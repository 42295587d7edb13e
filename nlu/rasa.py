"""Optional backend: a Rasa server's `/model/parse` (Rasa runs as its own process, SPEC §7)."""
from __future__ import annotations

import logging

import requests

from .types import INTENTS, OUT_OF_SCOPE

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 2.0


class RasaUnavailable(Exception):
    """The Rasa server did not give a usable answer; the built-in pipeline answers instead."""


def rasa_parse(base_url: str, text: str) -> tuple[list[tuple[str, float]], list[dict]]:
    """The ranking (our intent names, best first) and the raw entities of Rasa's answer."""
    try:
        response = requests.post(f"{base_url.rstrip('/')}/model/parse", json={"text": text}, timeout=TIMEOUT_SECONDS)
        response.raise_for_status()
        body = response.json()
        ranking = body.get("intent_ranking") or [body["intent"]]
        scores: dict[str, float] = {}
        for item in ranking:
            # Intents this product does not know are, for the bot, out of scope.
            name = item["name"] if item.get("name") in INTENTS else OUT_OF_SCOPE
            scores[name] = max(scores.get(name, 0.0), float(item.get("confidence") or 0.0))
        entities = [e for e in body.get("entities") or [] if isinstance(e, dict)]
    except (requests.RequestException, ValueError, KeyError, TypeError) as exc:
        log.warning("Rasa at %s failed (%s); using the built-in NLU", base_url, exc)
        raise RasaUnavailable(str(exc)) from exc
    return sorted(scores.items(), key=lambda kv: -kv[1]), entities
