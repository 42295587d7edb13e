"""The chat simulator page in Debian's chromium, driven by Playwright, against a real bot."""
from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw

from tests.conftest import skip_without_chromium
from tests.emulator.conftest import Env, start_env
from tests.emulator.helpers import png, rich_menu_body
from tests.emulator.showcase import showcase

pytestmark = [pytest.mark.browser, skip_without_chromium]
SCREENSHOTS = Path("/tmp")


def _menu_image(colour: str) -> bytes:
    image = Image.new("RGB", (2500, 843), colour)
    ImageDraw.Draw(image).line([(1250, 0), (1250, 843)], fill="white", width=10)
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture(scope="module")
def sim() -> Iterator[Env]:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    env, bot_server = start_env()
    env.bot.handler = showcase
    yield env
    env.emulator.stop()
    bot_server.stop()


@pytest.fixture(scope="module")
def menus(sim: Env) -> dict[str, str]:
    ids = {}
    for name, colour, switch in (("main", "#0b6e4f", "tab2"), ("second", "#274690", None)):
        menu_id = sim.api("POST", "/v2/bot/richmenu", json=rich_menu_body(name, switch_to=switch)).json()["richMenuId"]
        sim.api("POST", f"/v2/bot/richmenu/{menu_id}/content", data=_menu_image(colour),
                headers={"Content-Type": "image/png"})
        ids[name] = menu_id
    sim.api("POST", "/v2/bot/richmenu/alias", json={"richMenuAliasId": "tab2", "richMenuId": ids["second"]})
    sim.api("POST", f"/v2/bot/user/all/richmenu/{ids['main']}")
    return ids


def bot_says(page: Any, text: str) -> None:
    page.locator(".row.bot .msg", has_text=text).last.wait_for()


def user_says(page: Any, text: str) -> None:
    page.locator(".row.user .msg", has_text=text).last.wait_for()


def test_newcomer_chats_taps_the_rich_menu_quick_replies_and_flex(sim: Env, menus: dict[str, str], page: Any) -> None:
    page.goto(sim.url + "/")
    page.fill("[data-testid=new-user-name]", "สมศรี มีสุข")
    page.click("[data-testid=create-user]")
    bot_says(page, "ยินดีต้อนรับ")
    assert page.evaluate("document.fonts.ready.then(() => document.fonts.check('16px Sarabun'))")

    menu_image = page.locator("#rich-menu-image")
    menu_image.wait_for()
    assert menus["main"] in menu_image.get_attribute("src")
    assert page.inner_text("[data-testid=chat-bar]").startswith("เมนู")
    page.locator(".rm-area").nth(0).click()
    user_says(page, "ใบแจ้งหนี้")
    bot_says(page, "รับทราบ action=bills")
    page.locator(".rm-area").nth(1).click()
    bot_says(page, "newRichMenuAliasId")
    page.wait_for_function(f"document.getElementById('rich-menu-image').src.includes('{menus['second']}')")
    page.click("[data-testid=chat-bar]")
    assert page.locator("[data-testid=rich-menu]").is_hidden()

    page.click("#to-keyboard")
    page.fill("[data-testid=text-input]", "สวัสดีค่ะ อยากทราบยอดค้างชำระค่าน้ำ")
    page.click("[data-testid=send-button]")
    user_says(page, "สวัสดีค่ะ อยากทราบยอดค้างชำระค่าน้ำ")
    bot_says(page, "ได้รับ: สวัสดีค่ะ อยากทราบยอดค้างชำระค่าน้ำ")
    page.locator(".qr-item", has_text="ดูบิล").click()
    user_says(page, "ดูบิล")
    bot_says(page, "รับทราบ action=bills")

    page.fill("[data-testid=text-input]", "การ์ด")
    page.click("[data-testid=send-button]")
    carousel = page.locator(".flex-carousel").last
    carousel.wait_for()
    assert carousel.locator(".flex-bubble").count() == 2
    assert "1,234.50 บาท" in carousel.inner_text()
    page.screenshot(path=str(SCREENSHOTS / "simulator-flex-carousel.png"))
    carousel.locator(".flex-button", has_text="ชำระเงิน").first.click()
    user_says(page, "ชำระเงิน")
    bot_says(page, "รับทราบ action=pay")
    carousel.locator(".flex-button", has_text="โทรหาเจ้าหน้าที่").first.click()
    assert page.inner_text("[data-testid=tel-number]") == "1669"
    page.locator("#tel-dialog button").click()
    carousel.locator(".flex-button", has_text="นัดวันชำระ").first.click()
    page.fill("[data-testid=datetime-input]", "2026-12-15")
    page.click("[data-testid=datetime-send]")
    bot_says(page, "'date': '2026-12-15'")

    postbacks = [batch["events"][0] for batch in sim.bot.events if batch["events"][0]["type"] == "postback"]
    assert postbacks[-1]["postback"] == {"data": "action=payday", "params": {"date": "2026-12-15"}}
    page.screenshot(path=str(SCREENSHOTS / "simulator-chat.png"))
    assert page.console_errors == []


