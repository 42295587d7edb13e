"""Row locks that work on both databases.

PostgreSQL locks the rows themselves (SELECT ... FOR UPDATE, in id order so two
transactions never wait on each other in a circle). SQLite has one writer at a
time: a no-op UPDATE takes the write lock *before* anything is read, so the
reads that follow cannot be overtaken by another writer.
"""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models.base import Base


def lock_rows(session: Session, model: type[Base], ids: Iterable[int]) -> None:
    wanted = sorted(set(ids))
    if not wanted:
        return
    id_ = model.__table__.c.id
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(id_).where(id_.in_(wanted)).order_by(id_).with_for_update())
    else:
        session.execute(
            update(model).where(id_.in_(wanted)).values(id=id_),
            execution_options={"synchronize_session": False},
        )
