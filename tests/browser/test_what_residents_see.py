"""What a new resident sees in the demo, profile by profile (Debian's chromium,
Playwright): the account's name on the simulator's header, a greeting whose consent
follows the organisation's modules, menus that drop ลงทะเบียน once registered, and
the slip web form with Buddhist-Era dates that keeps a chosen picture through a
correction. With SMARTSERVICE_SCREENSHOTS=1 the pictures in docs/images/ are remade."""
from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from config.profile import load_profile
from services.billing.accounts import customer_by_code
from tests.browser.conftest import product_stack
from tests.browser.test_register_and_pay import otp_from_inbox, quick_reply, shoot_card, type_text
from tests.browser.test_simulator_product import bot_says, shoot
from tests.conftest import skip_without_chromium
from tests.slip_images import slip_png
from thai.dates import BANGKOK, MONTHS_FULL

pytestmark = [pytest.mark.browser, skip_without_chromium]
CONSENT = "ขอรับการบอกกล่าวทางอิเล็กทรอนิกส์"  # seed 000's wording


def _open_simulator(page: Any, stack: Any, name: str) -> Any:
    page.goto(stack.emulator.url + "/")
    page.fill("[data-testid=new-user-name]", name)
    page.click("[data-testid=create-user]")
    return bot_says(page, "ยินดีต้อนรับ")


@pytest.mark.parametrize("profile_name", ["tenant", "waterworks", "municipality", "cooperative"])
def test_the_greeting_asks_consent_only_for_what_the_organisation_sends(tmp_path_factory, page, profile_name):
    profile = load_profile(profile_name)
    with product_stack(tmp_path_factory, profile_name) as stack:
        greeting = _open_simulator(page, stack, "ผู้ใช้ทดสอบ")
        assert page.locator("#oa-name").inner_text() == profile.name  # not "Smart Service"
        assert page.title().startswith(profile.name)
        card = greeting.locator(".flex-bubble")
        text = card.inner_text()
        if profile.has("accounts"):
            assert CONSENT in text and "ใบแจ้งหนี้ ใบเสร็จรับเงิน" in text
            assert f"หรือไม่{profile.question_particle}" in text  # a question: คะ, never ค่ะ
            assert card.locator(".flex-button", has_text="ยินยอม").count() == 2  # ยินยอม, ไม่ยินยอม
        else:  # the cooperative books queues: no e-invoices, nothing to consent to
            assert CONSENT not in text and "ใบแจ้งหนี้" not in text and card.locator(".flex-button").count() == 0
            assert "เมนูด้านล่าง" in text
            assert page.locator("[data-testid=quick-replies] .qr-item", has_text="จองคิว").count() == 1
        shoot_card(card, f"greeting-{profile_name}.png")
        assert page.console_errors == []


def _menu_titles(page: Any, waiting_for: str) -> list[str]:
    page.locator(f".rm-area[title='{waiting_for}']").wait_for(state="attached")
    return page.locator(".rm-area").evaluate_all("areas => areas.map(a => a.title)")


def _account_tab(page: Any) -> None:
    """The second tab (บัญชีของฉัน), from the menu whatever the keyboard's state."""
    if page.locator("#to-menu").is_visible():
        page.click("#to-menu")
    if page.locator("[data-testid=rich-menu]").is_hidden():
        page.click("[data-testid=chat-bar]")
    before = page.locator("#rich-menu-image").get_attribute("src")
    page.locator(".rm-area[data-action-type=richmenuswitch]").last.click()
    page.wait_for_function("src => document.querySelector('#rich-menu-image').src !== src", arg=before)


@pytest.fixture(scope="module")
def municipality(tmp_path_factory) -> Iterator[Any]:
    with product_stack(tmp_path_factory, "municipality", demo_data=True) as stack:
        yield stack


def test_a_registered_resident_gets_menus_without_register_and_loses_them_with_the_last_account(municipality, page):
    _open_simulator(page, municipality, "สมชาย บ้านสวน")
    page.locator("#rich-menu-image").wait_for()
    _menu_titles(page, "ร้องเรียน/ร้องทุกข์")
    _account_tab(page)
    _menu_titles(page, "ลงทะเบียน")
    page.locator(".rm-area[title='ลงทะเบียน']").click()
    bot_says(page, "G000001")  # the code is asked for with an example
    type_text(page, "G000001")
    bot_says(page, "เบอร์โทรศัพท์มือถือ")
    type_text(page, "0860000001")
    bot_says(page, "086-xxx-0001")
    guest_menu = page.locator("#rich-menu-image").get_attribute("src")
    type_text(page, otp_from_inbox(page, municipality.emulator.url))
    page.wait_for_function("src => document.querySelector('#rich-menu-image').src !== src", arg=guest_menu)
    bot_says(page, "ยินยอมให้")
    quick_reply(page, "ไม่ยินยอม")
    bot_says(page, "ลงทะเบียนสำเร็จ")

    _menu_titles(page, "ร้องเรียน/ร้องทุกข์")  # the services tab first, as before
    _account_tab(page)
    titles = _menu_titles(page, "ข้อมูลของฉัน")
    assert "ลงทะเบียน" not in titles, titles
    shoot(page.locator(".phone"), "simulator-registered-menu.png")

    page.locator(".rm-area[title='ข้อมูลของฉัน']").click()
    card = bot_says(page, "G000001")
    card.locator(".flex-button", has_text="ยกเลิกการเชื่อมบัญชี").last.click()
    page.locator(".row.bot .flex-button", has_text="ยืนยันยกเลิก").last.click()
    member_menu = page.locator("#rich-menu-image").get_attribute("src")
    bot_says(page, "ยกเลิกการเชื่อมบัญชี G000001 แล้ว")
    page.wait_for_function("src => document.querySelector('#rich-menu-image').src !== src", arg=member_menu)
    _account_tab(page)
    _menu_titles(page, "ลงทะเบียน")  # the default menu again, to register anew
    assert page.console_errors == []


