"""INSERT … ON CONFLICT, written once per table and column set.

SQLAlchemy 2.0 cannot cache its dialect ``on_conflict`` constructs and compiles
them anew on every call (about half a millisecond each, on statements that run for
every webhook event). The SQL is the same on PostgreSQL and SQLite, so it is written
here as text once and reused; Python-side column defaults are filled in as
SQLAlchemy would.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import CursorResult, Table, TextClause, bindparam, text
from sqlalchemy.orm import Session


def insert_or_ignore(session: Session, table: Table, key: str, row: dict[str, Any], *,
                     returning: str | None = None) -> CursorResult[Any]:
    """INSERT … ON CONFLICT (key) DO NOTHING [RETURNING returning]."""
    values = {**_defaults(table, row), **row}
    return session.execute(_sql(table, tuple(values), key, returning, update=False), values)


def upsert(session: Session, table: Table, key: str, row: dict[str, Any]) -> None:
    """INSERT, or on a conflict on `key` overwrite the row's other given columns."""
    values = {**_defaults(table, row), **row}
    session.execute(_sql(table, tuple(values), key, None, update=True), values)


@lru_cache(maxsize=64)
def _sql(table: Table, columns: tuple[str, ...], key: str, returning: str | None, *, update: bool) -> TextClause:
    changed = [c for c in columns if c != key]
    action = f"DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in changed)}" if update else "DO NOTHING"
    sql = (f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)}) "
           f"ON CONFLICT ({key}) {action}" + (f" RETURNING {returning}" if returning else ""))
    return text(sql).bindparams(*(bindparam(c, type_=table.c[c].type) for c in columns))


def _defaults(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for column in table.c:
        default = column.default
        if column.name in row or default is None:
            continue
        if default.is_scalar:
            out[column.name] = default.arg
        elif default.is_callable:
            out[column.name] = default.arg(None)
    return out
