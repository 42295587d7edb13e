"""Shared fixtures: real databases, a real Redis, and the bot talking to the LINE
emulator over real HTTP.

PostgreSQL and Redis come from TEST_DATABASE_URL and TEST_REDIS_URL; without them
the tests that need them are skipped with the reason shown. SQLite always runs.
"""
from __future__ import annotations

import copy
import os
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import create_engine, text
from werkzeug.serving import make_server

import models
from models import migrate

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL")
SECRET = "test-channel-secret-0123456789"
TOKEN = "test-channel-access-token-0123456789"


def postgres_url(url: str) -> str:
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


@pytest.fixture(scope="session", autouse=True)
def nlu_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The NLU model of this session lives in a cache of its own, trained once by the
    first bot (create_app warms it) and read from there by the bots the tests run in
    other processes: so a fresh machine, or an edit of nlu/data/nlu.yml, passes like a
    warm one, and the developer's ~/.cache is neither read nor written."""
    path = tmp_path_factory.mktemp("nlu-cache")
    previous = os.environ.get("SMARTSERVICE_CACHE_DIR")
    os.environ["SMARTSERVICE_CACHE_DIR"] = str(path)  # os.environ: child processes inherit it
    yield path
    if previous is None:
        os.environ.pop("SMARTSERVICE_CACHE_DIR", None)
    else:
        os.environ["SMARTSERVICE_CACHE_DIR"] = previous


@contextmanager
def private_schema(name: str) -> Iterator[str]:
    """A schema of its own in the test database, migrated, dropped afterwards: test
    runs and the processes they start never see each other's rows."""
    if not TEST_DATABASE_URL:
        pytest.skip("TEST_DATABASE_URL is not set: PostgreSQL tests skipped")
    base = postgres_url(TEST_DATABASE_URL)
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {name} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {name}"))
    sep = "&" if "?" in base else "?"
    url = f"{base}{sep}options=-csearch_path%3D{name}"
    migrate.upgrade(url)
    try:
        yield url
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {name} CASCADE"))
        admin.dispose()


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A private schema in the test database, migrated once for the session."""
    with private_schema(f"ss_test_{os.getpid()}") as url:
        yield url


def _truncate(url: str) -> None:
    engine = create_engine(url)
    tables = ", ".join(t.name for t in models.Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request, tmp_path: Path) -> str:
    """Every test that takes this runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'test.db'}"
        migrate.upgrade(url)
        return url
    url = request.getfixturevalue("pg_url")
    _truncate(url)
    return url


@pytest.fixture
def redis_url() -> Iterator[str]:
    if not TEST_REDIS_URL:
        pytest.skip("TEST_REDIS_URL is not set: Redis tests skipped")
    import redis

    client = redis.Redis.from_url(TEST_REDIS_URL)
    client.ping()
    for key in client.scan_iter("smartservice:*"):
        client.delete(key)
    yield TEST_REDIS_URL
    for key in client.scan_iter("smartservice:*"):
        client.delete(key)


