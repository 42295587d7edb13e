"""The migrations build exactly the schema the models describe, on both databases;
a database made at any earlier revision, with its data, upgrades to that same schema;
and a released revision is never edited again."""
from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from datetime import date

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.orm import Session

import models
from config.profile import load_profile
from models import migrate
from models.accounts import Customer
from services.demo import DEMO_CUSTOMERS, seed_demo
from tests.conftest import TEST_DATABASE_URL, postgres_url

VERSIONS = migrate.MIGRATIONS / "versions"
RELEASED = migrate.MIGRATIONS / "released.sha256"


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


def _revisions() -> list[str]:
    """Every revision, oldest first."""
    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def _schema(url: str) -> dict:
    """What a database holds besides its rows, in a form two databases can be compared by."""
    engine = create_engine(url)
    seen = inspect(engine)
    schema = {}
    for table in sorted(seen.get_table_names()):
        if table == "alembic_version":
            continue
        schema[table] = {
            "columns": [(c["name"], str(c["type"]), c["nullable"], str(c.get("default")))
                        for c in seen.get_columns(table)],
            "primary key": seen.get_pk_constraint(table)["constrained_columns"],
            "foreign keys": sorted((fk["name"] or "", tuple(fk["constrained_columns"]), fk["referred_table"],
                                    tuple(fk["referred_columns"])) for fk in seen.get_foreign_keys(table)),
            "indexes": sorted((i["name"] or "", tuple(i["column_names"]), bool(i["unique"]),
                               sorted((k, str(v)) for k, v in i.get("dialect_options", {}).items()))
                              for i in seen.get_indexes(table)),
            "unique": sorted((u["name"] or "", tuple(u["column_names"])) for u in seen.get_unique_constraints(table)),
            "checks": sorted((c["name"] or "", " ".join(c["sqltext"].split()))
                             for c in seen.get_check_constraints(table)),
        }
    engine.dispose()
    return schema


@pytest.fixture(params=["sqlite", "postgres"])
def databases(request, tmp_path) -> Iterator[tuple[str, str]]:
    """(an empty database, a fresh one at head) of the same kind. On PostgreSQL the
    empty one is a schema of its own: the session's schema is already at head."""
    if request.param == "sqlite":
        fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
        migrate.upgrade(fresh)
        yield f"sqlite:///{tmp_path / 'earlier.db'}", fresh
        return
    fresh = request.getfixturevalue("pg_url")
    base = postgres_url(TEST_DATABASE_URL or "")
    schema = f"ss_migrations_{os.getpid()}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    yield f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}", fresh
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    admin.dispose()


@pytest.mark.parametrize("earlier", _revisions()[:-1])
def test_a_demo_database_of_an_earlier_revision_upgrades_to_the_schema_of_a_fresh_one(earlier, databases):
    """`smartservice demo` on a database an earlier release made and filled: the demo
    data seeded, the schema taken back to `earlier` (a downgrade keeps the rows of the
    tables and columns it keeps), then upgraded the way an operator does."""
    url, fresh = databases
    migrate.upgrade(url)
    engine = create_engine(url)
    profile = load_profile("tenant")
    with Session(engine) as session, session.begin():
        seed_demo(session, profile, today=date(2026, 11, 25))
    migrate.downgrade(url, earlier)
    migrate.upgrade(url)

    assert _diff(url) == []
    assert _schema(url) == _schema(fresh)
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Customer)) == len(DEMO_CUSTOMERS[profile.kind])
    engine.dispose()


def _released() -> dict[str, str]:
    listed = {}
    for line in RELEASED.read_text(encoding="utf-8").splitlines():
        if line.strip():
            digest, name = line.split()
            listed[name] = digest
    return listed


def test_released_revisions_are_never_edited():
    """A database already at a revision never runs it again: an edit reaches fresh
    databases only, and the two then differ for good (0001 was edited in place this way
    once; databases made before that edit cannot be upgraded)."""
    for name, digest in _released().items():
        path = VERSIONS / name
        assert path.is_file(), f"{path} was released and is gone: databases at it cannot upgrade any more"
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digest, (
            f"{path} was released and has changed: databases already at that revision will never run the "
            f"change. Restore it (git checkout -- {path}) and make the change a new revision "
            f"(models.migrate.revision(url, message) autogenerates one from the models; docs/modules.md).")


def test_every_revision_but_the_newest_is_listed_as_released():
    """The newest revision may still change while it is being written; once another
    builds on it, it is released."""
    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    head = script.get_current_head()
    files = sorted(os.path.basename(r.path) for r in script.walk_revisions() if r.revision != head)
    missing = [f for f in files if f not in _released()]
    assert not missing, (f"add these to {RELEASED} (cd {VERSIONS} && sha256sum {' '.join(missing)} "
                         f">> ../released.sha256): a newer revision builds on them, so they are released")
