"""The office mounts the staff pages it is given: each role sees in the menu only the
pages its permissions allow, and every route of a page set (not only its menu entry)
refuses a role without the permission. Two offices in one process keep apart."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Blueprint, Flask
from flask.testing import FlaskClient

from admin import init_admin
from admin.finance import PAGES as FINANCE
from admin.pages import StaffPages
from bot.app import IdConverter
from config.profile import load_profile
from models.db import Database
from services.container import Services
from services.staff import create_staff

PASSWORD = "correct horse"


def _check_pages(done: list[str]) -> StaffPages:
    """A module's pages for admins only, with a form that records what it was asked."""
    def blueprint(services: Services) -> Blueprint:
        bp = Blueprint("checks", __name__)

        @bp.get("/checks")
        def index() -> str:
            return "บันทึกการตรวจ"

        @bp.post("/checks/close")
        def close() -> str:
            done.append("closed")
            return "ปิดแล้ว"

        return bp

    return StaffPages(key="checks", blueprint=blueprint, permission="operations",
                      nav=(("บันทึกการตรวจ", "admin.checks.index"),))


def _office(db: Database, tmp_path: Path, profile: str, pages: list[StaffPages]) -> Flask:
    services = Services.make(db, load_profile(profile), public_base_url="http://office.test",
                             secret_key="test-secret-key-0123456789", data_dir=tmp_path)
    app = Flask(__name__)
    app.config["SECRET_KEY"] = services.secret_key
    app.url_map.converters["id"] = IdConverter
    init_admin(app, services, pages)
    return app


def _login(client: FlaskClient, username: str) -> None:
    page = client.get("/admin/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    answer = client.post("/admin/login", data={"csrf_token": token, "username": username, "password": PASSWORD})
    assert answer.status_code == 302


def _menu(html: str) -> list[str]:
    nav = re.search(r'<nav class="side".*?>(.*?)</nav>', html, re.S).group(1)
    return re.findall(r">([^<>]+)</a>", nav)


@pytest.fixture
def staffed(db: Database) -> Database:
    with db.session() as s, s.begin():
        create_staff(s, username="malee", display_name="นางสาวมาลี ศรีสุข", role="finance", password=PASSWORD)
        create_staff(s, username="somchai", display_name="นายสมชาย ดูแลระบบ", role="admin", password=PASSWORD)
    return db


def test_each_role_sees_and_reaches_only_what_its_permissions_allow(staffed, tmp_path):
    done: list[str] = []
    app = _office(staffed, tmp_path, "tenant", [FINANCE, _check_pages(done)])

    finance = app.test_client()
    _login(finance, "malee")
    assert finance.get("/admin/").status_code == 200  # every role lands on the dashboard
    assert _menu(finance.get("/admin/slips").text) == ["หน้าหลัก", "สลิปรอตรวจ", "รับชำระเงินสด"]
    token = re.search(r'name="csrf_token" value="([^"]+)"', finance.get("/admin/slips").text).group(1)
    # Not in the menu, and not reachable by typing the address or posting the form either.
    assert finance.get("/admin/checks").status_code == 403
    assert finance.post("/admin/checks/close", data={"csrf_token": token}).status_code == 403
    assert finance.get("/admin/events").status_code == 403
    assert done == []

    admin = app.test_client()
    _login(admin, "somchai")
    # A module's page sits under the heading of what its permission is for, beside the office's own.
    assert _menu(admin.get("/admin/events").text) == [
        "หน้าหลัก", "สลิปรอตรวจ", "รับชำระเงินสด", "บันทึกการตรวจ", "เจ้าหน้าที่และหน่วยงาน", "บันทึกการใช้งาน",
        "ข้อความที่ตอบไม่ได้", "รายงานแชท"]
    token = re.search(r'name="csrf_token" value="([^"]+)"', admin.get("/admin/events").text).group(1)
    assert admin.post("/admin/checks/close", data={"csrf_token": token}).text == "ปิดแล้ว" and done == ["closed"]


def test_without_a_module_its_pages_are_not_there(staffed, tmp_path):
    app = _office(staffed, tmp_path, "tenant", [])
    finance = app.test_client()
    _login(finance, "malee")
    assert finance.get("/admin/slips").status_code == 404
    assert _menu(finance.get("/admin/").text) == ["หน้าหลัก"]  # nothing but the dashboard for this role
    admin = app.test_client()
    _login(admin, "somchai")
    assert "สลิปรอตรวจ" not in admin.get("/admin/").text


def test_two_offices_in_one_process_each_serve_their_own_organisation(staffed, tmp_path):
    tenant = _office(staffed, tmp_path, "tenant", [FINANCE]).test_client()
    water = _office(staffed, tmp_path, "waterworks", [FINANCE]).test_client()
    names = (load_profile("tenant").short_name, load_profile("waterworks").short_name)
    assert names[0] != names[1]
    assert names[0] in tenant.get("/admin/login").text and names[1] in water.get("/admin/login").text
