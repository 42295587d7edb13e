"""Issue #6 through the real bot and the LINE emulator over HTTP: register, balance,
pay by Thai QR, receipts, slips — and nobody sees another resident's bills."""
from __future__ import annotations

import base64
import io
import json
import re
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
import requests
import zxingcpp
from PIL import Image

from config.profile import load_profile
from flex_templates import intent_data
from services.billing.accounts import customer_by_code
from services.billing.balance import customer_outstanding
from services.demo import seed_demo
from services.identity.sms import stored_messages
from services.payments.thaiqr import read_payment
from tests.conftest import install_menus
from tests.slip_images import png, slip_image, slip_png
from thai.dates import BANGKOK

PROFILE = load_profile("tenant")


@pytest.fixture
def bills(stack):
    """The tenant demo data and the rich menus, as `smartservice demo` sets them up."""
    with stack.bot_app.assembly.services.db.session() as session, session.begin():
        seed_demo(session, PROFILE, today=datetime.now(BANGKOK).date())
    install_menus(stack.emulator, "tenant")
    return stack


def texts(messages: list[dict]) -> str:
    """Everything a person would read in these messages, as one string."""
    return json.dumps(messages, ensure_ascii=False)


def db_session(stack):
    return stack.bot_app.assembly.services.db.session()


def latest_otp(stack, phone: str) -> str:
    with db_session(stack) as session:
        sms = stored_messages(session, phone=phone, limit=1)
    return re.search(r"\b(\d{6})\b", sms[0].text).group(1)


def sms_count(stack, phone: str) -> int:
    with db_session(stack) as session:
        return len(stored_messages(session, phone=phone))


def register(stack, user: str, code: str = "T0001", phone: str = "0810000001", *, first: str = "ลงทะเบียน"):
    """The whole register path; returns what the bot said after the consent answer."""
    stack.say(user, first)
    stack.say(user, code)
    stack.say(user, phone)
    stack.say(user, latest_otp(stack, phone))
    return stack.tap(user, "action=consent&answer=yes&v=1", "ยินยอม")


def flex_of(messages: list[dict], alt_fragment: str = "") -> dict:
    found = [m for m in messages if m["type"] == "flex" and alt_fragment in m["altText"]]
    assert found, f"no flex with {alt_fragment!r} in {[m.get('altText', m.get('text')) for m in messages]}"
    return found[0]


def uris(message: dict) -> list[str]:
    return re.findall(r'"(?:uri|url)": "([^"]+)"', json.dumps(message, ensure_ascii=False))


def postbacks(message: dict) -> list[str]:
    return re.findall(r'"data": "([^"]+)"', json.dumps(message, ensure_ascii=False))


def test_unregistered_resident_asking_for_the_bill_registers_then_sees_it(bills):
    user = bills.new_user("สมใจ ใจดี")
    first = bills.say(user, "ดูยอดค้างชำระค่ะ")
    assert "ต้องลงทะเบียน" in texts(first) and "รหัสผู้เช่า" in texts(first)

    assert "T0001" in texts(bills.say(user, "ABC"))  # a code of the wrong shape: asked again with an example
    assert "เบอร์โทรศัพท์มือถือ" in texts(bills.say(user, "t 0001"))
    sent = bills.say(user, "081-000-0001")
    assert "081-xxx-0001" in texts(sent) and "OTP" in texts(sent)
    code = latest_otp(bills, "0810000001")
    wrong = "000000" if code != "000000" else "111111"
    assert "กรอกได้อีก 4 ครั้ง" in texts(bills.say(user, wrong))
    consent = bills.say(user, code)
    assert "ยินยอม" in texts(consent)

    # linked at the OTP: the member menu is already the one the resident sees
    seen = requests.get(f"{bills.emulator.url}/_emulator/users/{user}/richmenu", timeout=5).json()
    assert seen["richMenuId"] == install_menus(bills.emulator, "tenant").member_menu_id

    done = bills.tap(user, "action=consent&answer=yes&v=1", "ยินยอม")
    assert "ลงทะเบียนสำเร็จ" in texts(done) and "T0001" in texts(done)
    statement = flex_of(done)  # straight on to the bill that was asked for
    assert "22,327.50" in texts([statement])


