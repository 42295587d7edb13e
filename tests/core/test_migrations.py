"""The migrations build exactly the schema the models describe, on both databases."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

import models
from models import migrate


def _diff(url: str) -> list:
    engine = create_engine(url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, models.Base.metadata)
    engine.dispose()
    return diff


def test_migrations_match_the_models(database_url):
    assert _diff(database_url) == []


def test_downgrade_to_nothing_and_up_again(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.db'}"
    migrate.upgrade(url)
    migrate.downgrade(url, "base")
    assert set(inspect(create_engine(url)).get_table_names()) == {"alembic_version"}
    migrate.upgrade(url)
    assert set(models.Base.metadata.tables) <= set(inspect(create_engine(url)).get_table_names())


def test_db_upgrade_needs_only_the_database_url(tmp_path, monkeypatch):
    """An operator migrates before the LINE channel exists; DATABASE_URL may be in .env."""
    from click.testing import CliRunner

    from bot.cli import main

    for name in ("LINE_CHANNEL_SECRET", "LINE_CHANNEL_ACCESS_TOKEN", "SECRET_KEY", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text(f"DATABASE_URL=sqlite:///{tmp_path / 'fresh.db'}\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "webhook_events" in inspect(create_engine(f"sqlite:///{tmp_path / 'fresh.db'}")).get_table_names()
