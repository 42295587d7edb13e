"""Hostile input through the real bot, the LINE emulator and the back office over HTTP
(issue 12, findings 6 and 10): slip pictures refused for the right reason in the same
words in the chat and on the web form, ids read strictly, payment dates within bounds.
Nothing refused leaves a slip, a payment or a file behind."""
from __future__ import annotations

import base64
import os
import re
from pathlib import Path

import pytest
import requests
from PIL import Image
from sqlalchemy import func, select

from flex_templates import intent_data
from flows.slips import refusal_text
from flows.texts import say
from models.accounts import Payment
from models.slips import Slip
from tests.bills.test_chat_bills import (  # noqa: F401  (bills: the fixture)
    PROFILE,
    bills,
    csrf,
    register,
    slip_in_review,
    staff_login,
    texts,
)
from tests.conftest import skip_without_chromium
from tests.payments.pictures import encoded, png_header_only
from tests.slip_images import png, slip_image

APOLOGY = say("something_went_wrong", PROFILE)
OUT_OF_RANGE = str(2**64)


# What a resident might send, and why it is refused. The names and declared types lie.
REFUSED = {
    "wide-png": ("too_many_pixels", "slip.png", "image/png", lambda: png(Image.new("1", (2_000_000, 20)))),
    "bomb": ("too_many_pixels", "slip.png", "image/png", lambda: png_header_only(20_000, 20_000)),
    "gif": ("wrong_format", "slip.png", "image/png", lambda: encoded(slip_image(), "GIF")),
    "webp": ("wrong_format", "slip.jpg", "image/jpeg", lambda: encoded(slip_image(), "WEBP")),
    "tiff": ("wrong_format", "slip.jpg", "image/jpeg", lambda: encoded(slip_image(), "TIFF")),
    "broken-png": ("not_an_image", "slip.png", "image/png", lambda: png(slip_image())[:3000]),
}


def _session(stack):
    return stack.bot_app.assembly.services.db.session()


def _counts(stack) -> tuple[int, int]:
    with _session(stack) as session:
        return (session.scalar(select(func.count()).select_from(Slip)),
                session.scalar(select(func.count()).select_from(Payment)))


def _stored_pictures(stack) -> list[Path]:
    """Slip pictures kept; not a picture held for a form sent back to be corrected (drafts/)."""
    root = Path(stack.bot_app.assembly.settings.data_dir) / "slips"
    return [p for p in root.rglob("*") if p.is_file() and "drafts" not in p.relative_to(root).parts] \
        if root.exists() else []


def _form_url(stack, user: str) -> str:
    return re.search(r'(http://[^\s"]+/web/slips/new[^\s"]+)', texts(stack.say(user, "แนบสลิป"))).group(1)


def _answer(sent: dict) -> str:
    return texts([m["message"] for m in sent["messages"]])


def test_refused_pictures_get_their_reason_in_the_chat_and_on_the_form_alike(bills):
    user = bills.new_user()
    register(bills, user)
    before = _counts(bills)
    for name, (reason, filename, content_type, make) in REFUSED.items():
        data = make()
        expected = refusal_text(reason, PROFILE)
        if name != "bomb":  # the emulator cannot carry it: Pillow refuses it there when it sniffs the type
            bills.say(user, "แนบสลิป")
            in_chat = _answer(bills.send(user, {"type": "image", "base64": base64.b64encode(data).decode()}))
            assert expected in in_chat and APOLOGY not in in_chat, name
            bills.say(user, "ยกเลิก")
        on_form = requests.post(_form_url(bills, user), data={"day": "20", "month": "11", "year": "2569", "amount": "10"},
                                files={"slip": (filename, data, content_type)}, timeout=30)
        assert (on_form.status_code, expected in on_form.text) == (400, True), name
        bills.say(user, "ยกเลิก")
    assert "10 MB" not in refusal_text("too_many_pixels", PROFILE)  # a bomb is not "larger than 10 MB"
    assert _counts(bills) == before and _stored_pictures(bills) == []


NOT_FOUND = "ไม่พบ"
ASKS_FOR_THE_SLIP = "ส่งรูปสลิป"
RECEIPTS = "ใบเสร็จ"


@pytest.mark.parametrize("data,expected", [
    (intent_data("check_balance", invoice="²"), NOT_FOUND),
    (intent_data("check_balance", invoice=OUT_OF_RANGE), NOT_FOUND),
    (intent_data("check_balance", credit_note="๑"), NOT_FOUND),
    (intent_data("pay_bill", invoice="²"), NOT_FOUND),
    (intent_data("pay_bill", invoice=OUT_OF_RANGE), NOT_FOUND),
    (intent_data("receipts", receipt="²"), NOT_FOUND),
    (intent_data("receipts", receipt=OUT_OF_RANGE), NOT_FOUND),
    (intent_data("receipts", page="²"), RECEIPTS),
    (intent_data("send_slip", invoice="²"), ASKS_FOR_THE_SLIP),
    (intent_data("send_slip", invoice=OUT_OF_RANGE), ASKS_FOR_THE_SLIP),
], ids=["balance-superscript", "balance-2^64", "credit-thai-digit", "pay-superscript", "pay-2^64",
        "receipt-superscript", "receipt-2^64", "page-superscript", "slip-superscript", "slip-2^64"])
