"""Row locks that work on both databases.

PostgreSQL locks the rows themselves (SELECT ... FOR UPDATE, in id order so two
transactions never wait on each other in a circle). SQLite has one writer at a
time: a no-op UPDATE takes the write lock *before* anything is read, so the
reads that follow cannot be overtaken by another writer.
"""
from __future__ import annotations

from typing import Iterable

from sqlalchemy import select, update
from sqlalchemy.orm import Session


def lock_rows(session: Session, model: type, ids: Iterable[int]) -> None:
    wanted = sorted(set(ids))
    if not wanted:
        return
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(model.id).where(model.id.in_(wanted)).order_by(model.id).with_for_update())
    else:
        session.execute(
            update(model).where(model.id.in_(wanted)).values(id=model.id),
            execution_options={"synchronize_session": False},
        )
