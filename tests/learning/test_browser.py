"""Learning from use in Debian's chromium against the real bot: what a resident wrote
through the LINE emulator that the bot did not understand is on the page, and an
admin labels it in two clicks (เลือกเรื่องอื่น, then the intent). Screenshots go to
$ADMIN_SCREENSHOTS when it is set."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from models.learning import MissedMessage
from tests.backoffice.test_browser import _open, office, shots  # noqa: F401 - fixtures
from tests.conftest import skip_without_chromium

pytestmark = [pytest.mark.browser, skip_without_chromium]

UNCLEAR = "ฝากถามเรื่องรถเก็บกิ่งไม้หน่อยจ้า"


def test_a_text_the_bot_missed_is_labelled_in_two_clicks(office, browser, shots):
    resident = office.new_user()
    office.say(resident, UNCLEAR)
    context, page = _open(browser, office.bot.url, 1366, 768)
    try:
        page.goto(f"{office.bot.url}/admin/learning")
        row = page.locator("table.learning tbody tr", has_text=UNCLEAR)
        assert row.count() == 1
        page.screenshot(path=str(shots / "admin-learning.png"), full_page=True)
        row.locator("summary:has-text('เลือกเรื่องอื่น')").click()
        with page.expect_navigation():
            row.locator("button.chip:has-text('แจ้งเรื่องร้องเรียน')").click()
        assert page.locator("table.learning tbody tr", has_text=UNCLEAR).count() == 0
        assert page.errors == []
    finally:
        context.close()
    with office.bot_app.assembly.services.db.session() as session:
        labelled = session.scalars(select(MissedMessage).where(MissedMessage.text == UNCLEAR)).one()
    assert labelled.label == "complaint"