def test_the_emulator_sms_inbox_shows_the_otp(bills):
    user = bills.new_user()
    bills.say(user, "ลงทะเบียน T0001")
    bills.say(user, "0810000001")
    code = latest_otp(bills, "0810000001")
    listed = requests.get(f"{bills.emulator.url}/_emulator/sms.json", params={"phone": "0810000001"}, timeout=5).json()
    assert code in listed["messages"][0]["text"]
    page = requests.get(f"{bills.emulator.url}/_emulator/sms", timeout=5)
    assert page.status_code == 200 and code in page.text and "กล่อง SMS ทดสอบ" in page.text


def test_wrong_phone_gets_the_same_answer_as_an_unknown_code_and_no_sms(bills):
    user, other = bills.new_user(), bills.new_user()
    answers = []
    for who, code in ((user, "T0001"), (other, "T9999")):
        bills.say(who, "ลงทะเบียน")
        bills.say(who, code)
        answers.append(texts(bills.say(who, "0899999999")))
    assert answers[0] == answers[1]
    assert sms_count(bills, "0899999999") == 0
    assert "ไม่ถูกต้อง" in texts(bills.say(user, "123456"))  # no code exists: just a wrong code


def test_otp_brute_force_locks_on_the_sixth_try_and_resend_waits(bills):
    user = bills.new_user()
    bills.say(user, "ลงทะเบียน T0001")
    bills.say(user, "0810000001")
    code = latest_otp(bills, "0810000001")
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(4):
        bills.say(user, wrong)
    assert "ครบ 5 ครั้ง" in texts(bills.say(user, wrong))
    assert "ครบ 5 ครั้ง" in texts(bills.say(user, code))  # the sixth try is refused even with the right code
    resend = bills.tap(user, "action=otp&op=resend", "ขอรหัสใหม่")
    assert "รอ" in texts(resend) and "วินาที" in texts(resend)
    assert sms_count(bills, "0810000001") == 1


def test_balance_pay_by_qr_and_invoice_details(bills):
    user = bills.new_user()
    register(bills, user)
    statement = flex_of(bills.say(user, "ยอดค้างเท่าไหร่"))
    assert "22,327.50" in texts([statement]) and "เกินกำหนด" in texts([statement])
    invoice_taps = [d for d in postbacks(statement) if "invoice=" in d and "check_balance" in d]
    detail = flex_of(bills.tap(user, invoice_taps[0]))
    assert "INV-" in texts([detail])

    bill = bills.say(user, "จ่ายบิล")
    card = flex_of(bill)
    qr_url = next(u for u in uris(card) if "/web/qr.png" in u)
    payment = read_payment(_decode_qr(requests.get(qr_url, timeout=10)))
    assert payment.amount == Decimal("22327.50")
    assert payment.kind == "bill_payment" and payment.biller_id == PROFILE.payment.biller_id
    assert payment.ref1 == "T0001" and payment.ref2 is None

    one = next(d for d in postbacks(detail) if "pay_bill" in d and "invoice=" in d)
    single = flex_of(bills.tap(user, one))
    qr_one = next(u for u in uris(single) if "/web/qr.png" in u)
    paid_one = read_payment(_decode_qr(requests.get(qr_one, timeout=10)))
    invoice_id = int(re.search(r"invoice=(\d+)", one).group(1))
    with db_session(bills) as session:
        from models.accounts import Invoice
        invoice = session.get(Invoice, invoice_id)
        from services.billing.balance import outstanding_of_invoice
        assert paid_one.amount == outstanding_of_invoice(session, invoice_id)
        assert paid_one.ref2 == re.sub(r"[^A-Z0-9]", "", invoice.number)

    # an altered link shows nothing
    tampered = qr_url.replace("p=", "p=X", 1)
    assert requests.get(tampered, timeout=10).status_code == 403


