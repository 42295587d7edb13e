"""The back office as the bot mounts it (the enabled modules' staff pages and
tiles, the office's own pages) on a real database, one login per role."""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

import modules
from admin import init_admin
from admin.pages import Tile
from bot.app import IdConverter
from config.profile import load_profile
from models.base import utcnow
from models.chat import ChatHandling
from models.db import Database
from models.staff import StaffUser
from services import inbox
from services.container import Services
from services.staff import DEMO_PASSWORD, DEMO_STAFF, StaffIdentity, ensure_demo_staff
from tests.accounts.conftest import db  # noqa: F401  (the migrated databases of tests/conftest.py)
from tests.conftest import chat_id_of

# username of the demo login of each role (services.staff.DEMO_STAFF)
LOGIN_OF = {role: username for username, role, _name, _units in DEMO_STAFF}


def make_office(db: Database, tmp_path: Path, profile_name: str = "municipality", *,
                public_base_url: str = "http://office.test", tiles: Sequence[Tile] = ()) -> Flask:
    """A Flask app with the office mounted as bot/app.py mounts it; ``tiles`` are
    added after the modules' own."""
    profile = load_profile(profile_name)
    services = Services.make(db, profile, public_base_url=public_base_url, secret_key="test-secret-key-0123456789",
                             data_dir=tmp_path)
    enabled = modules.enabled(profile)
    app = Flask(__name__)
    app.config["SECRET_KEY"] = services.secret_key
    app.url_map.converters["id"] = IdConverter
    init_admin(app, services, [pages for m in enabled for pages in m.staff_pages],
               [*(tile for m in enabled for tile in m.tiles), *tiles])
    return app


def csrf(client: FlaskClient, path: str = "/admin/login") -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text).group(1)


def login(client: FlaskClient, username: str, password: str = DEMO_PASSWORD) -> int:
    answer = client.post("/admin/login", data={"csrf_token": csrf(client), "username": username,
                                               "password": password})
    return answer.status_code


def menu(html: str) -> list[str]:
    nav = re.search(r'<nav class="side".*?>(.*?)</nav>', html, re.S)
    return re.findall(r">([^<>]+)</a>", nav.group(1)) if nav else []


def text_of(html: str) -> str:
    """The page's words without tags, for asserting what a person reads."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def staffed(db: Database) -> Database:
    """The demo's logins, one per role, in the municipality's units (password demo1234)."""
    with db.session() as s, s.begin():
        ensure_demo_staff(s, "municipality", [u.key for u in load_profile("municipality").units])
    return db


@pytest.fixture
def office(staffed: Database, tmp_path: Path) -> Flask:
    return make_office(staffed, tmp_path)


@pytest.fixture
def signed_in(office: Flask) -> Callable[[str], FlaskClient]:
    """A client logged in as the demo login of a role."""
    def client_for(role: str) -> FlaskClient:
        client = office.test_client()
        assert login(client, LOGIN_OF[role]) == 302
        return client
    return client_for


def some_chats(db: Database) -> datetime:
    """Three residents waiting (a complaint: งานนิติการ; a bill: กองคลัง; unsorted), the
    complaint taken by the cases officer; and finished handlings of the last days.
    Returns when "now" was."""
    now, profile = utcnow(), load_profile("municipality")
    with db.session() as s, s.begin():
        for user, channel in (("U" + "1" * 32, "complaint"), ("U" + "2" * 32, "pay_bill"), ("U" + "3" * 32, None)):
            inbox.start_waiting(s, profile, user, reason="asked", channel=channel, now=now)
        cases = s.scalar(select(StaffUser.id).where(StaffUser.username == "cases"))
        officer = StaffIdentity(cases, "cases", "เจ้าหน้าที่นิติการ (ทดลอง)", "cases", token="", units=("legal",))
        inbox.take(s, officer, profile, chat_id_of(s, "U" + "1" * 32), now=now)
        opened = now - timedelta(days=2)
        s.add_all([
            ChatHandling(line_user_id="U" + "4" * 32, reason="asked", unit="legal", opened_at=opened, status="done",
                         first_response_at=opened + timedelta(minutes=12), first_response_by=cases,
                         closed_at=opened + timedelta(minutes=65), closed_by=cases),
            ChatHandling(line_user_id="U" + "5" * 32, reason="asked", unit="engineering", opened_at=opened,
                         status="done", first_response_at=opened + timedelta(hours=3), first_response_by=cases,
                         closed_at=opened + timedelta(days=1, hours=4)),
            # Too old for the dashboard's 30 days, in the report's earlier period.
            ChatHandling(line_user_id="U" + "6" * 32, reason="not_understood", unit="legal",
                         opened_at=now - timedelta(days=45), status="resolved"),
        ])
    return now
