"""The back office in Debian's chromium, against the real bot and the LINE
emulator: a resident sends a slip in the chat, finance approves or rejects it
in the browser, and the resident reads the outcome in the chat."""
from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import pytest
import requests

from config.profile import load_profile
from models.base import utcnow
from services.billing.accounts import customer_by_code
from services.billing.slips import pending_slips
from services.demo import seed_demo
from services.identity.linking import link_account
from tests.conftest import skip_without_chromium
from tests.slip_images import slip_png
from thai.dates import BANGKOK

pytestmark = [pytest.mark.browser, skip_without_chromium]

PROFILE = load_profile("tenant")


@pytest.fixture
def office(stack):
    """The tenant demo: customers, bills and the finance login finance / demo1234."""
    with stack.bot_app.assembly.services.db.session() as session, session.begin():
        seed_demo(session, PROFILE, today=datetime.now(BANGKOK).date())
    return stack


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Where screenshots go: $ADMIN_SCREENSHOTS to keep them, else the test's own folder."""
    folder = Path(os.environ.get("ADMIN_SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def page(page):
    """The page, also keeping every stylesheet, font or picture that failed to load. Pages
    answered 4xx on purpose (a refused form) are documents and do not count."""
    page.broken = []
    page.on("response", lambda r: page.broken.append(f"{r.status} {r.url}")
            if r.status >= 400 and r.request.resource_type != "document" else None)
    return page


def _clean(page) -> bool:
    scripts = [e for e in page.console_errors if not e.startswith("Failed to load resource")]
    return scripts == [] and page.broken == []


def _session(stack):
    return stack.bot_app.assembly.services.db.session()


def _resident_sends_slip(stack, trans_ref: str) -> tuple[str, int]:
    """A LINE user linked to T0001 sends a slip photo in the chat; returns (user, slip id)."""
    user = stack.new_user("สมใจ ใจดี")
    with _session(stack) as s, s.begin():
        link_account(s, user, customer_by_code(s, "T0001").id, consent_version="e-notice-1", now=utcnow())
    stack.send(user, {"type": "image", "base64": base64.b64encode(slip_png(trans_ref)).decode()})
    with _session(stack) as s:
        slip_id = next(r.id for r in pending_slips(s) if r.qr_trans_ref == trans_ref)
    return user, slip_id


def _go(page, selector: str) -> None:
    """Click a link or a form's button and wait for the page it leads to."""
    with page.expect_navigation():
        page.click(selector)


def _login(page, base: str, username: str = "finance", password: str = "demo1234") -> None:
    page.goto(f"{base}/admin/slips")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    _go(page, "button:has-text('เข้าสู่ระบบ')")


def _pushed_since(stack, user: str, count_before: int) -> list[dict]:
    stack.settle()
    return [m["message"] for m in stack.messages(user)][count_before:]


def _pdf_text(content: bytes, tmp_path: Path) -> str:
    path = tmp_path / "receipt.pdf"
    path.write_bytes(content)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_login_refuses_wrong_passwords_alike_and_locks_after_five(office, page):
    base = office.bot.url
    page.goto(f"{base}/admin/payments/cash")
    assert "/admin/login" in page.url and page.is_visible("text=เข้าสู่ระบบเจ้าหน้าที่")
    _login(page, base, "finance", "wrong-password")
    wrong_password = page.inner_text(".notice.error")
    _login(page, base, "nobody", "demo1234")
    assert page.inner_text(".notice.error") == wrong_password == "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง กรุณาลองใหม่"
    for _ in range(4):
        _login(page, base, "finance", "guess-again")
    _login(page, base, "finance", "demo1234")
    assert "เกิน 5 ครั้งใน 15 นาที" in page.inner_text(".notice.error")
    assert _clean(page), (page.console_errors, page.broken)


def test_a_post_without_the_csrf_token_is_refused(office, page):
    base = office.bot.url
    _user, slip_id = _resident_sends_slip(office, "CSRF0001")
    no_token = page.request.post(f"{base}/admin/login", form={"username": "finance", "password": "demo1234"})
    assert no_token.status == 400 and "แบบฟอร์มนี้หมดอายุ" in no_token.text()
    _login(page, base)
    assert page.is_visible("text=สลิปรอตรวจ")
    # Logged in, the session cookie goes along; without the token the reject still does nothing.
    forged = page.request.post(f"{base}/admin/slips/{slip_id}/reject", form={"reason": "ปลอม"})
    assert forged.status == 400 and "แบบฟอร์มนี้หมดอายุ" in forged.text()
    with _session(office) as s:
        assert [r.id for r in pending_slips(s)] == [slip_id]


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils (pdftotext) is not installed")
def test_finance_approves_a_chat_slip_and_the_resident_gets_the_receipt(office, page, shots, tmp_path):
    base = office.bot.url
    user, slip_id = _resident_sends_slip(office, "20261215A0001")
    heard = len(office.messages(user))
    _login(page, base)
    row = page.locator("table.list tbody tr", has_text="T0001")
    assert "ธนาคารกสิกรไทย" in row.inner_text() and "20261215A0001" in row.inner_text()
    _go(page, f"a[href='/admin/slips/{slip_id}']:has-text('ตรวจสอบ')")
    assert page.is_visible("text=เลขอ้างอิงรายการ") and page.is_visible("dd:has-text('20261215A0001')")
    assert page.evaluate("document.querySelector('.slip-image img').naturalWidth") == 720
    suggested = page.input_value("input[name=amount]")
    chosen = page.locator("select[name=invoice_id] option:checked").inner_text()
    # The amount the slip prints (read from the picture), to the overdue bill after its credit note.
    assert suggested == "350.00" and "ค้าง 10,790.00 บาท" in chosen
    assert "350.00 บาท" in page.inner_text(".slip-text")
    page.screenshot(path=str(shots / "admin-slip-review.png"), full_page=True)

    _go(page, "button:has-text('อนุมัติ ออกใบเสร็จ')")
    flash = page.inner_text(".notice.ok")
    number = re.search(r"ออกใบเสร็จเลขที่ (\S+)", flash).group(1)
    assert "แจ้งลูกค้าทาง LINE แล้ว" in flash and page.is_visible(".tag.approved")
    page.screenshot(path=str(shots / "admin-slip-approved.png"), full_page=True)
    with page.expect_popup() as opened:
        page.click("a:has-text('เปิด PDF')")
    assert opened.value.url.endswith(".pdf")
    in_office = page.request.get(base + page.get_attribute("a:has-text('เปิด PDF')", "href"))
    assert in_office.headers["content-type"] == "application/pdf"
    assert number in _pdf_text(in_office.body(), tmp_path)

    pushed = _pushed_since(office, user, heard)
    receipt = next(m for m in pushed if m["type"] == "flex")
    assert number in json.dumps(receipt, ensure_ascii=False)
    pdf_url = re.search(r'"uri": "([^"]+/web/receipts/[^"]+)"', json.dumps(receipt)).group(1)
    from_chat = requests.get(pdf_url, timeout=10)
    assert from_chat.status_code == 200 and number in _pdf_text(from_chat.content, tmp_path)
    assert _clean(page), (page.console_errors, page.broken)


def test_rejecting_needs_a_reason_and_the_resident_reads_it(office, page):
    base = office.bot.url
    user, slip_id = _resident_sends_slip(office, "20261215R0001")
    heard = len(office.messages(user))
    _login(page, base)
    page.goto(f"{base}/admin/slips/{slip_id}")
    page.fill("input[name=reason]", "   ")  # passes the browser's required check, not ours
    _go(page, "button:has-text('ปฏิเสธและแจ้งลูกค้า')")
    assert "กรุณาระบุเหตุผลที่ปฏิเสธสลิป" in page.inner_text(".notice.error")
    assert page.is_visible(".tag.pending")
    assert _pushed_since(office, user, heard) == []

    page.fill("input[name=reason]", "ยอดเงินในสลิปไม่ตรงกับยอดที่เข้าบัญชี")
    _go(page, "button:has-text('ปฏิเสธและแจ้งลูกค้า')")
    assert f"ปฏิเสธสลิป #{slip_id} แล้ว แจ้งลูกค้าทาง LINE แล้ว" in page.inner_text(".notice.ok")
    assert page.is_visible("text=ไม่มีสลิปรอตรวจ")
    told = json.dumps(_pushed_since(office, user, heard), ensure_ascii=False)
    assert "ยอดเงินในสลิปไม่ตรงกับยอดที่เข้าบัญชี" in told
    assert _clean(page), (page.console_errors, page.broken)


def test_cash_at_the_counter_refuses_more_than_owed_and_issues_the_receipt(office, page, shots, tmp_path):
    base = office.bot.url
    _login(page, base)
    _go(page, "nav >> text=รับชำระเงินสด")
    page.fill("input[name=code]", "t0002")
    _go(page, "button:has-text('ค้นหา')")
    assert page.is_visible("h2:has-text('T0002')")
    owed = page.inner_text("tfoot .num")
    page.fill("input[name=amount]", "999999")
    _go(page, "button:has-text('รับเงินและออกใบเสร็จ')")
    assert f"เกินยอดค้างชำระ {owed}" in page.inner_text(".notice.error")
    assert page.input_value("input[name=amount]") == "999999"  # what was typed stays, nothing was written

    page.fill("input[name=amount]", "1,000")
    _go(page, "button:has-text('รับเงินและออกใบเสร็จ')")
    number = re.search(r"ใบเสร็จรับเงิน (\S+)", page.inner_text("h1")).group(1)
    assert f"ออกใบเสร็จเลขที่ {number}" in page.inner_text(".notice.ok")
    assert "เงินสด" in page.inner_text("dl") and "1,000.00 บาท" in page.inner_text("tfoot")
    page.screenshot(path=str(shots / "admin-cash.png"), full_page=True)
    pdf = page.request.get(base + page.get_attribute("a:has-text('เปิดใบเสร็จ PDF')", "href"))
    assert pdf.headers["content-type"] == "application/pdf" and number in _pdf_text(pdf.body(), tmp_path)
    assert _clean(page), (page.console_errors, page.broken)
