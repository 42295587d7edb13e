"""The frame every back-office page shares: each role reaches exactly the pages its
permissions allow (the menu and the routes agree), the organisation's name and
colour, the person and a logout, Thai for an address that matches nothing, the
security headers, and the secure cookie behind HTTPS."""
from __future__ import annotations

from datetime import timedelta

import pytest

import modules
from admin.blueprint import GROUP_NAMES
from admin.dashboard import thai_duration
from admin.staff_admin import PERMISSION_NAMES
from bot.app import create_app
from bot.settings import load_settings
from config.profile import load_profile
from models.staff import STAFF_ROLES
from services.staff import DEMO_PASSWORD, PERMISSIONS, ensure_demo_staff, permits
from tests.backoffice.conftest import LOGIN_OF, csrf, menu, text_of
from tests.conftest import SECRET, TOKEN

PROFILE = load_profile("municipality")
# Every page of the frame, with the permission it needs.
URLS = {
    "/admin/": "dashboard",
    "/admin/inbox": "inbox",
    "/admin/slips": "finance",
    "/admin/payments/cash": "finance",
    "/admin/reports/chats": "reports",
    "/admin/staff": "staff",
    "/admin/staff/new": "staff",
    "/admin/staff/admin": "staff",
    "/admin/audit": "audit",
    "/admin/events": "operations",
}
OFFICE_PAGES = {"dashboard": ["หน้าหลัก"], "reports": ["รายงานแชท"],
                "staff": ["เจ้าหน้าที่และหน่วยงาน"], "audit": ["บันทึกการใช้งาน"],
                "operations": ["ข้อความที่ตอบไม่ได้"]}


def test_every_permission_has_a_menu_heading_and_a_name_on_the_staff_form():
    assert set(GROUP_NAMES) == set(PERMISSIONS) == set(PERMISSION_NAMES)


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_each_role_reaches_only_the_pages_its_permissions_allow(signed_in, role):
    client = signed_in(role)
    answers = {url: client.get(url).status_code for url in URLS}
    assert answers == {url: 200 if permits(role, perm) else 403 for url, perm in URLS.items()}


def test_a_counter_user_gets_403_on_the_finance_and_inbox_urls(signed_in):
    counter = signed_in("counter")
    for url in ("/admin/slips", "/admin/payments/cash", "/admin/inbox"):
        refused = counter.get(url)
        assert refused.status_code == 403 and "ไม่มีสิทธิ์ใช้งานหน้านี้" in refused.text
    assert menu(counter.get("/admin/").text) == ["หน้าหลัก"]


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_the_menu_shows_exactly_the_permitted_pages(signed_in, role):
    module_pages = [page for m in modules.enabled(PROFILE) for page in m.staff_pages]
    permitted = {label for page in module_pages if permits(role, page.permission) for label, _ in page.nav}
    permitted |= {label for perm, labels in OFFICE_PAGES.items() if permits(role, perm) for label in labels}
    assert set(menu(signed_in(role).get("/admin/").text)) == permitted


def test_the_menu_groups_pages_and_marks_the_one_shown(signed_in):
    admin = signed_in("admin")
    page = admin.get("/admin/staff/new").text
    assert "<h2>ภาพรวม</h2>" in page and "<h2>การเงิน</h2>" in page and "<h2>ผู้ดูแลระบบ</h2>" in page
    assert page.index("<h2>ภาพรวม</h2>") < page.index("<h2>การเงิน</h2>") < page.index("<h2>ผู้ดูแลระบบ</h2>")
    # A sub-page marks its list; the dashboard is marked only on itself.
    assert 'href="/admin/staff" aria-current="page">เจ้าหน้าที่และหน่วยงาน' in page
    assert page.count('aria-current="page"') == 1
    assert 'href="/admin/" aria-current="page">หน้าหลัก' in admin.get("/admin/").text