def _decode_qr(response: requests.Response) -> str:
    assert response.status_code == 200 and response.headers["Content-Type"] == "image/png"
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(response.content)))
    assert found, "no QR in the card"
    return found[0].text


def test_slip_in_chat_goes_to_finance_and_a_resent_slip_is_a_duplicate(bills):
    user = bills.new_user()
    register(bills, user)
    ask = bills.say(user, "ส่งสลิป")
    assert "/web/slips/new" in texts(ask)
    received = bills.send(user, {"type": "image", "base64": base64.b64encode(slip_png("20261126A0001")).decode()})
    answer = [m["message"] for m in received["messages"]]
    assert "รอตรวจสอบ" in texts(answer) or "ได้รับ" in texts(answer)

    again = bills.send(user, {"type": "image", "base64": base64.b64encode(slip_png("20261126A0001")).decode()})
    assert "ซ้ำ" in texts([m["message"] for m in again["messages"]]) or "เคย" in texts(
        [m["message"] for m in again["messages"]])

    from services.billing.slips import pending_slips
    with db_session(bills) as session:
        queued = [s for s in pending_slips(session) if s.qr_trans_ref == "20261126A0001"]
    assert len(queued) == 1


def test_text_instead_of_a_slip_and_a_blurred_slip(bills):
    user = bills.new_user()
    register(bills, user)
    bills.say(user, "แนบสลิป")
    assert "รอรูปสลิป" in texts(bills.say(user, "โอนแล้วนะคะ"))
    blurred = png(slip_image(None))  # no QR to read: still queued, and the resident is told it takes longer
    queued = bills.send(user, {"type": "image", "base64": base64.b64encode(blurred).decode()})
    assert "อ่าน QR" in texts([m["message"] for m in queued["messages"]])


def test_slip_form_from_the_signed_link(bills):
    user = bills.new_user()
    register(bills, user)
    form_url = re.search(r'(http://[^\s"]+/web/slips/new[^\s"]+)', texts(bills.say(user, "แนบสลิป"))).group(1)
    assert requests.get(form_url, timeout=10).status_code == 200
    bad = requests.post(form_url, data={"day": "20", "month": "11", "year": "2569", "amount": "abc"},
                        files={"slip": ("slip.png", slip_png("20261126F0001"), "image/png")}, timeout=10)
    assert bad.status_code == 400 and "จำนวนเงิน" in bad.text
    ok = requests.post(form_url, data={"day": "20", "month": "11", "year": "2569", "amount": "1,250.50"},
                       files={"slip": ("slip.png", slip_png("20261126F0001"), "image/png")}, timeout=10)
    assert ok.status_code == 200 and "ได้รับหลักฐาน" in ok.text
    not_a_picture = requests.post(form_url, data={"day": "20", "month": "11", "year": "2569", "amount": "10"},
                                  files={"slip": ("slip.pdf", b"%PDF-1.4 not a picture", "application/pdf")}, timeout=10)
    assert not_a_picture.status_code == 400 and "เปิดไฟล์นี้เป็นรูปภาพไม่ได้" in not_a_picture.text
    huge = requests.post(form_url, data={"day": "20", "month": "11", "year": "2569", "amount": "10"},
                         files={"slip": ("big.jpg", b"\xff" * (20 * 1024 * 1024), "image/jpeg")}, timeout=30)
    assert huge.status_code == 413 and "ใหญ่เกิน" in huge.text
    bills.settle()
    assert "รอตรวจสอบ" in texts([m["message"] for m in bills.messages(user)][-1:])
    expired = form_url.replace("exp=", "exp=1", 1)
    assert requests.get(expired, timeout=10).status_code == 403


