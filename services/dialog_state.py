"""The database copy of each user's dialog state."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import bindparam, delete
from sqlalchemy.orm import Session

from models.base import utcnow
from models.chat import DialogState
from models.inserts import upsert

_states = DialogState.__table__
_CLEAR = delete(_states).where(_states.c.line_user_id == bindparam("user_id"))


def load(session: Session, line_user_id: str) -> dict[str, Any] | None:
    row = session.get(DialogState, line_user_id)
    if row is None:
        return None
    expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=timezone.utc)
    if expires <= datetime.now(timezone.utc):
        return None
    return dict(row.state)


def save(session: Session, line_user_id: str, state: dict[str, Any], expires_at: datetime) -> None:
    # One statement: this runs in the transaction that records nearly every answer.
    upsert(session, _states, "line_user_id",
           {"line_user_id": line_user_id, "state": state, "expires_at": expires_at, "updated_at": utcnow()})


def clear(session: Session, line_user_id: str) -> None:
    session.execute(_CLEAR, {"user_id": line_user_id})


def purge_expired(session: Session) -> int:
    return session.execute(delete(DialogState).where(DialogState.expires_at < datetime.now(timezone.utc))).rowcount