def test_postback_ids_that_are_not_ids_get_an_answer_not_the_apology(bills, data, expected):
    user = bills.new_user()
    register(bills, user)
    answer = texts(bills.tap(user, data))
    assert expected in answer and APOLOGY not in answer


def test_the_slip_form_refuses_dates_out_of_bounds_and_stores_nothing(bills):
    user = bills.new_user()
    register(bills, user)
    form = _form_url(bills, user)
    page = requests.get(form, timeout=10)
    assert re.search(r'<select name="year"[^>]*><option value="25\d\d" selected>', page.text)  # Buddhist Era
    before = _counts(bills)
    for day, message in ((("1", "1", "544"), "ย้อนหลังได้ไม่เกิน 5 ปี"), (("1", "5", "2562"), "ย้อนหลังได้ไม่เกิน 5 ปี"),
                         (("31", "12", "10542"), "อนาคต"), (("31", "4", "2569"), "วันที่โอนเงินไม่ถูกต้อง")):
        refused = requests.post(form, data={"day": day[0], "month": day[1], "year": day[2], "amount": "10"},
                                files={"slip": ("slip.png", png(slip_image()), "image/png")}, timeout=30)
        assert refused.status_code == 400 and message in refused.text, day
        assert "ไฟล์ที่เลือกไว้" in refused.text, day  # the picture waits for the corrected date
    assert _counts(bills) == before and _stored_pictures(bills) == []


@pytest.mark.parametrize("path", ["/admin/slips/{big}", "/admin/slips/๑", "/admin/slips/²", "/admin/slips/{big}/image",
                                  "/admin/receipts/{big}", "/admin/receipts/{big}.pdf", "/admin/slips/0"])
def test_back_office_urls_with_ids_that_are_not_ids_are_not_found(bills, path):
    office = staff_login(bills)
    answer = office.get(bills.bot.url + path.format(big=OUT_OF_RANGE), timeout=10)
    assert answer.status_code == 404


def test_back_office_forms_refuse_bad_invoice_ids_and_dates_and_write_nothing(bills):
    _user, slip_id, office, page = slip_in_review(bills, "20261204H0001")
    assert re.search(r'name="paid_on"[^>]* min="\d{4}-01-01" max="\d{4}-\d\d-\d\d"', office.get(page, timeout=10).text)
    before = _counts(bills)
    attempts = [({"invoice_id": "²"}, "ใบแจ้งหนี้ที่เลือกไม่ถูกต้อง"),
                ({"invoice_id": OUT_OF_RANGE}, "ใบแจ้งหนี้ที่เลือกไม่ถูกต้อง"),
                ({"paid_on": "0001-01-01"}, "ย้อนหลังได้ไม่เกิน 5 ปี"),
                ({"paid_on": "1999-12-31"}, "ย้อนหลังได้ไม่เกิน 5 ปี")]
    for change, message in attempts:
        form = {"amount": "100.00", "paid_on": "2026-12-01", "paid_time": "09:00", "invoice_id": "", **change}
        refused = office.post(f"{page}/approve", data={"csrf_token": csrf(office, page), **form}, timeout=30)
        assert refused.status_code == 400 and message in refused.text, change
    cash_page = f"{bills.bot.url}/admin/payments/cash?code=T0001"
    for invoice_id in ("²", OUT_OF_RANGE):
        refused = office.post(f"{bills.bot.url}/admin/payments/cash", timeout=30, data={
            "csrf_token": csrf(office, cash_page), "code": "T0001", "amount": "1.00", "invoice_id": invoice_id})
        assert refused.status_code == 400 and "ใบแจ้งหนี้ที่เลือกไม่ถูกต้อง" in refused.text
    assert _counts(bills) == before
    with _session(bills) as session:
        assert session.get(Slip, slip_id).status == "pending"


@pytest.mark.browser
@skip_without_chromium
def test_a_resident_sees_why_a_gif_was_refused(bills, page, tmp_path):
    """The form as a phone shows it, after choosing a GIF saved as slip.jpg."""
    user = bills.new_user()
    register(bills, user)
    picture = tmp_path / "slip.jpg"
    picture.write_bytes(encoded(slip_image(), "GIF"))
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(_form_url(bills, user))
    page.fill("#amount", "350.00")
    page.set_input_files("#slip", str(picture))
    page.click("button[type=submit]")
    alert = page.locator(".errors")
    alert.wait_for()
    assert alert.inner_text().strip() == refusal_text("wrong_format", PROFILE)
    shots = Path(os.environ.get("WEB_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / "slip-form-wrong-format.png"), full_page=True)
    assert [e for e in page.console_errors if not e.startswith("Failed to load resource")] == []