def test_photo_location_and_quick_reply_actions(sim: Env, menus: dict[str, str], page: Any, tmp_path: Path) -> None:
    user = sim.post("/_emulator/users", {"displayName": "ช่างภาพ", "wait": 3}).json()["userId"]
    sim.post(f"/_emulator/users/{user}/send", {"type": "text", "text": "ขอส่งรูป", "wait": 3})
    page.goto(f"{sim.url}/simulator?user={user}")
    bot_says(page, "ได้รับ: ขอส่งรูป")
    photo = tmp_path / "ท่อแตก.png"
    photo.write_bytes(png(64, 48, "#d0312d"))
    with page.expect_file_chooser() as chooser:
        page.locator(".qr-item", has_text="เลือกรูป").click()
    chooser.value.set_files(str(photo))
    bot_says(page, "ได้รับimageแล้วค่ะ")
    sent = page.locator(".row.user img.media").last
    page.wait_for_function("img => img.complete && img.naturalWidth === 64", arg=sent.element_handle())
    page.click("#to-keyboard") if page.locator("#to-keyboard").is_visible() else None
    page.click("[data-testid=open-location]")
    page.click("[data-testid=location-send]")
    bot_says(page, "ได้รับlocationแล้วค่ะ")
    assert "ศาลาว่าการ" in page.locator(".row.user .location-card").last.inner_text()
    event = sim.bot.events[-1]["events"][0]
    assert event["message"]["latitude"] == pytest.approx(13.7563)
    assert page.console_errors == []


