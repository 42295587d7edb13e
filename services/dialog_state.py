"""The database copy of each user's dialog state."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Mapping

from sqlalchemy import bindparam, delete
from sqlalchemy.orm import Session

from models.base import as_utc, utcnow
from models.chat import DialogState
from models.db import Executor
from models.inserts import upsert

_states = DialogState.__table__
_CLEAR = delete(_states).where(_states.c.line_user_id.in_(bindparam("user_ids", expanding=True)))


def load(session: Session, line_user_id: str) -> dict[str, Any] | None:
    row = session.get(DialogState, line_user_id)
    if row is None:
        return None
    expires = as_utc(row.expires_at)
    if expires <= datetime.now(timezone.utc):
        return None
    return dict(row.state)


def save(executor: Executor, states: Mapping[str, tuple[dict[str, Any], datetime] | None]) -> None:
    """Each user's state, kept until its time (None: nothing left to keep, removed).
    One statement each way, whatever the number of users: this runs in the
    transaction that records the answers to several events at once."""
    now = utcnow()
    kept = [{"line_user_id": user_id, "state": state[0], "expires_at": state[1], "updated_at": now}
            for user_id, state in states.items() if state is not None]
    if kept:
        upsert(executor, _states, "line_user_id", kept)
    removed = [user_id for user_id, state in states.items() if state is None]
    if removed:
        executor.execute(_CLEAR, {"user_ids": removed})


def purge_expired(session: Session) -> int:
    return session.execute(delete(DialogState).where(DialogState.expires_at < datetime.now(timezone.utc))).rowcount
