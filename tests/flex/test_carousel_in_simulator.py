"""A carousel in the chat simulator shows the next card's edge, as LINE does for
bubbles narrower than the screen, and its first card says how many follow."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from config.profile import load_profile
from services.billing.accounts import customer_by_code
from services.billing.payments import record_cash_payment
from tests.browser.test_register_and_pay import otp_from_inbox, quick_reply, tenant, type_text  # noqa: F401 - fixture
from tests.browser.test_simulator_product import bot_says, shoot
from tests.conftest import skip_without_chromium
from thai.dates import BANGKOK

pytestmark = [pytest.mark.browser, skip_without_chromium]
PROFILE = load_profile("tenant")


def _register(page: Any, url: str) -> None:
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.goto(url + "/")
    page.fill("[data-testid=new-user-name]", "สมใจ ใจดี")
    page.click("[data-testid=create-user]")
    bot_says(page, "ยินดีต้อนรับ")
    type_text(page, "ลงทะเบียน")
    bot_says(page, "รหัสผู้เช่า")
    type_text(page, "T0001")
    bot_says(page, "เบอร์โทรศัพท์มือถือ")
    type_text(page, "0810000001")
    bot_says(page, "081-xxx-0001")
    type_text(page, otp_from_inbox(page, url))
    bot_says(page, "ยินยอมให้")
    quick_reply(page, "ยินยอม")
    bot_says(page, "ลงทะเบียนสำเร็จ")


def test_the_next_card_peeks_and_the_first_says_how_many(tenant, page):
    _register(page, tenant.emulator.url)
    with tenant.bot_app.assembly.services.db.session() as session, session.begin():
        customer = customer_by_code(session, "T0001")
        for n in range(3):
            record_cash_payment(session, customer.id, amount=f"{1000 + n}.00", paid_at=datetime.now(BANGKOK),
                                receipt_number_format=PROFILE.document_number_formats["receipt"], received_by="ทดสอบ")
    type_text(page, "ขอใบเสร็จ")
    carousel = bot_says(page, "RC-").locator(".flex-carousel")
    bubbles = carousel.locator(":scope > .flex-bubble")
    assert bubbles.count() >= 2
    assert "ปัดเพื่อดูรายการถัดไป (ทั้งหมด" in bubbles.nth(0).inner_text()
    assert "ปัดเพื่อดูรายการถัดไป" not in bubbles.nth(1).inner_text()
    box, first, second = carousel.bounding_box(), bubbles.nth(0).bounding_box(), bubbles.nth(1).bounding_box()
    assert first["x"] >= box["x"] and first["x"] + first["width"] <= box["x"] + box["width"]  # whole
    visible_edge = box["x"] + box["width"] - second["x"]
    assert visible_edge >= 12, f"only {visible_edge:.0f}px of the next card shows"
    shoot(page, "simulator-carousel-peek.png")
    assert page.console_errors == []