RICH_MESSAGES: list[dict[str, Any]] = [
    {"type": "text", "text": "$ สวัสดีค่ะ $", "emojis": [
        {"index": 0, "productId": "5ac1bfd5040ab15980c9b435", "emojiId": "001"},
        {"index": 11, "productId": "5ac1bfd5040ab15980c9b435", "emojiId": "002"}]},
    {"type": "image", "originalContentUrl": "https://127.0.0.1:9/a.jpg", "previewImageUrl": "https://127.0.0.1:9/a.jpg"},
    {"type": "video", "originalContentUrl": "https://127.0.0.1:9/a.mp4", "previewImageUrl": "https://127.0.0.1:9/a.jpg"},
    {"type": "audio", "originalContentUrl": "https://127.0.0.1:9/a.m4a", "duration": 3000},
    {"type": "location", "title": "ที่ทำการ อบต.", "address": "หมู่ 1", "latitude": 15.1, "longitude": 101.2},
]
MORE_MESSAGES: list[dict[str, Any]] = [
    {"type": "sticker", "packageId": "446", "stickerId": "1988"},
    {"type": "template", "altText": "เมนู", "template": {
        "type": "buttons", "thumbnailImageUrl": "https://127.0.0.1:9/t.jpg", "title": "บริการ", "text": "เลือกบริการ",
        "actions": [{"type": "message", "label": "แจ้งเหตุ", "text": "แจ้งเหตุ"},
                    {"type": "uri", "label": "เว็บไซต์", "uri": "https://127.0.0.1:9/"}]}},
    {"type": "template", "altText": "ยืนยัน", "template": {
        "type": "confirm", "text": "ยืนยันไหมคะ", "actions": [
            {"type": "message", "label": "ใช่", "text": "ใช่"}, {"type": "message", "label": "ไม่", "text": "ไม่"}]}},
    {"type": "template", "altText": "รายการ", "template": {"type": "carousel", "columns": [
        {"text": f"รายการที่ {i}", "actions": [{"type": "postback", "label": "เลือก", "data": f"i={i}"}]}
        for i in range(3)]}},
    {"type": "flex", "altText": "ทดสอบ", "contents": {"type": "bubble", "size": "giga", "body": {
        "type": "box", "layout": "vertical", "background": {
            "type": "linearGradient", "angle": "90deg", "startColor": "#ffffff", "endColor": "#e4f8ec"},
        "contents": [
            {"type": "text", "contents": [{"type": "span", "text": "ตัวหนา ", "weight": "bold"},
                                          {"type": "span", "text": "ขีดฆ่า", "decoration": "line-through"}]},
            {"type": "text", "text": "มีคุณสมบัติใหม่", "sparkle": "yes"},
            {"type": "box", "layout": "horizontal", "contents": [
                {"type": "text", "text": "ซ้าย", "flex": 1}, {"type": "filler"},
                {"type": "text", "text": "ขวา", "flex": 2, "align": "end"}]}]}}},
]


def test_every_kind_of_bot_message_renders(sim: Env, page: Any) -> None:
    user = sim.post("/_emulator/users", {"displayName": "ผู้ทดสอบ", "wait": 3}).json()["userId"]
    for batch in (RICH_MESSAGES, MORE_MESSAGES):
        resp = sim.api("POST", "/v2/bot/message/push", json={"to": user, "messages": batch})
        assert resp.status_code == 200, resp.text
    page.goto(f"{sim.url}/simulator?user={user}")
    page.locator(".flex-bubble").last.wait_for()
    assert page.locator(".line-emoji").count() == 2
    assert page.locator(".row.bot video").count() == 1 and page.locator(".row.bot audio").count() == 1
    assert "ที่ทำการ อบต." in page.locator(".location-card").inner_text()
    assert page.locator(".sticker").count() == 1
    assert page.locator(".tmpl-card").count() == 1 + 1 + 3
    marker = page.locator(".flex-unknown")
    assert marker.count() == 1 and "sparkle" in marker.inner_text()
    strike = page.locator(".flex-span", has_text="ขีดฆ่า")
    assert strike.evaluate("n => getComputedStyle(n).textDecorationLine") == "line-through"
    left, right = (page.locator(".flex-text-node", has_text=t).bounding_box() for t in ("ซ้าย", "ขวา"))
    assert right["width"] > left["width"] * 1.5
    opened = "https://127.0.0.1:9/"
    with page.context.expect_event("request", predicate=lambda r: r.url == opened), page.expect_popup() as popup:
        page.locator(".tmpl-action", has_text="เว็บไซต์").click()
    popup.value.close()
    page.locator(".row.bot .location-card").click()
    detail = page.locator("#tab-json details.highlight pre")
    assert json.loads(detail.inner_text())["message"]["type"] == "location"
    page.locator(".tabs button", has_text="API calls").click()
    page.locator("#tab-calls summary", has_text="/v2/bot/message/push").first.wait_for()
    page.screenshot(path=str(SCREENSHOTS / "simulator-rendering.png"), full_page=True)
    assert page.console_errors == []


