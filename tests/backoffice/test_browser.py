"""The frame and the dashboard in Debian's chromium against the real bot: at an
office PC's 1366×768 and on a 390-px phone (the menu behind its button, opened
without a script), nothing wider than the screen, no script or CSP error.
Screenshots go to $ADMIN_SCREENSHOTS when it is set."""
from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest

from config.profile import load_profile
from services.demo import seed_demo
from tests.backoffice.conftest import some_chats
from tests.conftest import make_stack, skip_without_chromium
from thai.dates import BANGKOK

pytestmark = [pytest.mark.browser, skip_without_chromium]

PROFILE = load_profile("municipality")


@pytest.fixture
def office(database_url):
    """The municipality's demo (one login per role) with chats waiting and handled."""
    stack = make_stack(database_url, org_profile="municipality")
    db = stack.bot_app.assembly.services.db
    with db.session() as session, session.begin():
        seed_demo(session, PROFILE, today=datetime.now(BANGKOK).date())
    some_chats(db)
    yield stack
    stack.close()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("ADMIN_SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _open(browser, base: str, width: int, height: int, username: str = "admin"):
    context = browser.new_context(viewport={"width": width, "height": height}, locale="th-TH")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.errors = []
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.on("response", lambda r: page.errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.goto(f"{base}/admin/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "demo1234")
    with page.expect_navigation():
        page.click("button:has-text('เข้าสู่ระบบ')")
    return context, page


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_the_dashboard_on_an_office_pc(office, browser, shots):
    context, page = _open(browser, office.bot.url, 1366, 768)
    try:
        assert page.url.endswith("/admin/")
        assert page.is_visible("nav.side") and page.is_visible("text=ผลการดูแลแชท 30 วันที่ผ่านมา")
        assert not page.is_visible("label.menu-button")
        bar = page.eval_on_selector(".bar", "e => getComputedStyle(e).backgroundColor")
        assert bar == "rgb(193, 18, 31)"  # the municipality's #C1121F
        font = page.eval_on_selector("body", "e => getComputedStyle(e).fontFamily")
        assert font.startswith('"Sarabun"') or font.startswith("Sarabun")
        assert _fits(page)
        page.screenshot(path=str(shots / "backoffice-dashboard.png"), full_page=True)
        with page.expect_navigation():
            page.click("a.tile:has-text('แชทรอเจ้าหน้าที่')")
        assert "/admin/inbox" in page.url and "view=waiting" in page.url
        assert page.errors == []
    finally:
        context.close()


def test_the_dashboard_on_a_phone_opens_its_menu_without_a_script(office, browser, shots):
    context, page = _open(browser, office.bot.url, 390, 844, "executive")
    try:
        assert page.is_visible("label.menu-button") and not page.is_visible("nav.side")
        assert _fits(page)
        page.screenshot(path=str(shots / "backoffice-dashboard-phone.png"), full_page=True)
        page.click("label.menu-button")
        assert page.is_visible("nav.side a:has-text('รายงานแชท')")
        assert _fits(page)
        page.screenshot(path=str(shots / "backoffice-dashboard-phone-menu.png"))
        with page.expect_navigation():
            page.click("nav.side a:has-text('รายงานแชท')")
        assert page.is_visible("text=เพื่อง่ายต่อการติดตามรายงานผล") and not page.is_visible("nav.side")
        assert _fits(page)
        assert page.errors == []
    finally:
        context.close()


def test_the_report_prints_on_a4_without_the_menu(office, browser, shots):
    context, page = _open(browser, office.bot.url, 1366, 768)
    try:
        page.goto(f"{office.bot.url}/admin/reports/chats")
        page.emulate_media(media="print")
        assert not page.is_visible("nav.side") and not page.is_visible("header.bar")
        assert page.is_visible("table.report-table") and not page.is_visible("form")
        pdf = page.pdf(format="A4")
        assert pdf.startswith(b"%PDF")
        (shots / "backoffice-report-chats.pdf").write_bytes(pdf)
        page.emulate_media(media="screen")
        page.screenshot(path=str(shots / "backoffice-report-chats.png"), full_page=True)
        assert page.errors == []
    finally:
        context.close()