@pytest.fixture(scope="module")
def tenant(tmp_path_factory) -> Iterator[Any]:
    with product_stack(tmp_path_factory, "tenant", demo_data=True) as stack:
        yield stack


def _slip_form_url(stack: Any) -> tuple[str, Path]:
    services = stack.bot_app.assembly.services
    user = stack.new_user("สมใจ ใจดี")
    with services.db.session() as session:
        customer_id = customer_by_code(session, "T0001").id
    return services.links.slip_form(customer_id, user), services.slip_store.root / "drafts"


def _choose_day(page: Any, day: datetime) -> None:
    page.select_option("select[name=day]", str(day.day))
    page.select_option("select[name=month]", str(day.month))
    page.select_option("select[name=year]", str(day.year + 543))


def test_the_slip_form_takes_buddhist_era_dates_and_keeps_the_picture_through_a_correction(tenant, page, tmp_path):
    url, drafts = _slip_form_url(tenant)
    today = datetime.now(BANGKOK)
    page.set_viewport_size({"width": 420, "height": 900})
    page.goto(url)
    assert page.locator("select[name=year] option:checked").inner_text() == str(today.year + 543)
    assert page.locator("select[name=month] option:checked").inner_text() == MONTHS_FULL[today.month - 1]
    assert page.locator("select[name=day] option:checked").inner_text() == str(today.day)
    assert page.locator("input[type=date]").count() == 0  # the native picker shows ค.ศ.

    slip = tmp_path / "สลิปโอนเงิน.png"
    slip.write_bytes(slip_png("20261205K0001"))
    page.set_input_files("#slip", str(slip))
    page.fill("#amount", "หนึ่งพัน")
    page.click("button[type=submit]")
    assert "กรุณากรอกจำนวนเงินที่โอน" in page.locator(".errors").inner_text()
    kept = page.locator("[data-testid=kept-picture]")
    assert "ไฟล์ที่เลือกไว้" in kept.inner_text() and "สลิปโอนเงิน.png" in kept.inner_text()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=kept.locator("img").element_handle())
    assert len(list(drafts.iterdir())) == 1
    shoot(page, "web-slip-form-kept.png")

    tomorrow = today + timedelta(days=1)
    if tomorrow.year == today.year:  # the year select ends at this year: 31 ธันวาคม has no tomorrow to pick
        _choose_day(page, tomorrow)
        page.fill("#amount", "1,000.00")
        page.click("button[type=submit]")
        assert "อนาคต" in page.locator(".errors").inner_text()
        assert "สลิปโอนเงิน.png" in page.locator("[data-testid=kept-picture]").inner_text()  # still kept

    _choose_day(page, today)
    page.fill("#amount", "1,000.00")
    page.click("button[type=submit]")  # no new file chosen: the kept one goes
    assert "ได้รับหลักฐานการชำระเงินแล้ว" in page.locator("h1").inner_text()
    assert list(drafts.iterdir()) == []  # sent: the draft is gone
    assert all("status of 400" in e for e in page.console_errors), page.console_errors  # the sent-back forms


def test_a_kept_picture_cannot_be_taken_by_another_link(tenant):
    """The hidden field is signed with the account of the link that kept it."""
    url, drafts = _slip_form_url(tenant)
    sent_back = requests.post(url, data={"day": "1", "month": "1", "year": "2500", "amount": "10"},
                              files={"slip": ("slip.png", slip_png("20261205K0002"), "image/png")}, timeout=30)
    field = re.search(r'name="kept" value="([^"]+)"', sent_back.text).group(1)
    name = re.search(r'name="kept_name" value="([^"]+)"', sent_back.text).group(1)
    services = tenant.bot_app.assembly.services
    with services.db.session() as session:
        other = customer_by_code(session, "T0002").id
    stranger = services.links.slip_form(other, tenant.new_user("คนอื่น"))
    today = datetime.now(BANGKOK)
    taken = requests.post(stranger, data={"day": str(today.day), "month": str(today.month), "amount": "10",
                                          "year": str(today.year + 543), "kept": field, "kept_name": name}, timeout=30)
    assert taken.status_code == 400 and "กรุณาเลือกรูปสลิป" in taken.text
    assert len(list(drafts.iterdir())) >= 1
