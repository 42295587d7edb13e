"""The database copy of each user's dialog state."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from models.chat import DialogState


def load(session: Session, line_user_id: str) -> dict[str, Any] | None:
    row = session.get(DialogState, line_user_id)
    if row is None:
        return None
    expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=timezone.utc)
    if expires <= datetime.now(timezone.utc):
        return None
    return dict(row.state)


def save(session: Session, line_user_id: str, state: dict[str, Any], expires_at: datetime) -> None:
    row = session.get(DialogState, line_user_id)
    if row is None:
        session.add(DialogState(line_user_id=line_user_id, state=state, expires_at=expires_at))
    else:
        row.state = state
        row.expires_at = expires_at


def clear(session: Session, line_user_id: str) -> None:
    session.execute(delete(DialogState).where(DialogState.line_user_id == line_user_id))


def purge_expired(session: Session) -> int:
    return session.execute(delete(DialogState).where(DialogState.expires_at < datetime.now(timezone.utc))).rowcount
