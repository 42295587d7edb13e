"""INSERTs that run for every webhook event, their SQL written once.

SQLAlchemy 2.0 cannot cache its dialect ``on_conflict`` constructs, nor a multi-row
``values()``, and compiles them anew on every call (about half a millisecond each);
a driver executemany costs more still. The SQL is the same on PostgreSQL and SQLite,
so it is written here as text once per table, column set, row count and conflict
rule, and reused; Python-side column defaults are filled in as SQLAlchemy would.
Group commit (models/group_commit.py) makes the row counts vary with the load,
hence the room for many of them. Many rows go in statements of at most MAX_ROWS:
SQLite takes 32,766 parameters per statement, PostgreSQL 65,535, and a webhook body
of a megabyte holds thousands of events.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Literal

from sqlalchemy import Table, TextClause, bindparam, text

from models.db import Executor

OnConflict = Literal["ignore", "update"]
MAX_ROWS = 500


def insert_rows(executor: Executor, table: Table, rows: list[dict[str, Any]]) -> None:
    """One INSERT of all the rows, which have the same keys."""
    _insert(executor, table, rows)


def insert_or_ignore(executor: Executor, table: Table, key: str, rows: list[dict[str, Any]], *,
                     returning: str | None = None) -> list[Any]:
    """INSERT … ON CONFLICT (key) DO NOTHING, for rows with the same keys; the
    `returning` column of the rows inserted."""
    return _insert(executor, table, rows, key=key, on_conflict="ignore", returning=returning)


def upsert(executor: Executor, table: Table, key: str, rows: list[dict[str, Any]]) -> None:
    """INSERT, or on a conflict on `key` overwrite the row's other given columns.
    The rows' keys must differ: one statement cannot update a row twice."""
    _insert(executor, table, rows, key=key, on_conflict="update")


def _insert(executor: Executor, table: Table, rows: list[dict[str, Any]], *, key: str | None = None,
            on_conflict: OnConflict | None = None, returning: str | None = None) -> list[Any]:
    filled = [{**_defaults(table, row), **row} for row in rows]
    columns = tuple(filled[0])
    returned: list[Any] = []
    for start in range(0, len(filled), MAX_ROWS):
        part = filled[start:start + MAX_ROWS]
        sql = _sql(table, columns, len(part), key, on_conflict, returning)
        result = executor.execute(sql, {f"{c}_{i}": row[c] for i, row in enumerate(part) for c in columns})
        if returning:
            returned += result.scalars()
    return returned


@lru_cache(maxsize=1024)
def _sql(table: Table, columns: tuple[str, ...], count: int, key: str | None, on_conflict: OnConflict | None,
         returning: str | None) -> TextClause:
    values = ", ".join("(" + ", ".join(f":{c}_{i}" for c in columns) + ")" for i in range(count))
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES {values}"
    if on_conflict == "ignore":
        sql += f" ON CONFLICT ({key}) DO NOTHING"
    elif on_conflict == "update":
        sql += f" ON CONFLICT ({key}) DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in columns if c != key)
    if returning:
        sql += f" RETURNING {returning}"
    return text(sql).bindparams(*(bindparam(f"{c}_{i}", type_=table.c[c].type)
                                  for i in range(count) for c in columns))


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
