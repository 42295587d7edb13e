"""Retention (PDPA): what is past the profile's retention goes, and nothing else;
an event somebody may still work on stays however old it is."""
from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, insert, select

import models
from config.profile import Retention, load_profile
from models.chat import ChatMessage, WebhookEvent
from models.db import Database
from services import retention
from services.container import Services

NOW = datetime.now(UTC)
OLD, RECENT = NOW - timedelta(days=31), NOW - timedelta(days=29)
STATES = models.Base.metadata.tables["dialog_states"]
ALL_STATUSES = ("received", "processing", "done", "failed", "dead", "rejected", "standby")


def _services(url: str) -> Services:
    profile = load_profile("tenant").model_copy(
        update={"retention": Retention(webhook_events_days=30, transcripts_days=60)})
    services = Services.make(Database(url), profile, public_base_url="http://127.0.0.1", secret_key="k" * 32)
    return dataclasses.replace(services, clock=lambda: NOW)


def _event(name: str, status: str, received_at: datetime) -> dict:
    return {"webhook_event_id": name, "type": "message", "line_user_id": "U1", "timestamp_ms": 0,
            "payload": {"message": {"type": "text", "text": "สวัสดีค่ะ"}}, "status": status,
            "lease_owner": "host:1:x" if status == "processing" else None,
            "lease_until": received_at + timedelta(seconds=15) if status == "processing" else None,
            "received_at": received_at}


def _message(text: str, created_at: datetime) -> dict:
    return {"line_user_id": "U1", "direction": "in", "type": "text", "text": text,
            "payload": {"type": "text", "text": text}, "created_at": created_at}


def test_old_finished_events_and_old_transcripts_go_the_rest_stays(database_url):
    services = _services(database_url)
    db = services.db
    with db.transaction() as conn:
        conn.execute(insert(WebhookEvent), [_event(f"old-{s}", s, OLD) for s in ALL_STATUSES]
                     + [_event(f"recent-{s}", s, RECENT) for s in ALL_STATUSES])
        conn.execute(insert(ChatMessage), [_message("เก่ามาก", NOW - timedelta(days=61)),
                                           _message("ยังเก็บ", NOW - timedelta(days=59)), _message("วันนี้", NOW)])
        conn.execute(insert(STATES), [
            {"line_user_id": "U-expired", "state": {"flow": "bills"}, "expires_at": NOW - timedelta(minutes=1)},
            {"line_user_id": "U-live", "state": {"flow": "bills"}, "expires_at": NOW + timedelta(minutes=30)},
        ])

    pruned = retention.prune(services)

    assert pruned == retention.Pruned(dialog_states=1, webhook_events=4, transcripts=1)
    with db.session() as session:
        kept_events = set(session.scalars(select(WebhookEvent.webhook_event_id)))
        kept_texts = set(session.scalars(select(ChatMessage.text)))
        kept_states = set(session.scalars(select(STATES.c.line_user_id)))
    assert kept_events == {f"recent-{s}" for s in ALL_STATUSES} | {"old-received", "old-processing", "old-failed"}
    assert kept_texts == {"ยังเก็บ", "วันนี้"}
    assert kept_states == {"U-live"}
    assert retention.prune(services) == retention.Pruned(0, 0, 0)
    db.engine.dispose()


def test_deletes_in_batches_until_none_is_left(database_url):
    db = Database(database_url)
    with db.transaction() as conn:
        conn.execute(insert(ChatMessage), [_message(f"ข้อความ {i}", OLD) for i in range(7)]
                     + [_message("ใหม่", NOW)])

    assert retention.old_transcripts(db, before=NOW - timedelta(days=1), batch=3) == 7
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(ChatMessage)) == 1
    db.engine.dispose()
