"""The inbox in Debian's chromium, against the real bot and the LINE emulator (the
municipality demo): a resident asks for a person in the chat, the waiting chat
appears in the inbox page already open, staff take it, answer it and finish it,
all live without reloading, and the resident reads every step in the chat."""
from __future__ import annotations

import base64
import io
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import select

from config.profile import load_profile
from flows.texts import say
from models.staff import AuditEntry, StaffUser
from services import inbox
from services.staff import StaffIdentity
from tests.browser.conftest import product_stack
from tests.conftest import chat_id_of, skip_without_chromium
from tests.finance.test_admin_browser import _clean, _go, page, shots  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, skip_without_chromium]

PROFILE = load_profile("municipality")
PC = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def town(tmp_path_factory) -> Iterator[Any]:
    """The municipality demo: its units, customers and one login per role (password demo1234)."""
    with product_stack(tmp_path_factory, "municipality", demo_data=True) as stack:
        yield stack


def _eventually(check: Callable[[], Any], what: str, timeout: float = 15) -> Any:
    """Poll `check` until it returns something true, or fail saying `what` never happened."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"{what} within {timeout} s")


def _login(page, base: str, username: str, shot: Path | None = None) -> None:
    page.goto(f"{base}/admin/inbox")
    page.fill("input[name=username]", username)
    if shot is not None:
        page.screenshot(path=str(shot))
    page.fill("input[name=password]", "demo1234")
    _go(page, "button:has-text('เข้าสู่ระบบ')")


def _mark(page) -> None:
    """A mark on the loaded document: still there later means the page was never reloaded."""
    page.evaluate("window.__notReloaded = true")


def _not_reloaded(page) -> bool:
    return page.evaluate("window.__notReloaded === true")


def _fits(page, width: int) -> bool:
    """Nothing on the page's content reaches past the screen's right edge."""
    return page.evaluate("Math.max(...[...document.querySelectorAll('main *')]"
                         ".map(e => e.getBoundingClientRect().right))") <= width


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (800, 600), (200, 80, 40)).save(out, format="JPEG")
    return out.getvalue()


def _texts(stack, user: str) -> list[str]:
    return [m["message"].get("text", "") for m in stack.messages(user)]


def test_staff_take_answer_and_finish_a_chat_live_and_the_resident_reads_it(town, page, shots):
    """Also the pictures of the staff guide (docs/คู่มือเจ้าหน้าที่.md), one per step: guide-*.png."""
    base = town.bot.url
    page.set_viewport_size(PC)
    _login(page, base, "admin", shot=shots / "guide-1-login.png")
    _go(page, "a:has-text('รอเจ้าหน้าที่')")
    _mark(page)

    user = town.new_user("สมหญิง รอคุย")
    handoff = town.say(user, "ขอคุยกับเจ้าหน้าที่")
    assert any("เจ้าหน้าที่" in m.get("text", "") for m in handoff)
    row = page.locator(".chat-row", has_text="สมหญิง รอคุย")
    row.wait_for()  # the list fetched it by itself
    assert _not_reloaded(page) and "ใหม่" in row.inner_text() and "แมนนวล" in row.inner_text()
    assert "ยังไม่มีผู้รับเรื่อง" in row.inner_text()
    for name, text in (("ลุงบุญมี ภาษีป้าย", "ขอคุยกับเจ้าหน้าที่เรื่องภาษีป้าย"), ("ป้าสายใจ", "ติดต่อเจ้าหน้าที่หน่อยค่ะ")):
        town.say(town.new_user(name), text)
        page.locator(".chat-row", has_text=name).wait_for()
    page.screenshot(path=str(shots / "admin-inbox.png"), full_page=True)

    _go(page, ".chat-row:has-text('สมหญิง รอคุย')")
    page.screenshot(path=str(shots / "guide-2-open-chat.png"))
    _go(page, "form.take button:has-text('รับเรื่อง')")
    page.screenshot(path=str(shots / "guide-3-taken.png"))
    assert "รับเรื่องแล้ว" in page.inner_text(".notice.ok")
    assert page.input_value("select[name=status]") == "in_progress" and page.input_value("select[name=mode]") == "manual"
    _mark(page)

    heard = len(town.messages(user))
    page.fill("#reply-text", "กำลังพิมพ์ร่าง")  # what staff are typing survives the live updates
    town.send(user, {"type": "text", "text": "ท่อประปาแตกหน้าบ้านค่ะ ซอย 5"}, expect_answer=False)
    page.locator(".msg.in", has_text="ท่อประปาแตกหน้าบ้านค่ะ ซอย 5").wait_for()
    assert _not_reloaded(page) and page.input_value("#reply-text") == "กำลังพิมพ์ร่าง"
    assert len(town.messages(user)) == heard  # manual mode: the bot kept quiet
    scroller = "document.querySelector('[data-scroll]')"
    assert page.evaluate(f"{scroller}.scrollHeight - {scroller}.scrollTop - {scroller}.clientHeight") < 48

    page.fill("#reply-text", "รับทราบค่ะ กองช่างจะส่งเจ้าหน้าที่ไปตรวจสอบภายในวันนี้")
    _go(page, "form.reply button:has-text('ส่ง')")
    assert page.inner_text(".notice.ok") == "ส่งข้อความถึงผู้ใช้แล้ว"
    _eventually(lambda: "รับทราบค่ะ กองช่างจะส่งเจ้าหน้าที่ไปตรวจสอบภายในวันนี้" in _texts(town, user),
                "the reply did not reach the resident's chat")
    mine = page.locator(".msg.out", has_text="กองช่างจะส่งเจ้าหน้าที่")
    _eventually(lambda: "ผู้ดูแลระบบ (ทดลอง)" in mine.inner_text() and "กำลังส่ง" not in mine.inner_text(),
                "the reply was not shown as sent by its writer")
    page.screenshot(path=str(shots / "admin-inbox-chat.png"))

    page.select_option("select[name=status]", "done")
    page.screenshot(path=str(shots / "guide-4-choose-done.png"))
    _go(page, "form.control:has(select[name=status]) button")
    assert "เสร็จสิ้นแล้ว" in page.inner_text(".notice.ok")
    page.screenshot(path=str(shots / "guide-5-done.png"))
    _eventually(lambda: say("chat_done", PROFILE) in _texts(town, user), "the resident was not told it is done")
    assert page.input_value("select[name=mode]") == "auto"
    again = town.say(user, "สวัสดีครับ")
    assert again and all(m.get("text") != say("chat_done", PROFILE) for m in again)  # the bot answers again
    assert _clean(page), (page.console_errors, page.broken)


def test_the_transcript_shows_what_the_resident_saw(town, page):
    user = town.new_user("นางสาวทดสอบ ครบทุกแบบ")
    town.say(user, "ขอคุยกับเจ้าหน้าที่")
    town.send(user, {"type": "image", "base64": base64.b64encode(_jpeg()).decode()}, expect_answer=False)
    town.send(user, {"type": "location", "latitude": 13.36, "longitude": 100.98, "address": "123 ถนนสุขุมวิท ชลบุรี"},
              expect_answer=False)
    town.send(user, {"type": "sticker"}, expect_answer=False)
    page.set_viewport_size(PC)
    _login(page, town.bot.url, "admin")
    _go(page, "a:has-text('ทั้งหมด')")
    _go(page, ".chat-row:has-text('ครบทุกแบบ')")
    greeting = page.locator(".msg.out.k-card").first  # the welcome card, as its title, lines and buttons
    assert "ยินดีต้อนรับ" in greeting.locator(".card-title").inner_text()
    assert greeting.locator(".card-button").count() >= 1 and "{" not in greeting.inner_text()
    picture = page.locator(".msg.in.k-image img")
    _eventually(lambda: picture.evaluate("img => img.complete && img.naturalWidth") == 800,
                "the resident's picture was not fetched from LINE")
    place = page.locator(".msg.in.k-location")
    assert "123 ถนนสุขุมวิท ชลบุรี" in place.inner_text()
    assert "13.360000,100.980000" in place.locator("a:has-text('เปิดแผนที่')").get_attribute("href")
    assert page.locator(".msg.in.k-sticker", has_text="สติกเกอร์").count() == 1
    assert _clean(page), (page.console_errors, page.broken)


def test_a_display_name_with_markup_is_shown_as_text(town, page):
    base = town.bot.url
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    _login(page, base, "admin")
    _go(page, "a:has-text('ทั้งหมด')")
    hostile = "<img src=x onerror=alert(1)>"
    user = town.new_user(hostile)
    town.say(user, "ขอคุยกับเจ้าหน้าที่ <b>ด่วน</b>")
    row = page.locator(".chat-row", has_text=hostile)
    row.wait_for()
    assert row.locator(".name").inner_text() == hostile
    _go(page, f".chat-row:has-text('{hostile}')")
    assert page.inner_text(".chat-head h1") == hostile
    assert page.locator(".msg.in", has_text="<b>ด่วน</b>").count() == 1
    assert page.locator("img[src=x]").count() == 0 and dialogs == []
    assert _clean(page), (page.console_errors, page.broken)


def test_a_chat_forwarded_to_another_unit_stops_updating_and_says_so(town, page):
    user = town.new_user("ผู้ถามเรื่องถนน")
    town.say(user, "ติดต่อเจ้าหน้าที่หน่อยค่ะ")  # no unit yet: every officer sees it
    _login(page, town.bot.url, "finance")
    _go(page, "a:has-text('ทั้งหมด')")
    _go(page, ".chat-row:has-text('ผู้ถามเรื่องถนน')")
    services = town.bot_app.assembly.services
    with services.db.session() as s, s.begin():
        admin = s.scalars(select(StaffUser).where(StaffUser.username == "admin")).one()
        boss = StaffIdentity(admin.id, admin.username, admin.display_name, admin.role, token="")
        chat_id = chat_id_of(s, user)
        inbox.forward(s, boss, PROFILE, chat_id, unit="engineering", note="เรื่องของกองช่าง")
    page.locator("[data-live-state]", has_text="ไม่อยู่ในสิทธิ์ของคุณแล้ว").wait_for()
    with services.db.session() as s:
        refused = s.scalars(select(AuditEntry).where(AuditEntry.action == "forbidden",
                                                     AuditEntry.record_id == str(chat_id))).all()
    assert len(refused) == 1  # one refused round, then the page stopped asking


def test_the_inbox_on_a_phone(town, browser, shots):
    context = browser.new_context(viewport=PHONE, locale="th-TH", device_scale_factor=2, is_mobile=True,
                                  has_touch=True)
    phone = context.new_page()
    try:
        base = town.bot.url
        user = town.new_user("ลุงสมบูรณ์ ใจดี")
        town.say(user, "ขอคุยกับเจ้าหน้าที่เรื่องภาษีป้าย")
        _login(phone, base, "finance")
        _go(phone, "a:has-text('ทั้งหมด')")
        row = phone.locator(".chat-row", has_text="ลุงสมบูรณ์ ใจดี")
        row.wait_for()
        assert _fits(phone, PHONE["width"])
        phone.screenshot(path=str(shots / "admin-inbox-phone.png"), full_page=True)
        _go(phone, ".chat-row:has-text('ลุงสมบูรณ์ ใจดี')")
        assert phone.is_visible("form.take button:has-text('รับเรื่อง')") and phone.is_visible("#reply-text")
        assert _fits(phone, PHONE["width"])
        phone.screenshot(path=str(shots / "admin-inbox-chat-phone.png"), full_page=True)
    finally:
        context.close()