class Server:
    """A WSGI app on a free local port, in a thread. The app may be set after the
    port is known (the bot's settings name its own public URL)."""

    def __init__(self, app=None) -> None:
        self.app = app
        self.server = make_server("127.0.0.1", 0, lambda environ, start: self.app(environ, start), threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()


@dataclass
class Stack:
    """The bot and the LINE emulator wired to each other."""

    bot_app: Any
    bot: Server
    emulator: Server

    @property
    def dispatcher(self):
        return self.bot_app.assembly.dispatcher

    def control(self, method: str, path: str, **kwargs) -> Any:
        response = requests.request(method, f"{self.emulator.url}/_emulator{path}", timeout=30, **kwargs)
        response.raise_for_status()
        return response.json()

    def new_user(self, name: str = "ทดสอบ ใจดี") -> str:
        user_id = "U" + uuid.uuid4().hex
        self.control("POST", "/users", json={"userId": user_id, "displayName": name})
        self.settle()
        return user_id

    def send(self, user_id: str, spec: dict[str, Any], *, expect_answer: bool = True) -> dict[str, Any]:
        """Send as the resident; wait until the bot has finished with it."""
        result = self.control("POST", f"/users/{user_id}/send", json={**spec, "wait": 10 if expect_answer else 0})
        self.settle()
        return result

    def say(self, user_id: str, text_: str, **kw) -> list[dict[str, Any]]:
        return [m["message"] for m in self.send(user_id, {"type": "text", "text": text_}, **kw).get("messages", [])]

    def tap(self, user_id: str, data: str, display: str | None = None, **kw) -> list[dict[str, Any]]:
        spec = {"type": "postback", "data": data, **({"displayText": display} if display else {})}
        return [m["message"] for m in self.send(user_id, spec, **kw).get("messages", [])]

    def messages(self, user_id: str) -> list[dict[str, Any]]:
        return self.control("GET", f"/users/{user_id}/messages")["messages"]

    def settle(self) -> None:
        assert self.dispatcher.wait_idle(15), "the bot did not finish its events in time"
        assert self.bot_app.assembly.services.sender.wait_idle(15), "the outbox was not sent in time"

    def close(self) -> None:
        """Stop both servers and the workers, and give back every database
        connection: a suite of hundreds of stacks would otherwise run PostgreSQL out
        of connections."""
        self.bot.stop()
        self.emulator.stop()
        self.dispatcher.shutdown()
        self.bot_app.assembly.services.db.engine.dispose()
        sms_database = self.emulator.app.extensions.get("sms_database")
        if sms_database is not None:
            sms_database.engine.dispose()


def make_stack(database_url: str, *, redis_url: str | None = None, **settings: Any) -> Stack:
    import emulator
    from bot.app import create_app
    from bot.settings import load_settings

    emu_app = emulator.create_app({"CHANNEL_SECRET": SECRET, "CHANNEL_ACCESS_TOKEN": TOKEN,
                                   "SMS_DATABASE_URL": database_url})
    emu = Server(emu_app)
    bot = Server()
    config = load_settings(
        _env_file=None, line_channel_secret=SECRET, line_channel_access_token=TOKEN, line_api_base=emu.url,
        database_url=database_url, redis_url=redis_url, org_profile=settings.pop("org_profile", "tenant"),
        secret_key="test-secret-key-0123456789", line_backoff_cap_seconds=0.05, public_base_url=bot.url,
        data_dir=settings.pop("data_dir", None) or tempfile.mkdtemp(prefix="smartservice-test-"), **settings,
    )
    # With the warm-up the first bot of the session trains the NLU model here, not
    # while a test waits for an answer; every later bot finds it made.
    bot_app = bot.app = create_app(config)
    emu_app.extensions["line_emulator"].config["WEBHOOK_URL"] = f"{bot.url}/callback"
    return Stack(bot_app=bot_app, bot=bot, emulator=emu)


@cache
def _deployed_menus(profile_name: str) -> tuple[Any, Any]:
    """One real deploy of a profile's rich menus per session, on an emulator of its own:
    (the deploy's report, that emulator's store)."""
    import emulator
    import rich_menus
    from config.profile import load_profile

    app = emulator.create_app({"CHANNEL_SECRET": SECRET, "CHANNEL_ACCESS_TOKEN": TOKEN})
    server = Server(app)
    try:
        report = rich_menus.deploy(load_profile(profile_name), api_base=server.url, access_token=TOKEN, timeout=5)
    finally:
        server.stop()
    return report, app.extensions["line_emulator"].store


def install_menus(line: Server, profile_name: str) -> Any:
    """The emulator `line` left as `rich_menus.deploy` leaves it (menus, images, aliases,
    default menu), copied from the session's one deploy of the profile instead of
    drawing every image again (about 0.9 s a deploy). Returns that deploy's report; its
    ids hold on this emulator too."""
    from emulator.store import RichMenu

    report, source = _deployed_menus(profile_name)
    target = line.app.extensions["line_emulator"].store
    with source.lock, target.lock:
        for menu in source.rich_menus.values():
            target.rich_menus[menu.rich_menu_id] = RichMenu(menu.rich_menu_id, copy.deepcopy(menu.definition),
                                                            menu.image, menu.image_type)
        target.aliases.update(source.aliases)
        target.default_menu = source.default_menu
    return report


@pytest.fixture(scope="module")
def stack_on(request, tmp_path_factory) -> Iterator[Callable[[str], Stack]]:
    """A bot on "postgres" or "sqlite" (and Redis when TEST_REDIS_URL is set), one per
    module and database, for tests that tell their own events from the others' by
    their ids."""
    opened: dict[str, Stack] = {}

    def open_on(database: str) -> Stack:
        if database not in opened:
            if database == "postgres":
                url = request.getfixturevalue("pg_url")
            else:
                url = f"sqlite:///{tmp_path_factory.mktemp('hostile') / 'test.db'}"
                migrate.upgrade(url)
            opened[database] = make_stack(url, redis_url=TEST_REDIS_URL)
        return opened[database]
    yield open_on
    for s in opened.values():
        s.close()


@pytest.fixture
def stack(database_url: str) -> Iterator[Stack]:
    s = make_stack(database_url)
    yield s
    s.close()


CHROMIUM = Path("/usr/bin/chromium")
skip_without_chromium = pytest.mark.skipif(not CHROMIUM.exists(),
                                           reason="Debian chromium is not installed at /usr/bin/chromium")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's chromium driven by Playwright (it cannot download its own browser here)."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=[
            "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh page that collects console errors in ``page.console_errors``."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="th-TH")
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    pg.console_errors = []
    pg.on("console", lambda m: pg.console_errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: pg.console_errors.append(str(e)))
    yield pg
    context.close()


def chat_id_of(session, line_user_id: str) -> int | None:
    """The conversation id of a LINE user, as the inbox's URLs name it."""
    from sqlalchemy import select

    from models.chat import Conversation
    return session.scalar(select(Conversation.id).where(Conversation.line_user_id == line_user_id))
