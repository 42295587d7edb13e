"""INSERTs (and an UPDATE) that run for every webhook event, their SQL written once.

All the rows of one INSERT travel as one JSON parameter that the database unpacks
(PostgreSQL's json_populate_recordset, SQLite's json_each), so the SQL is the same
whatever the number of rows: written once per table, column set and conflict rule,
and cached by SQLAlchemy and the driver alike. A multi-row VALUES list, its SQL
different for every row count, cost SQLAlchemy a compile and psycopg a parse of
every placeholder: 3,000 events of one webhook body took over 2 s to record that
way, and SQLite refuses more than 32,766 parameters. Python-side column defaults
are filled in as SQLAlchemy would.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any, Literal

import orjson
from sqlalchemy import Dialect, Table, TextClause, bindparam, text
from sqlalchemy.sql.schema import CallableColumnDefault, ScalarElementColumnDefault
from sqlalchemy.types import String

from models.db import Executor

OnConflict = Literal["ignore", "update"]


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


def update_rows(executor: Executor, table: Table, key: str, rows: list[dict[str, Any]], *,
                only_if: dict[str, Any], returning: str) -> list[Any]:
    """One UPDATE for all the rows (which have the same keys): each sets its other
    columns on the row its `key` names, where the columns of `only_if` hold those
    values; the `returning` column of the rows updated."""
    columns = tuple(rows[0])
    dialect = _dialect(executor)
    sql, encode = _update_statement(table, key, columns, tuple(sorted(only_if)), returning, dialect.name)
    if encode is None:
        encode = _sqlite_encoder(table, columns, dialect)
    return list(executor.execute(sql, {"rows": encode(rows), **{f"only_{c}": v for c, v in only_if.items()}})
                .scalars())


@lru_cache(maxsize=64)
def _update_statement(table: Table, key: str, columns: tuple[str, ...], only_if: tuple[str, ...], returning: str,
                      dialect: str) -> tuple[TextClause, Callable[[list], str] | None]:
    sets = ", ".join(f"{c} = r.{c}" for c in columns if c != key)
    where = " AND ".join([f"{table.name}.{key} = r.{key}", *(f"{table.name}.{c} = :only_{c}" for c in only_if)])
    if dialect == "postgresql":
        rows = f"json_populate_recordset(NULL::{table.name}, CAST(:rows AS json))"
        encode: Callable[[list], str] | None = _json
    else:
        extracted = ", ".join(f"json_extract(value, '$.{c}') AS {c}" for c in columns)
        rows = f"(SELECT {extracted} FROM json_each(:rows))"
        encode = None
    sql = f"UPDATE {table.name} SET {sets} FROM {rows} AS r WHERE {where} RETURNING {table.name}.{returning}"
    return text(sql).bindparams(bindparam("rows", type_=String()),
                                *(bindparam(f"only_{c}", type_=table.c[c].type) for c in only_if)), encode


def _dialect(executor: Executor) -> Dialect:
    return executor.get_bind().dialect if hasattr(executor, "get_bind") else executor.dialect


def _insert(executor: Executor, table: Table, rows: list[dict[str, Any]], *, key: str | None = None,
            on_conflict: OnConflict | None = None, returning: str | None = None) -> list[Any]:
    filled = [{**_defaults(table, row), **row} for row in rows]
    columns = tuple(filled[0])
    dialect = _dialect(executor)
    sql, encode = _statement(table, columns, key, on_conflict, returning, dialect.name)
    if encode is None:  # SQLite stores what SQLAlchemy's types make of the values
        encode = _sqlite_encoder(table, columns, dialect)
    result = executor.execute(sql, {"rows": encode(filled)})
    return list(result.scalars()) if returning else []


@lru_cache(maxsize=256)
def _statement(table: Table, columns: tuple[str, ...], key: str | None, on_conflict: OnConflict | None,
               returning: str | None, dialect: str) -> tuple[TextClause, Callable[[list], str] | None]:
    names = ", ".join(columns)
    if dialect == "postgresql":
        # The table's own row type converts each JSON value to its column's type.
        sql = f"INSERT INTO {table.name} ({names}) SELECT {names} FROM json_populate_recordset(NULL::{table.name}, " \
              "CAST(:rows AS json))"
        encode: Callable[[list], str] | None = _json
    else:
        picks = ", ".join(f"json_extract(value, '$.{c}')" for c in columns)
        sql = f"INSERT INTO {table.name} ({names}) SELECT {picks} FROM json_each(:rows) WHERE true"
        encode = None
    if on_conflict == "ignore":
        sql += f" ON CONFLICT ({key}) DO NOTHING"
    elif on_conflict == "update":
        sql += f" ON CONFLICT ({key}) DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in columns if c != key)
    if returning:
        sql += f" RETURNING {returning}"
    return text(sql).bindparams(bindparam("rows", type_=String())), encode


def _json(rows: list[dict[str, Any]]) -> str:
    return orjson.dumps(rows, option=orjson.OPT_NON_STR_KEYS).decode()


@lru_cache(maxsize=256)
def _sqlite_encoder(table: Table, columns: tuple[str, ...], dialect: Dialect) -> Callable[[list], str]:
    """Each value as SQLAlchemy binds it on SQLite (times as its text form, JSON as
    text, booleans as 0/1), so rows written here read back as any other."""
    processors = {c: p for c in columns if (p := table.c[c].type.dialect_impl(dialect).bind_processor(dialect))}

    def encode(rows: list[dict[str, Any]]) -> str:
        return _json([{c: (processors[c](v) if c in processors and v is not None else v) for c, v in row.items()}
                      for row in rows])

    return encode


def _defaults(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for column in table.c:
        default = column.default
        if column.name in row or default is None:
            continue
        if isinstance(default, ScalarElementColumnDefault):
            out[column.name] = default.arg
        elif isinstance(default, CallableColumnDefault):
            # Our defaults (utcnow and the like) take no execution context: there is none here.
            out[column.name] = default.arg(None)  # type: ignore[arg-type]
    return out
