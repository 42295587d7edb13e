"""Structured logs: one JSON object a line, carrying the webhook event id.

A traceback is logged with its frames and exception types but not their messages:
a message may quote what a resident typed (the ValueError of int("...")). The event's
own error, message included, is kept with the event (webhook_events.error)."""
from __future__ import annotations

import contextvars
import json
import logging
import sys
import traceback

event_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("event_id", default=None)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if (current := event_id.get()) is not None:
            entry["event_id"] = current
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)

    def formatException(self, exc_info) -> str:  # noqa: N802 - logging's name
        parts, exc, seen = [], exc_info[1], set()
        while exc is not None and id(exc) not in seen:
            seen.add(id(exc))
            frames = traceback.StackSummary.extract(traceback.walk_tb(exc.__traceback__))
            parts.append("Traceback (most recent call last):\n" + "".join(frames.format())
                         + f"{type(exc).__module__}.{type(exc).__qualname__}")
            exc = exc.__cause__ or exc.__context__
        return "\n\nwhich happened while handling, or was caused by:\n\n".join(reversed(parts))


def configure(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
