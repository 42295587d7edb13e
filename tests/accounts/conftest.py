"""The accounts and identity tests use the migrated databases of tests/conftest.py,
so they also prove the migration carries these tables and constraints."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from models.db import Database


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    """An empty migrated database; every test that takes it runs on SQLite and PostgreSQL."""
    database = Database(database_url)
    yield database
    database.engine.dispose()
