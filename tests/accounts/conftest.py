"""A database with every table of the metadata, on SQLite and on PostgreSQL.

Built with ``create_all`` rather than the Alembic migration, so the accounts and
identity tables are there before the migration that adds them exists.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import create_engine, text

import models
import models.accounts  # noqa: F401  (registers the tables)
import models.identity  # noqa: F401
import models.numbering  # noqa: F401
from models.base import Base
from models.db import Database
from tests.conftest import postgres_url


@pytest.fixture(scope="session")
def accounts_pg_url() -> Iterator[str]:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip("TEST_DATABASE_URL is not set: PostgreSQL accounts tests skipped")
    base = postgres_url(url)
    schema = f"ss_accounts_{os.getpid()}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in base else "?"
    yield f"{base}{sep}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def db(request, tmp_path: Path) -> Iterator[Database]:
    """An empty database with all tables; every test that takes it runs twice."""
    if request.param == "sqlite":
        database = Database(f"sqlite:///{tmp_path / 'accounts.db'}")
        Base.metadata.create_all(database.engine)
    else:
        database = Database(request.getfixturevalue("accounts_pg_url"))
        Base.metadata.create_all(database.engine)
        tables = ", ".join(t.name for t in models.Base.metadata.sorted_tables)
        with database.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    yield database
    database.engine.dispose()
