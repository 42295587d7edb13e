"""INSERTs that run for every webhook event, their SQL written once.

SQLAlchemy 2.0 cannot cache its dialect ``on_conflict`` constructs, nor a multi-row
``values()``, and compiles them anew on every call (about half a millisecond each);
a driver executemany costs more still. The SQL is the same on PostgreSQL and SQLite,
so it is written here as text once per table, column set and row count, and reused;
Python-side column defaults are filled in as SQLAlchemy would.
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


def insert_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """One INSERT of all the rows, which have the same keys."""
    filled = [{**_defaults(table, row), **row} for row in rows]
    columns = tuple(filled[0])
    session.execute(_rows_sql(table, columns, len(filled)),
                    {f"{c}_{i}": row[c] for i, row in enumerate(filled) for c in columns})


@lru_cache(maxsize=64)
def _rows_sql(table: Table, columns: tuple[str, ...], count: int) -> TextClause:
    values = ", ".join("(" + ", ".join(f":{c}_{i}" for c in columns) + ")" for i in range(count))
    return text(f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES {values}").bindparams(
        *(bindparam(f"{c}_{i}", type_=table.c[c].type) for i in range(count) for c in columns))


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