LAYOUT_BUBBLE = {"type": "flex", "altText": "ผังการ์ด", "contents": {
    "type": "bubble", "size": "kilo",
    "styles": {"body": {"backgroundColor": "#fafafa"}, "footer": {"separator": True, "separatorColor": "#ff0000"}},
    "hero": {"type": "image", "url": "https://127.0.0.1:9/h.png", "size": "full", "aspectRatio": "20:13",
             "aspectMode": "cover", "action": {"type": "message", "label": "รูป", "text": "แตะรูป"}},
    "body": {"type": "box", "layout": "vertical", "spacing": "md", "paddingAll": "xl", "contents": [
        {"type": "text", "text": "หัวข้อ", "size": "xl", "weight": "bold", "color": "#0b6e4f"},
        {"type": "text", "text": "ยาว " * 80, "wrap": True, "maxLines": 2, "size": "sm"},
        {"type": "text", "text": "ระยะห่างพิเศษ", "margin": "xxl"},
        {"type": "box", "layout": "horizontal", "contents": [
            {"type": "box", "layout": "vertical", "flex": 1, "contents": [{"type": "text", "text": "๑"}]},
            {"type": "box", "layout": "vertical", "flex": 3, "contents": [{"type": "text", "text": "๓"}]}]}]},
    "footer": {"type": "box", "layout": "vertical", "contents": [
        {"type": "button", "style": "primary", "color": "#123456", "height": "sm",
         "action": {"type": "postback", "label": "ตกลง", "data": "ok=1"}}]}}}


def test_flex_layout_follows_lines_rules(sim: Env, page: Any) -> None:
    user = sim.post("/_emulator/users", {"displayName": "นักออกแบบ", "wait": 3}).json()["userId"]
    assert sim.api("POST", "/v2/bot/message/push", json={"to": user, "messages": [LAYOUT_BUBBLE]}).status_code == 200
    page.goto(f"{sim.url}/simulator?user={user}")
    bubble = page.locator(".flex-bubble").last
    bubble.wait_for()
    assert bubble.bounding_box()["width"] == pytest.approx(260, abs=1)
    hero = bubble.locator(".flex-image-box").bounding_box()
    assert hero["height"] / hero["width"] == pytest.approx(13 / 20, abs=0.01)
    body = bubble.locator(".flex-block-body > .flex-box")
    assert body.evaluate("n => getComputedStyle(n).paddingTop") == "16px"
    texts = body.locator(":scope > .fc-text").all()
    assert texts[0].evaluate("n => getComputedStyle(n).fontSize") == "22px"
    assert texts[1].evaluate("n => getComputedStyle(n).marginTop") == "8px"
    assert texts[2].evaluate("n => getComputedStyle(n).marginTop") == "20px"
    line_height = float(texts[1].evaluate("n => getComputedStyle(n.firstChild).lineHeight").rstrip("px"))
    assert texts[1].bounding_box()["height"] <= 2 * line_height + 1
    one, three = (bubble.locator(".flex-text-node", has_text=t).bounding_box()["width"] for t in ("๑", "๓"))
    assert three == pytest.approx(3 * one, rel=0.05)
    button = bubble.locator(".flex-button")
    assert button.evaluate("n => getComputedStyle(n).backgroundColor") == "rgb(18, 52, 86)"
    assert button.bounding_box()["height"] == pytest.approx(40, abs=1)
    footer = bubble.locator(".flex-block-footer")
    assert footer.evaluate("n => getComputedStyle(n).borderTopColor") == "rgb(255, 0, 0)"
    bubble.locator(".flex-image-wrap").click()
    user_says(page, "แตะรูป")
    button.click()
    page.wait_for_function("fetch('/_emulator/webhooks').then(r => r.json()).then(d => "
                           "d.webhooks.some(w => w.body.includes('ok=1')))")
    assert page.console_errors == []
