"""Conversation turns around the slip, through the real bot and the LINE emulator: a
message with two requests, a paused flow offered back once (and not at all once its
slip came through the web form), and a chat slip whose print did not say the amount
and date asks for them, so finance sees what the resident said."""
from __future__ import annotations

import base64
import re

import qrcode
import requests
from PIL import Image

from services.billing.slips import pending_slips
from services.payments.thaiqr import slip_payload
from tests.bills.test_chat_bills import bills, db_session, postbacks, register, texts  # noqa: F401 - fixture
from tests.slip_images import png, slip_png


def _photo(stack, user: str, picture: bytes) -> list[dict]:
    sent = stack.send(user, {"type": "image", "base64": base64.b64encode(picture).decode()})
    return [m["message"] for m in sent["messages"]]


def _qr_only(trans_ref: str) -> bytes:
    """A slip cropped to its mini-QR: nothing printed to read the amount or date from."""
    picture = Image.new("RGB", (500, 500), "white")
    code = qrcode.make(slip_payload("014", trans_ref), box_size=8, border=2).get_image().convert("RGB")
    picture.paste(code, ((500 - code.width) // 2, (500 - code.height) // 2))
    return png(picture)


def _slip(stack, trans_ref: str):
    with db_session(stack) as session:
        return next(s for s in pending_slips(session) if s.qr_trans_ref == trans_ref)


def test_two_requests_in_one_message_answer_the_main_one_and_offer_the_other(bills):
    user = bills.new_user()
    register(bills, user)
    answer = bills.say(user, "จ่ายแล้วนะคะ ขอใบเสร็จด้วย")
    assert "ใบเสร็จ" in texts(answer[:-1])
    offer = answer[-1]
    assert offer["text"] == "ต้องการแนบสลิปโอนเงินด้วยไหมคะ"
    assert [i["action"]["data"] for i in offer["quickReply"]["items"]] == ["action=intent&name=send_slip"]
    tapped = bills.tap(user, "action=intent&name=send_slip", "แนบสลิปโอนเงิน")
    assert "ส่งรูปสลิป" in texts(tapped)
    # One request is answered without an offer.
    assert "ด้วยไหม" not in texts(bills.say(user, "ขอใบเสร็จค่ะ"))


def test_a_paused_flow_is_offered_once_and_not_after_its_slip_came_by_the_web_form(bills):
    user = bills.new_user()
    register(bills, user)
    ask = bills.say(user, "แนบสลิป")
    assert "กรอกแบบฟอร์มแนบสลิป" in texts(ask) and not re.search(r"https?://", ask[0].get("altText", ""))
    first = bills.say(user, "ยอดค้างเท่าไหร่คะ")
    assert "“แนบหลักฐานการชำระเงิน” ต่อไหมคะ" in texts(first)
    assert "ต่อไหม" not in texts(bills.say(user, "ยอดค้างเท่าไหร่คะ"))
    # The resident sends the slip through the web form instead: there is nothing to resume.
    form = re.search(r'(http://[^\s"]+/web/slips/new[^\s"]+)', texts(ask)).group(1)
    sent = requests.post(form, data={"day": "1", "month": "12", "year": "2569", "amount": "350"},
                         files={"slip": ("slip.png", slip_png("20261205W0001"), "image/png")}, timeout=30)
    assert sent.status_code == 200, sent.text
    bills.settle()
    assert "ไม่มีรายการที่ค้างไว้" in texts(bills.tap(user, "action=resume", "ทำรายการเดิมต่อ"))


def test_a_slip_sent_as_a_photo_asks_the_amount_and_date_its_print_does_not_say(bills):
    user = bills.new_user()
    register(bills, user)
    asked = _photo(bills, user, _qr_only("20261205P0001"))
    assert "ได้รับรูปสลิปแล้ว" in texts(asked) and "จำนวนเท่าไรคะ" in asked[-1]["text"]
    assert [i["action"]["label"] for i in asked[-1]["quickReply"]["items"]]  # the amounts owed, one tap each
    assert "ยังไม่เห็นจำนวนเงิน" in texts(bills.say(user, "ไม่แน่ใจ"))
    when = bills.say(user, "๓๕๐ บาท")
    assert when[-1]["text"] == "โอนเงินเมื่อวันไหนคะ"
    today = next(d for d in postbacks(when[-1]) if "d=" in d)
    picked = bills.send(user, {"type": "postback", "data": "action=slip_paid_on", "params": {"date": "2999-01-01"}})
    assert "ไม่เป็นวันในอนาคต" in texts([m["message"] for m in picked["messages"]])
    done = bills.tap(user, today, "วันนี้")
    assert "รอตรวจสอบ" in texts(done)
    slip = _slip(bills, "20261205P0001")
    assert str(slip.declared_amount) == "350.00" and slip.declared_paid_on.isoformat() == today.split("d=")[1]


def test_another_photo_while_asked_about_the_last_one_is_taken_as_the_slip(bills):
    user = bills.new_user()
    register(bills, user)
    _photo(bills, user, _qr_only("20261205P0002"))
    again = _photo(bills, user, _qr_only("20261205P0002"))
    assert "เคย" in texts(again) or "ซ้ำ" in texts(again)
    assert "ต่อไหม" not in texts(bills.say(user, "ยอดค้างเท่าไหร่คะ"))