def test_the_top_bar_shows_the_organisation_the_person_their_units_and_a_logout(signed_in, office):
    page = signed_in("executive").get("/admin/").text
    words = text_of(page)
    assert PROFILE.short_name in words and "ระบบหลังบ้าน" in words
    assert "ผู้บริหาร (ทดลอง)" in words and "ผู้บริหาร · สำนักปลัดเทศบาล, กองคลัง" in words
    assert 'action="/admin/logout"' in page and "ออกจากระบบ" in words
    assert '<link rel="stylesheet" href="/admin/theme.css">' in page
    theme = office.test_client().get("/admin/theme.css")  # also before a login: the login page uses it
    assert theme.status_code == 200 and theme.mimetype == "text/css"
    assert f"--primary: {PROFILE.colours.primary}" in theme.text
    assert f"--on-primary: {PROFILE.colours.text_on_primary}" in theme.text


def test_the_phone_menu_opens_without_a_script(signed_in):
    page = signed_in("finance").get("/admin/").text
    assert '<input type="checkbox" id="menu-open"' in page and '<label for="menu-open"' in page
    assert "<script" not in page


def test_an_address_or_a_method_under_admin_that_nothing_takes_answers_in_thai(office, signed_in):
    for client in (office.test_client(), signed_in("finance")):
        missing = client.get("/admin/no-such-page")
        assert missing.status_code == 404 and "ไม่พบหน้าที่ต้องการ" in missing.text
        assert missing.headers["X-Frame-Options"] == "DENY" and "script-src 'self'" in missing.headers[
            "Content-Security-Policy"]
    wrong_method = signed_in("finance").post("/admin/", data={})
    assert wrong_method.status_code == 405 and "กรุณาใช้ปุ่มบนหน้าระบบ" in wrong_method.text
    # Outside the office the app's own 404 stays.
    elsewhere = office.test_client().get("/no-such-page")
    assert elsewhere.status_code == 404 and "ไม่พบหน้าที่ต้องการ" not in elsewhere.text


def test_the_pages_send_the_office_csp(signed_in):
    csp = signed_in("admin").get("/admin/").headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "connect-src 'self'" in csp and "img-src 'self' data: https:" in csp
    assert "'unsafe-inline'" not in csp and "frame-ancestors 'none'" in csp


def test_a_role_with_only_the_dashboard_is_told_what_it_may_use(signed_in):
    words = text_of(signed_in("counter").get("/admin/").text)
    assert "ยังไม่มีงานที่ต้องแสดงสำหรับบทบาทเคาน์เตอร์บริการ" in words


@pytest.mark.parametrize("value, words", [
    (None, "—"), (30, "ไม่ถึง 1 นาที"), (12 * 60 + 40, "12 นาที"), (65 * 60, "1 ชม. 5 นาที"), (3600, "1 ชม."),
    ((2 * 24 + 3) * 3600 + 600, "2 วัน 3 ชม."), (24 * 3600, "1 วัน")])
def test_durations_read_as_staff_say_them(value, words):
    assert thai_duration(None if value is None else timedelta(seconds=value)) == words


@pytest.mark.parametrize("base_url, secure", [("https://office.example", True), ("http://127.0.0.1:8080", False)])
def test_the_session_cookie_is_secure_behind_https(database_url, tmp_path, base_url, secure):
    """The bot's own app, as deployed: PUBLIC_BASE_URL decides the cookie's flags."""
    settings = load_settings(_env_file=None, line_channel_secret=SECRET, line_channel_access_token=TOKEN,
                             line_api_base="http://127.0.0.1:9", database_url=database_url, org_profile="tenant",
                             secret_key="test-secret-key-0123456789", public_base_url=base_url, data_dir=tmp_path)
    app = create_app(settings)
    try:
        with app.assembly.services.db.session() as s, s.begin():
            ensure_demo_staff(s, "tenant", [])
        client = app.test_client()
        answer = client.post("/admin/login", data={"csrf_token": csrf(client), "username": LOGIN_OF["finance"],
                                                   "password": DEMO_PASSWORD})
        assert answer.status_code == 302
        [cookie] = [c for c in answer.headers.getlist("Set-Cookie") if c.startswith("session=")]
        flags = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
        assert {"httponly", "samesite"} <= flags and ("secure" in flags) is secure
    finally:
        app.assembly.dispatcher.shutdown()
        app.assembly.services.db.engine.dispose()
