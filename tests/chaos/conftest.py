"""Fixtures of the chaos tests: the real bot under gunicorn against the LINE
emulator over HTTP, on PostgreSQL and Redis. None is autouse: test_fuzz.py here
uses only the in-process fixtures of tests/conftest.py."""
from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.chaos.harness import PROFILE, SECRET, TOKEN, Bot, Events, Line, drop_schema, fresh_schema
from tests.conftest import TEST_DATABASE_URL, TEST_REDIS_URL, postgres_url

# What the chaos tests change from the defaults: leases and sweeps short enough that
# a dead process's events are taken again within seconds, LINE retries without long
# waits, and room for a body of 3,000 events.
BOT_SETTINGS = {
    "EVENT_LEASE_SECONDS": "3",
    "SWEEP_INTERVAL_SECONDS": "0.5",
    "LINE_BACKOFF_CAP_SECONDS": "0.05",
    "LOADING_AFTER_SECONDS": "5",
    "MAX_BODY_BYTES": str(8 * 1024 * 1024),
    "ORG_PROFILE": PROFILE,
}


@dataclass
class Chaos:
    line: Line
    bot: Bot
    events: Events
    database_url: str


@pytest.fixture(scope="module")
def chaos(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chaos]:
    """The emulator and the bot (2 gunicorn workers) on a schema of their own, for one module."""
    if not TEST_DATABASE_URL or not TEST_REDIS_URL:
        pytest.skip("TEST_DATABASE_URL and TEST_REDIS_URL are not both set: chaos tests need PostgreSQL and Redis")
    folder: Path = tmp_path_factory.mktemp("chaos")
    base = postgres_url(TEST_DATABASE_URL)
    schema = f"chaos_{request.module.__name__.rsplit('.', 1)[-1]}_{os.getpid()}"
    url = fresh_schema(base, schema)
    line = Line(folder)
    try:
        bot = Bot({"LINE_CHANNEL_SECRET": SECRET, "LINE_CHANNEL_ACCESS_TOKEN": TOKEN, "LINE_API_BASE": line.url,
                   "DATABASE_URL": url, "REDIS_URL": TEST_REDIS_URL, "SECRET_KEY": "chaos-secret-key-0123456789",
                   "PUBLIC_BASE_URL": "http://127.0.0.1", "DATA_DIR": str(folder / "data"),
                   "PROMETHEUS_MULTIPROC_DIR": str(folder), **BOT_SETTINGS}, folder)
    except BaseException:
        line.stop()
        raise
    events = Events(url)
    yield Chaos(line, bot, events, url)
    events.close()
    bot.stop()
    line.stop()
    drop_schema(base, schema)
