"""The emulator instance behind one Flask app: configuration, store and webhook sender."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app

from emulator.store import Store
from emulator.webhook import WebhookSender


@dataclass
class Emulator:
    config: dict[str, Any]
    store: Store
    sender: WebhookSender


def emulator() -> Emulator:
    return current_app.extensions["line_emulator"]
