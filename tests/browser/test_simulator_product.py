"""A newcomer tries the real bot in the chat simulator (Debian's chromium, Playwright).

Screenshots land in docs/images/ when SMARTSERVICE_SCREENSHOTS=1 is set, so the README
pictures can be remade from the same path a user takes.
"""
from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests

import flex_templates
from config.profile import load_profile
from tests.browser.conftest import product_stack
from tests.conftest import TOKEN, skip_without_chromium

pytestmark = [pytest.mark.browser, skip_without_chromium]
IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"


def shoot(page: Any, name: str) -> None:
    if os.environ.get("SMARTSERVICE_SCREENSHOTS"):
        page.screenshot(path=str(IMAGES / name))


@pytest.fixture(scope="module")
def product(tmp_path_factory) -> Iterator[Any]:
    with product_stack(tmp_path_factory, "municipality") as stack:
        yield stack


def bot_says(page: Any, text: str) -> Any:
    found = page.locator(".row.bot", has_text=text).last
    found.wait_for()
    return found


def test_newcomer_taps_menu_gets_flex_types_thai_and_switches_tab(product, page):
    page.goto(product.emulator.url + "/")
    page.fill("[data-testid=new-user-name]", "สมศรี มีสุข")
    page.click("[data-testid=create-user]")
    bot_says(page, "ยินดีต้อนรับ")  # the greeting with the consent notice
    menu = page.locator("#rich-menu-image")
    menu.wait_for()
    first_menu = menu.get_attribute("src")

    page.locator(".rm-area[title*='ฉุกเฉิน']").first.click()
    emergency = bot_says(page, "1669")
    assert emergency.locator(".flex-bubble").count() == 1
    emergency.locator(".flex-button", has_text="1669").first.click()
    assert "1669" in page.locator("#tel-dialog").inner_text()
    page.locator("#tel-dialog button").click()

    page.click("#to-keyboard") if page.locator("#to-keyboard").is_visible() else None
    page.fill("[data-testid=text-input]", "สวัสดีครับ")
    page.click("[data-testid=send-button]")
    bot_says(page, "มีอะไรให้")
    shoot(page, "simulator-chat.png")

    page.click("#to-menu")
    if page.locator("[data-testid=rich-menu]").is_hidden():
        page.click("[data-testid=chat-bar]")
    page.locator(".rm-area[data-action-type=richmenuswitch]").last.click()
    page.wait_for_function("src => document.querySelector('#rich-menu-image').src !== src", arg=first_menu)
    assert page.console_errors == []


def test_every_flex_template_renders_without_console_errors(product, page):
    profile = load_profile("municipality")
    user = "U" + uuid.uuid4().hex
    product.control("POST", "/users", json={"userId": user, "displayName": "ผู้ทดสอบแม่แบบ", "sendFollow": False})
    for name in flex_templates.template_names():
        message = flex_templates.render(name, flex_templates.sample_context(name), profile=profile)
        response = requests.post(f"{product.emulator.url}/v2/bot/message/push", timeout=10,
                                 headers={"Authorization": f"Bearer {TOKEN}"}, json={"to": user, "messages": [message]})
        assert response.status_code == 200, (name, response.text)
    page.goto(f"{product.emulator.url}/?user={user}")
    page.locator(".flex-bubble").first.wait_for()
    page.wait_for_function(f"document.querySelectorAll('.row.bot').length >= {len(flex_templates.template_names())}")
    page.locator(".flex-carousel").last.scroll_into_view_if_needed()
    shoot(page, "simulator-flex-carousel.png")
    assert page.locator(".flex-unknown").count() == 0
    assert page.console_errors == []


def test_a_million_baht_total_shrinks_to_one_line(product, page):
    """Totals use adjustMode shrink-to-fit: a seven-digit amount stays on one line,
    whole, in a smaller font, instead of wrapping or being cut off."""
    user = "U" + uuid.uuid4().hex
    product.control("POST", "/users", json={"userId": user, "displayName": "ผู้ทดสอบยอดใหญ่", "sendFollow": False})
    context = flex_templates.sample_context("statement")
    context["outstanding"] = Decimal("12345678.90")
    message = flex_templates.render("statement", context, profile=load_profile("municipality"))
    response = requests.post(f"{product.emulator.url}/v2/bot/message/push", timeout=10,
                             headers={"Authorization": f"Bearer {TOKEN}"}, json={"to": user, "messages": [message]})
    assert response.status_code == 200, response.text
    page.goto(f"{product.emulator.url}/?user={user}")
    total = page.locator(".flex-shrink-to-fit", has_text="12,345,678.90").first
    total.wait_for()
    page.wait_for_function("""el => el.style.fontSize !== ''""", arg=total.element_handle())
    fit = total.evaluate("""el => ({fits: el.scrollWidth <= el.clientWidth, height: el.clientHeight,
                                    size: parseFloat(el.style.fontSize),
                                    line: parseFloat(getComputedStyle(el).lineHeight)})""")
    assert fit["fits"], fit
    assert fit["height"] < 2 * fit["line"], fit  # one line
    shoot(page, "simulator-large-total.png")
    assert page.console_errors == []
