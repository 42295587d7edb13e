"""Personal data kept no longer than the organisation's profile says (PDPA,
`profile.retention`): what residents sent and were sent (the transcript), the
webhook events that carried it, the texts kept for labelling (services/learning.py),
and dialog state past its expiry.

Deletes go in batches, each its own short transaction, so that a first run over
years of rows never holds the webhook's writers back for long (on SQLite a write
transaction excludes every other writer)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Table, delete, select

from models.base import as_utc
from models.chat import ChatMessage, WebhookEvent
from models.db import Database
from models.learning import MissedMessage
from services import dialog_state
from services.container import Services

BATCH = 1000  # rows per transaction
# Events nobody will work on again. "received", "processing" (leased) and "failed"
# (to be tried again) are still someone's work, however old.
FINISHED = ("done", "dead", "rejected", "standby")

_events, _messages, _missed = WebhookEvent.__table__, ChatMessage.__table__, MissedMessage.__table__


@dataclass(frozen=True)
class Pruned:
    dialog_states: int
    webhook_events: int
    transcripts: int
    missed_messages: int = 0


def prune(services: Services) -> Pruned:
    """The retention job: everything past its time, as of now."""
    now, keep = services.clock(), services.profile.retention
    return Pruned(
        dialog_states=expired_dialog_states(services.db),
        webhook_events=old_webhook_events(services.db, before=now - timedelta(days=keep.webhook_events_days)),
        transcripts=old_transcripts(services.db, before=now - timedelta(days=keep.transcripts_days)),
        # Resident text like the transcript, labelled or not: kept as long as it.
        missed_messages=old_missed_messages(services.db, before=now - timedelta(days=keep.transcripts_days)),
    )


def expired_dialog_states(db: Database) -> int:
    # One row per resident at most: a single statement stays small.
    with db.session() as session, session.begin():
        return dialog_state.purge_expired(session)


def old_webhook_events(db: Database, *, before: datetime, batch: int = BATCH) -> int:
    """Finished events received before `before`."""
    return _delete_in_batches(db, _events, [_events.c.status.in_(FINISHED),
                                            _events.c.received_at < as_utc(before)], batch)


def old_transcripts(db: Database, *, before: datetime, batch: int = BATCH) -> int:
    """Transcript messages, in and out, written before `before`."""
    return _delete_in_batches(db, _messages, [_messages.c.created_at < as_utc(before)], batch)


def old_missed_messages(db: Database, *, before: datetime, batch: int = BATCH) -> int:
    return _delete_in_batches(db, _missed, [_missed.c.created_at < as_utc(before)], batch)


def _delete_in_batches(db: Database, table: Table, where: list[ColumnElement[bool]], batch: int) -> int:
    key = table.c.id
    pick = select(key).where(*where).order_by(key).limit(batch)
    total = 0
    while True:
        with db.transaction() as connection:
            ids = connection.scalars(pick).all()
            # The conditions again: a row may have changed since it was picked.
            deleted = connection.execute(delete(table).where(key.in_(ids), *where)).rowcount if ids else 0
        total += deleted
        if len(ids) < batch:
            return total
