"""Instants are stored in UTC.

SQLite keeps no offset: an aware datetime is written as its wall-clock time
and read back naive. Converting to UTC before writing and reading naive values
back as UTC makes both databases store and compare the same instant.
"""
from __future__ import annotations

from datetime import datetime, timezone


def as_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)
