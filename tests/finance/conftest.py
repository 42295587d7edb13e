"""Finance tests: real databases (SQLite and PostgreSQL), real slip pictures, real PDFs."""
from __future__ import annotations

from pathlib import Path

import pytest

from services.billing.slips import SlipStore
from tests.accounts.conftest import db  # noqa: F401  (the migrated databases of tests/conftest.py)


@pytest.fixture
def store(tmp_path: Path) -> SlipStore:
    return SlipStore(tmp_path / "slips")
