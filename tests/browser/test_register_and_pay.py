"""A tenant registers and pays in the chat simulator (Debian's chromium, Playwright):
the OTP is read from the emulator's SMS inbox, the bill's QR picture loads, a slip
photo goes to finance, and a receipt opens. With SMARTSERVICE_SCREENSHOTS=1 the
bill, QR and receipt pictures in docs/images/ are remade from this path."""
from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from urllib.parse import unquote

import pytest

from config.profile import load_profile
from services.billing.accounts import customer_by_code
from services.billing.payments import record_cash_payment
from tests.browser.conftest import product_stack
from tests.browser.test_simulator_product import bot_says, shoot
from tests.conftest import skip_without_chromium
from tests.slip_images import slip_png
from thai.dates import BANGKOK

pytestmark = [pytest.mark.browser, skip_without_chromium]
PROFILE = load_profile("tenant")


@pytest.fixture(scope="module")
def tenant(tmp_path_factory) -> Iterator[Any]:
    with product_stack(tmp_path_factory, "tenant", demo_data=True) as stack:
        yield stack


def type_text(page: Any, text: str) -> None:
    if page.locator("#to-keyboard").is_visible():
        page.click("#to-keyboard")
    page.fill("[data-testid=text-input]", text)
    page.click("[data-testid=send-button]")


def quick_reply(page: Any, label: str) -> None:
    page.locator("[data-testid=quick-replies] .qr-item", has_text=re.compile(f"^{label}$")).click()


def otp_from_inbox(page: Any, url: str) -> str:
    inbox = page.context.new_page()
    inbox.goto(url + "/_emulator/sms")
    text = inbox.locator("[data-testid=sms-table] tbody tr").first.inner_text()
    inbox.close()
    return re.search(r"\b(\d{6})\b", text).group(1)


def test_register_then_pay_by_qr_send_a_slip_and_open_a_receipt(tenant, page):
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.goto(tenant.emulator.url + "/")
    page.fill("[data-testid=new-user-name]", "สมใจ ใจดี")
    page.click("[data-testid=create-user]")
    bot_says(page, "ยินดีต้อนรับ")
    guest_menu = page.locator("#rich-menu-image").get_attribute("src")

    page.locator(".rm-area[title='ชำระเงิน ค่าเช่าอื่นๆ']").click()  # seed 000's way in: register, then the bill
    bot_says(page, "ต้องลงทะเบียน")
    bot_says(page, "รหัสผู้เช่า")
    type_text(page, "T0001")
    bot_says(page, "เบอร์โทรศัพท์มือถือ")
    type_text(page, "0810000001")
    bot_says(page, "081-xxx-0001")
    type_text(page, otp_from_inbox(page, tenant.emulator.url))
    bot_says(page, "ยินยอมให้")
    quick_reply(page, "ยินยอม")
    bot_says(page, "ลงทะเบียนสำเร็จ")
    page.wait_for_function("src => document.querySelector('#rich-menu-image').src !== src", arg=guest_menu)

    type_text(page, "ดูยอดค้างชำระ")
    statement = bot_says(page, "22,327.50")
    assert statement.locator(".flex-bubble").count() == 1
    shoot_card(statement.locator(".flex-bubble"), "flex-statement.png")

    statement.locator(".flex-button", has_text="ชำระทั้งหมด").first.click()
    bill = page.locator(".row.bot .flex-bubble", has_text="สแกน").last
    qr = bill.locator("img").first
    qr.wait_for()
    qr.scroll_into_view_if_needed()  # the simulator loads pictures lazily, as phones do
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=qr.element_handle())
    assert "/web/qr.png" in unquote(qr.get_attribute("src"))
    shoot_card(bill, "flex-bill-qr.png")

    type_text(page, "แนบสลิป")
    bot_says(page, "ส่งรูปสลิป")
    page.set_input_files("#file-input", files=[{"name": "slip.png", "mimeType": "image/png",
                                                "buffer": slip_png("20261126B0001")}])
    bot_says(page, "รอเจ้าหน้าที่ตรวจสอบ")

    with tenant.bot_app.assembly.services.db.session() as session, session.begin():
        customer = customer_by_code(session, "T0001")
        record_cash_payment(session, customer.id, amount="1000.00", paid_at=datetime.now(BANGKOK),
                            receipt_number_format=PROFILE.document_number_formats["receipt"], received_by="ทดสอบ")
    type_text(page, "ขอใบเสร็จ")
    receipts = bot_says(page, "RC-")
    rows = page.locator(".row.bot .flex-bubble").count()
    receipts.locator(".flex-bubble", has_text="1,000.00").locator(".flex-button", has_text="รายละเอียด").click()
    page.wait_for_function("n => document.querySelectorAll('.row.bot .flex-bubble').length > n", arg=rows)
    receipt = page.locator(".row.bot .flex-bubble").last
    assert "1,000.00" in receipt.inner_text() and "เงินสด" in receipt.inner_text()
    shoot_card(receipt, "flex-receipt.png")
    assert page.console_errors == []


def shoot_card(card: Any, name: str) -> None:
    """The card whole, as the resident scrolls through it: the phone frame is let
    out to the card's height for the picture."""
    if not os.environ.get("SMARTSERVICE_SCREENSHOTS"):
        return
    card.page.add_style_tag(content=".layout, .phone { height: auto !important; max-height: none !important; } "
                                    ".chat { overflow: visible !important; height: auto !important; }")
    shoot(card, name)