def test_a_second_user_cannot_see_the_first_users_bills_by_replaying(bills):
    owner, stranger = bills.new_user(), bills.new_user()
    register(bills, owner)
    statement = flex_of(bills.say(owner, "ดูยอด"))
    taps = [d for d in postbacks(statement) if "invoice=" in d or "credit_note=" in d]
    assert taps

    register(bills, stranger, code="T0002", phone="0810000002")
    for data in taps:
        answer = texts(bills.tap(stranger, data))
        assert "ไม่พบ" in answer and "INV-" not in answer
    with db_session(bills) as session:
        t1 = customer_by_code(session, "T0001")
        before = customer_outstanding(session, t1.id)
    for data in taps:
        if "pay_bill" in data:
            assert "ไม่พบ" in texts(bills.tap(stranger, data))
    # the stranger's own bill is theirs only
    own = texts(bills.say(stranger, "ดูยอด"))
    assert "T0002" in own and "T0001" not in own
    with db_session(bills) as session:
        assert customer_outstanding(session, t1.id) == before


def test_unregistered_resident_cannot_use_a_replayed_postback(bills):
    stranger = bills.new_user()
    answer = texts(bills.tap(stranger, intent_data("check_balance", invoice=1)))
    assert "ลงทะเบียน" in answer and "INV-" not in answer


def test_account_info_switch_and_unlink(bills):
    user = bills.new_user()
    register(bills, user)
    assert "เชื่อมกับ LINE นี้อยู่แล้ว" in texts(bills.say(user, "ลงทะเบียน T0001"))
    register(bills, user, code="T0003", phone="0810000003")  # a second shop
    accounts = flex_of(bills.say(user, "ข้อมูลของฉัน"))
    assert "T0001" in texts([accounts]) and "T0003" in texts([accounts])
    switch = next(d for d in postbacks(accounts) if "switch=" in d)
    switched = bills.tap(user, switch)
    assert "เปลี่ยนไปใช้บัญชี" in texts(switched)
    unlink = next(d for d in postbacks(accounts) if "unlink=" in d)
    confirm = flex_of(bills.tap(user, unlink))
    really = next(d for d in postbacks(confirm) if "confirm=1" in d)
    assert "ยกเลิกการเชื่อมบัญชี" in texts(bills.tap(user, really))
    assert "ไม่พบบัญชี" in texts(bills.tap(user, really))  # twice: nothing left to unlink


def staff_login(stack) -> requests.Session:
    """A finance officer signed in to the back office, through its login form."""
    from services.staff import create_staff

    with db_session(stack) as session, session.begin():
        create_staff(session, username="officer", display_name="คุณการเงิน ทดสอบ", role="finance",
                     password="correct-horse-9")
    browser = requests.Session()
    form = browser.get(f"{stack.bot.url}/admin/login", timeout=10).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    signed_in = browser.post(f"{stack.bot.url}/admin/login", timeout=10, data={
        "csrf_token": token, "username": "officer", "password": "correct-horse-9"})
    assert signed_in.status_code == 200 and "ออกจากระบบ" in signed_in.text
    return browser


def csrf(browser: requests.Session, url: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', browser.get(url, timeout=10).text).group(1)


def send_slip(stack, user: str, trans_ref: str) -> int:
    from services.billing.slips import pending_slips

    stack.say(user, "แนบสลิป")
    stack.send(user, {"type": "image", "base64": base64.b64encode(slip_png(trans_ref)).decode()})
    with db_session(stack) as session:
        return next(s.id for s in pending_slips(session) if s.qr_trans_ref == trans_ref)


def slip_in_review(stack, trans_ref: str) -> tuple[str, int, requests.Session, str]:
    """A registered resident's slip in the queue, and a finance officer with its review page's URL."""
    user = stack.new_user()
    register(stack, user)
    slip_id = send_slip(stack, user, trans_ref)
    return user, slip_id, staff_login(stack), f"{stack.bot.url}/admin/slips/{slip_id}"


def test_slip_approved_in_the_back_office_sends_the_receipt_and_its_pdf(bills, tmp_path):
    user, _slip_id, office, page = slip_in_review(bills, "20261126C0001")
    approved = office.post(f"{page}/approve", timeout=30, data={
        "csrf_token": csrf(office, page), "amount": "10790.00",
        "paid_on": (datetime.now(BANGKOK).date() - timedelta(days=1)).isoformat(),
        "paid_time": "09:15", "invoice_id": ""})
    assert approved.status_code == 200, re.findall(r'class="(?:error|alert)[^"]*"[^>]*>([^<]+)', approved.text)
    assert "อนุมัติสลิป" in approved.text
    bills.settle()
    receipt = bills.messages(user)[-1]["message"]
    assert receipt["type"] == "flex" and "10,790.00" in texts([receipt])
    number = re.search(r"RC-\d{4}-\d{6}", texts([receipt])).group(0)
    pdf_url = next(u for u in uris(receipt) if ".pdf" in u)
    pdf = requests.get(pdf_url, timeout=30)
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
    (tmp_path / "r.pdf").write_bytes(pdf.content)
    import subprocess
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "r.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert number in text and "10,790.00" in text
    with db_session(bills) as session:
        t1 = customer_by_code(session, "T0001")
        assert customer_outstanding(session, t1.id) == Decimal("22327.50") - Decimal("10790.00")
    # another receipt id in the same signed link is refused
    other = re.sub(r"/receipts/(\d+)\.pdf", lambda m_: f"/receipts/{int(m_.group(1)) + 1}.pdf", pdf_url)
    assert requests.get(other, timeout=10).status_code == 403


def test_slip_rejected_in_the_back_office_tells_the_reason(bills):
    user, _slip_id, office, page = slip_in_review(bills, "20261126D0001")
    no_reason = office.post(f"{page}/reject", timeout=10, data={"csrf_token": csrf(office, page), "reason": " "})
    assert no_reason.status_code == 400
    rejected = office.post(f"{page}/reject", timeout=10, data={
        "csrf_token": csrf(office, page), "reason": "ยอดเงินในสลิปไม่ตรงกับใบแจ้งหนี้"})
    assert rejected.status_code == 200
    bills.settle()
    notice = texts([bills.messages(user)[-1]["message"]])
    assert "ยอดเงินในสลิปไม่ตรงกับใบแจ้งหนี้" in notice and "ไม่อนุมัติ" in notice


def test_cash_at_the_counter_sends_the_receipt_to_the_linked_chat(bills):
    user = bills.new_user()
    register(bills, user)
    office = staff_login(bills)
    page = f"{bills.bot.url}/admin/payments/cash?code=T0001"
    taken = office.post(f"{bills.bot.url}/admin/payments/cash", timeout=30, data={
        "csrf_token": csrf(office, page), "code": "T0001", "amount": "500.00", "invoice_id": ""})
    assert taken.status_code == 200 and "แจ้งลูกค้าทาง LINE แล้ว" in taken.text
    bills.settle()
    receipt = bills.messages(user)[-1]["message"]
    assert receipt["type"] == "flex" and "500.00" in texts([receipt]) and "เงินสด" in texts([receipt])


def test_waterworks_without_a_biller_id_pays_by_promptpay(database_url):
    """The same chat on another profile: a water user, PromptPay for the exact amount."""
    from tests.conftest import make_stack

    waterworks = load_profile("waterworks")
    stack = make_stack(database_url, org_profile="waterworks")
    try:
        with db_session(stack) as session, session.begin():
            seed_demo(session, waterworks, today=datetime.now(BANGKOK).date())
        user = stack.new_user()
        assert "เลขที่ผู้ใช้น้ำ" in texts(stack.say(user, "ลงทะเบียน"))  # the waterworks' own word for the code
        stack.say(user, "ยกเลิก")
        done = register(stack, user, code="W00002", phone="0890000002", first="ค่าน้ำเดือนนี้เท่าไหร่")
        assert "W00002" in texts(done) and flex_of(done, "ยอดค้างชำระ")
        with db_session(stack) as session:
            owed = customer_outstanding(session, customer_by_code(session, "W00002").id)
        bill = flex_of(stack.say(user, "จ่ายค่าน้ำ"))
        qr_url = next(u for u in uris(bill) if "/web/qr.png" in u)
        payment = read_payment(_decode_qr(requests.get(qr_url, timeout=10)))
        assert payment.kind == "promptpay" and payment.amount == owed and "พร้อมเพย์" in texts([bill])
    finally:
        stack.close()
