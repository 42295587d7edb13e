"""flows/cards.py: real billing dataclasses (as services.billing returns them)
become LINE messages that show the right amounts, Buddhist Era dates and
postbacks the flows route on. No database: the cards only show what they get."""
from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

import flex_templates as ft
from config.profile import load_profile
from flex_templates.limits import CAROUSEL_MAX_BYTES, json_size
from flows import cards
from services.billing.accounts import ContractInfo, CustomerInfo
from services.billing.balance import CreditNoteSummary, InvoiceSummary, Statement
from services.billing.invoices import InvoiceDetail, LineInfo, PaymentOnInvoice
from services.billing.paying import PaymentRequest
from services.billing.receipts import ReceiptLine, ReceiptSummary
from tests.flex.test_templates import _actions, _all_text, _assert_valid

TENANT = load_profile("tenant")
MUNICIPALITY = load_profile("municipality")
D = Decimal


def _invoice(id: int, number: str, *, period: str, due: date, total: str, credited: str = "0.00", paid: str = "0.00",
             overdue: bool = False) -> InvoiceSummary:
    outstanding = D(total) - D(credited) - D(paid)
    return InvoiceSummary(id=id, number=number, period=period, issued_on=due.replace(day=1), due_date=due,
                          contract_id=1, total=D(total), credited=D(credited), paid=D(paid),
                          outstanding=outstanding, overdue=overdue and outstanding > 0)


OVERDUE = _invoice(98, "INV-2570-000098", period="ตุลาคม 2569", due=date(2026, 11, 11), total="11290.00",
                   credited="500.00", paid="5000.00", overdue=True)
CURRENT = _invoice(145, "INV-2570-000145", period="พฤศจิกายน 2569", due=date(2026, 12, 11), total="11537.50")
CREDIT_NOTE = CreditNoteSummary(id=7, number="CN-2570-000007", invoice_id=98, invoice_number="INV-2570-000098",
                                issued_on=date(2026, 10, 30), amount=D("500.00"),
                                reason="ส่วนลดค่าเช่าช่วงปิดปรับปรุงทางเดิน 3 วัน")
STATEMENT = Statement(customer_id=1, customer_code="T0001", customer_name="ร้านสมใจพาณิชย์ (นางสมใจ ใจดี)",
                      as_of=date(2026, 12, 1), outstanding=D("17327.50"), current=CURRENT, overdue=(OVERDUE,),
                      credit_notes=(CREDIT_NOTE,))
# 10:31 in Bangkok
ISSUED = datetime(2026, 11, 5, 3, 31, tzinfo=UTC)
RECEIPT = ReceiptSummary(
    id=51, number="RC-2570-000051", issued_at=ISSUED, customer_id=1, amount=D("5200.00"), paid_at=ISSUED,
    method="transfer", reference="016309105512345", received_by=None, pdf_path=None,
    lines=(ReceiptLine(invoice_id=98, invoice_number="INV-2570-000098", period="ตุลาคม 2569", amount=D("5000.00")),
           ReceiptLine(invoice_id=None, invoice_number=None, period="", amount=D("200.00"))),
)


def _texts(message: dict[str, Any]) -> list[str]:
    return _all_text(message["contents"])


def _postbacks(message: dict[str, Any]) -> dict[str, dict[str, str]]:
    """label or displayText → parsed data, for every postback in the message."""
    return {a.get("displayText") or a["label"]: ft.parse_postback(a["data"])
            for a in _actions(message["contents"]) if a["type"] == "postback"}


def _uris(message: dict[str, Any]) -> dict[str, str]:
    return {a["label"]: a["uri"] for a in _actions(message["contents"]) if a["type"] == "uri"}


def test_statement_shows_the_total_as_of_date_and_rows_that_open_their_details():
    message = cards.statement_message(STATEMENT, profile=TENANT)
    _assert_valid(message)
    texts = _texts(message)
    assert "17,327.50 บาท" in texts and "ณ วันที่ 1 ธ.ค. 2569" in texts
    assert "ยอดค้างชำระทั้งหมด" in texts and "รหัสลูกค้า T0001" in texts
    assert {"11,537.50 บาท", "5,790.00 บาท", "−500.00 บาท"} <= set(texts)
    assert {"ครบกำหนด 11 ธ.ค. 2569", "ครบกำหนด 11 พ.ย. 2569", "รอชำระ", "เกินกำหนด"} <= set(texts)
    assert "สำหรับใบแจ้งหนี้ INV-2570-000098" in texts and CREDIT_NOTE.reason in texts
    postbacks = _postbacks(message)
    assert postbacks["ดูใบแจ้งหนี้ INV-2570-000145"] == {"action": "intent", "name": "check_balance", "invoice": "145"}
    assert postbacks["ดูใบแจ้งหนี้ INV-2570-000098"] == {"action": "intent", "name": "check_balance", "invoice": "98"}
    assert postbacks["ดูใบลดหนี้ CN-2570-000007"] == {"action": "intent", "name": "check_balance", "credit_note": "7"}
    assert postbacks["ชำระทั้งหมด"] == {"action": "intent", "name": "pay_bill"}
    assert "2026" not in message["altText"] and "17,327.50 บาท" in message["altText"]


def test_statement_with_nothing_owed_thanks_instead_of_offering_to_pay():
    paid = replace(CURRENT, paid=CURRENT.total, outstanding=D("0.00"))
    message = cards.statement_message(
        replace(STATEMENT, outstanding=D("0.00"), current=paid, overdue=(), credit_notes=()), profile=MUNICIPALITY)
    _assert_valid(message)
    texts = _texts(message)
    assert "ไม่มียอดค้างชำระ" in texts and "0.00 บาท" in texts and "ชำระแล้ว" in texts
    assert any(t.startswith("ขอบคุณที่ชำระตรงเวลาครับ") for t in texts)
    postbacks = _postbacks(message)
    assert all(p["name"] != "pay_bill" for p in postbacks.values())
    assert postbacks["ดูใบเสร็จรับเงิน"] == {"action": "intent", "name": "receipts"}
    assert "ใบแจ้งหนี้ค้างชำระเกินกำหนด" not in texts and "ใบลดหนี้" not in texts


def test_statement_of_a_long_debtor_lists_the_oldest_and_counts_the_rest():
    overdue = tuple(replace(OVERDUE, id=n, number=f"INV-2569-{n:06d}") for n in range(1, 15))
    notes = tuple(replace(CREDIT_NOTE, id=n, number=f"CN-2569-{n:06d}") for n in range(1, 9))
    message = cards.statement_message(replace(STATEMENT, overdue=overdue, credit_notes=notes), profile=TENANT)
    _assert_valid(message)
    texts = _texts(message)
    assert "INV-2569-000010" in texts and "INV-2569-000011" not in texts
    assert "และใบแจ้งหนี้ค้างชำระอีก 4 ฉบับ (รวมอยู่ในยอดค้างชำระทั้งหมดแล้ว)" in texts
    assert "และใบลดหนี้อีก 2 ฉบับ" in texts


DETAIL = InvoiceDetail(
    summary=OVERDUE,
    lines=(LineInfo("ค่าเช่าพื้นที่", D("1.000"), "", D("8500.00"), D("8500.00")),
           LineInfo("ค่าบริการส่วนกลาง", D("1"), "", D("1200.00"), D("1200.00")),
           LineInfo("ค่าไฟฟ้า", D("212.000"), "หน่วย", D("7.50"), D("1590.00")),
           LineInfo("ค่าน้ำประปา", D("2.5"), "ลบ.ม.", D("18.00"), D("45.00"))),
    credit_notes=(CREDIT_NOTE,),
    payments=(PaymentOnInvoice(paid_at=datetime(2026, 11, 5, 3, 30, tzinfo=UTC), amount=D("5000.00"),
                               method="transfer", receipt_number="RC-2570-000051"),
              PaymentOnInvoice(paid_at=datetime(2026, 11, 6, 2, 0, tzinfo=UTC), amount=D("290.00"),
                               method="cash", receipt_number=None)),
)


INVOICE_PDF = "https://suk-jai.example.co.th/web/invoices/98.pdf?c=1&sig=abc"


def test_invoice_shows_lines_totals_payments_and_credit_notes():
    message = cards.invoice_message(DETAIL, profile=TENANT, pdf_url=INVOICE_PDF)
    _assert_valid(message)
    texts = _texts(message)
    assert {"INV-2570-000098", "ตุลาคม 2569", "1 พ.ย. 2569", "11 พ.ย. 2569", "เกินกำหนด"} <= set(texts)
    assert {"212 หน่วย × 7.50", "2.5 ลบ.ม. × 18.00", "1,590.00", "8,500.00"} <= set(texts)
    assert not any(t.startswith("1 × ") for t in texts)  # a single rent needs no "1 ×"
    assert {"11,290.00 บาท", "−500.00 บาท", "−5,000.00 บาท", "5,790.00 บาท"} <= set(texts)
    assert {"5 พ.ย. 2569 10:30 น.", "โอนเงินเข้าบัญชี", "ใบเสร็จ RC-2570-000051", "เงินสด"} <= set(texts)
    assert {"CN-2570-000007", "ออกเมื่อ 30 ต.ค. 2569", "−500.00"} <= set(texts)
    postbacks = _postbacks(message)
    assert postbacks["ชำระใบแจ้งหนี้ INV-2570-000098"] == {"action": "intent", "name": "pay_bill", "invoice": "98"}
    assert postbacks["ดูใบลดหนี้ CN-2570-000007"]["credit_note"] == "7"
    assert postbacks["ดูยอดค้างชำระทั้งหมด"] == {"action": "intent", "name": "check_balance"}
    assert _uris(message) == {"เปิดใบแจ้งหนี้ (PDF)": INVOICE_PDF}


def test_a_paid_invoice_has_no_pay_button_and_a_part_paid_one_says_so():
    settled = replace(OVERDUE, paid=D("10790.00"), outstanding=D("0.00"), overdue=False)
    message = cards.invoice_message(replace(DETAIL, summary=settled), profile=TENANT, pdf_url=INVOICE_PDF)
    _assert_valid(message)
    assert "ชำระแล้ว" in _texts(message) and all(p["name"] != "pay_bill" for p in _postbacks(message).values())
    part_paid = cards.invoice_message(replace(DETAIL, summary=replace(CURRENT, paid=D("100.00"), outstanding=D("11437.50"))),
                                      profile=TENANT, pdf_url=INVOICE_PDF)
    assert "ชำระบางส่วน" in _texts(part_paid)
    fresh = cards.invoice_message(InvoiceDetail(summary=CURRENT, lines=DETAIL.lines[:1], credit_notes=(), payments=()),
                                  profile=TENANT, pdf_url=INVOICE_PDF)
    _assert_valid(fresh)
    texts = _texts(fresh)
    assert "รอชำระ" in texts and "การชำระเงิน" not in texts and "หักใบลดหนี้" not in texts and "ชำระแล้ว" not in texts


QR_URL = "https://suk-jai.example.co.th/pay/qr/T0001.png?sig=abc"


def _request(**changes: Any) -> PaymentRequest:
    request = PaymentRequest(
        customer_id=1, customer_code="T0001", customer_name="ร้านสมใจพาณิชย์ (นางสมใจ ใจดี)", amount=D("17327.50"),
        payload="000201…", scheme="bill_payment", ref1="T0001", ref2=None, payee="บจก. ศูนย์การค้าชุมชนสุขใจ",
        invoices=(OVERDUE, CURRENT), invoice_id=None,
    )
    return replace(request, **changes)


def test_bill_shows_the_qr_amount_payee_references_and_how_to_pay():
    message = cards.bill_message(_request(), profile=TENANT, qr_url=QR_URL)
    _assert_valid(message)
    hero = message["contents"]["hero"]
    assert hero["url"] == QR_URL and hero["aspectRatio"] == "1:1"
    texts = _texts(message)
    assert {"17,327.50 บาท", "บจก. ศูนย์การค้าชุมชนสุขใจ", "ชำระบิลผ่าน Thai QR", "รหัสลูกค้า"} <= set(texts)
    # ref1 is the customer code: shown once, under the name residents know
    assert texts.count("T0001") == 1 and "เลขอ้างอิง 1" not in texts and "เลขอ้างอิง 2" not in texts
    assert {"INV-2570-000098", "5,790.00", "INV-2570-000145", "11,537.50"} <= set(texts)
    assert any("เปิดแอปธนาคาร" in t for t in texts)
    assert _uris(message)["บันทึกรูป QR"] == QR_URL
    assert _postbacks(message)["แนบสลิป"] == {"action": "intent", "name": "send_slip"}


def test_bill_for_one_invoice_by_promptpay_keeps_the_invoice_for_the_slip():
    message = cards.bill_message(_request(scheme="promptpay", ref1=None, invoices=(CURRENT,), invoice_id=145,
                                          amount=D("11537.50")), profile=MUNICIPALITY, qr_url=QR_URL)
    _assert_valid(message)
    texts = _texts(message)
    assert "พร้อมเพย์" in texts and "เลขอ้างอิง 1" not in texts and "INV-2570-000098" not in texts
    assert _postbacks(message)["แนบสลิป"] == {"action": "intent", "name": "send_slip", "invoice": "145"}
    with_ref2 = _texts(cards.bill_message(_request(ref2="INV2570000145", invoice_id=145, invoices=(CURRENT,)),
                                          profile=TENANT, qr_url=QR_URL))
    # ref2 is the invoice number the card lists already
    assert with_ref2.count("INV-2570-000145") == 1 and "INV2570000145" not in with_ref2
    assert "เลขอ้างอิง 2" not in with_ref2


def test_bill_shows_references_that_say_something_else():
    texts = _texts(cards.bill_message(_request(ref1="BS0000123412345678", ref2="X2569"), profile=TENANT,
                                      qr_url=QR_URL))
    assert {"เลขอ้างอิง 1", "BS0000123412345678", "เลขอ้างอิง 2", "X2569", "T0001"} <= set(texts)


PDF = "https://suk-jai.example.co.th/r/51.pdf?sig=abc"


def test_receipt_in_bangkok_time_with_method_lines_money_on_account_and_pdf():
    message = cards.receipt_message(RECEIPT, profile=TENANT, pdf_url=PDF)
    _assert_valid(message)
    texts = _texts(message)
    assert {"RC-2570-000051", "5 พ.ย. 2569 10:31 น.", "5,200.00 บาท", "โอนเงินเข้าบัญชี", "016309105512345"} <= set(texts)
    assert {"INV-2570-000098", "งวด ตุลาคม 2569", "5,000.00", "ยอดชำระล่วงหน้า/เงินคงเหลือในบัญชี", "200.00"} <= set(texts)
    assert {"ชำระแล้ว", "ขอบคุณที่ชำระเงินค่ะ"} <= set(texts)
    assert _uris(message) == {"เปิดใบเสร็จ (PDF)": PDF}
    cash = cards.receipt_message(replace(RECEIPT, method="cash", reference=None), profile=TENANT, pdf_url=PDF)
    assert "เงินสด" in _texts(cash) and "เลขอ้างอิง" not in _texts(cash)


def test_receipts_history_is_a_list_with_pdf_links_details_and_pages():
    receipts = [replace(RECEIPT, id=n, number=f"RC-2570-{n:06d}") for n in range(1, 14)]
    message = cards.receipts_message(receipts, profile=TENANT, pdf_url=lambda r: f"https://x.example/r/{r.id}.pdf")
    _assert_valid(message)
    bubbles = message["contents"]["contents"]
    assert len(bubbles) == 12
    first = bubbles[0]
    assert {"ใบเสร็จ RC-2570-000001", "5 พ.ย. 2569 10:31 น.", "5,200.00 บาท", "ชำระแล้ว"} <= set(_all_text(first))
    assert "INV-2570-000098 งวด ตุลาคม 2569 · ยอดชำระล่วงหน้า/เงินคงเหลือในบัญชี" in _all_text(first)
    assert [a["uri"] for a in _actions(first) if a["type"] == "uri"] == ["https://x.example/r/1.pdf"]
    assert [ft.parse_postback(a["data"]) for a in _actions(first) if a["type"] == "postback"] == [
        {"action": "intent", "name": "receipts", "receipt": "1"}]
    more = [ft.parse_postback(a["data"]) for a in _actions(bubbles[-1])]
    assert more == [{"action": "intent", "name": "receipts", "page": "2"}]
    second = cards.receipts_message(receipts, profile=TENANT, pdf_url=lambda r: PDF, page=2)
    assert len(second["contents"]["contents"]) == 2


def test_receipts_of_a_period_keep_the_period_on_the_next_page():
    receipts = [replace(RECEIPT, id=n, number=f"RC-2570-{n:06d}") for n in range(1, 14)]
    message = cards.receipts_message(receipts, profile=TENANT, pdf_url=lambda r: PDF, title="ใบเสร็จรับเงินปี 2569",
                                     params={"from": "2026-01-01", "to": "2026-12-31"})
    assert "ใบเสร็จรับเงินปี 2569" in _all_text(message["contents"]["contents"][0])
    more = [ft.parse_postback(a["data"]) for a in _actions(message["contents"]["contents"][-1])]
    assert more == [{"action": "intent", "name": "receipts", "page": "2", "from": "2026-01-01", "to": "2026-12-31"}]


SWIPE = "ปัดเพื่อดูรายการถัดไป"


def _swipe_hints(message: dict[str, Any]) -> list[list[str]]:
    return [[t for t in _all_text(bubble) if SWIPE in t] for bubble in message["contents"]["contents"]]


def test_a_carousel_shows_the_edge_of_its_next_card_and_says_how_many_follow():
    """Bubbles narrower than a phone (kilo) let LINE show the next one's edge; the
    first card also says it in words, with the count."""
    receipts = [replace(RECEIPT, id=n, number=f"RC-2570-{n:06d}") for n in range(1, 14)]
    pages = [cards.receipts_message(receipts, profile=TENANT, pdf_url=lambda r: PDF, page=n) for n in (1, 2)]
    accounts = cards.account_message([(SOMJAI, True), (BOONMEE, False)], profile=TENANT)
    one_account = cards.account_message([(SOMJAI, True)], profile=TENANT)
    for message in (*pages, accounts, one_account):
        assert {bubble.get("size") for bubble in message["contents"]["contents"]} == {"kilo"}
    assert _swipe_hints(pages[0]) == [[f"{SWIPE} (ทั้งหมด 13 ฉบับ)"]] + [[]] * 11
    assert _swipe_hints(pages[1]) == [[f"{SWIPE} (ทั้งหมด 13 ฉบับ)"], []]
    assert _swipe_hints(accounts) == [[f"{SWIPE} (เชื่อมไว้ 2 บัญชี)"], [], []]
    assert _swipe_hints(one_account) == [[f"{SWIPE} (เชื่อมไว้ 1 บัญชี)"], []]  # "เพิ่มบัญชี" follows
    single = cards.receipts_message(receipts[:1], profile=TENANT, pdf_url=lambda r: PDF)
    assert _swipe_hints(single) == [[]]  # nothing follows, nothing to swipe to


def test_no_receipts_is_a_polite_text():
    for page in (1, 3):
        message = cards.receipts_message([], profile=MUNICIPALITY, pdf_url=lambda r: PDF, page=page)
        assert message["type"] == "text" and "ยังไม่มีใบเสร็จรับเงินในช่วง 6 เดือนที่ผ่านมาครับ" in message["text"]


LEASE = ContractInfo(id=1, number="CT-T0001-01", kind="lease", starts_on=date(2024, 1, 1), ends_on=date(2027, 12, 31),
                     centre="ศูนย์การค้าชุมชนสุขใจ สาขาคลองหลวง", unit_no="A-12", area_sqm=D("24.00"),
                     monthly_rent=D("8500.00"), meter_number=None, description="ร้านค้าชั้น 1 โซน A")
WATER = ContractInfo(id=2, number="WC-00012", kind="water", starts_on=date(2021, 1, 1), ends_on=None, centre=None,
                     unit_no=None, area_sqm=None, monthly_rent=None, meter_number="MT-0012", description="")
SOMJAI = CustomerInfo(id=1, code="T0001", name="ร้านสมใจพาณิชย์ (นางสมใจ ใจดี)", type="tenant", type_name="ผู้เช่า",
                      address="99/12 ถนนพหลโยธิน ตำบลคลองหนึ่ง อำเภอคลองหลวง จังหวัดปทุมธานี 12120", village=None,
                      phones=("0810000001", "025201999"), contracts=(LEASE,))
BOONMEE = CustomerInfo(id=4, code="W00001", name="นายบุญมี ศรีสุข", type="water_user", type_name="ผู้ใช้น้ำ",
                       address="", village="หมู่ 3", phones=(), contracts=(WATER,))


def test_accounts_one_bubble_each_active_badge_switch_unlink_and_add():
    message = cards.account_message([(SOMJAI, True), (BOONMEE, False)], profile=TENANT)
    _assert_valid(message)
    somjai, boonmee, add = message["contents"]["contents"]
    texts = _all_text(somjai)
    assert {"บัญชีที่ใช้งานอยู่", "T0001", "ผู้เช่า", "081-xxx-0001\n025-xxx-1999", "สัญญา (1 ฉบับ)"} <= set(texts)
    assert {"CT-T0001-01", "สัญญาเช่า", "A-12 (24 ตร.ม.)", "ศูนย์การค้าชุมชนสุขใจ สาขาคลองหลวง",
            "8,500.00 บาท / เดือน", "1 ม.ค. 2567 – 31 ธ.ค. 2570"} <= set(texts)
    assert "0810000001" not in str(message)
    assert {"ผู้ใช้น้ำประปา", "MT-0012", "ตั้งแต่ 1 ม.ค. 2564", "ข้อมูลผู้ใช้น้ำ"} <= set(_all_text(boonmee))
    assert "บัญชีที่ใช้งานอยู่" not in _all_text(boonmee) and "ที่อยู่" not in _all_text(boonmee)
    data = lambda bubble: [ft.parse_postback(a["data"]) for a in _actions(bubble)]  # noqa: E731
    assert data(somjai) == [{"action": "intent", "name": "account_info", "unlink": "1"}]
    assert data(boonmee) == [{"action": "intent", "name": "account_info", "switch": "4"},
                             {"action": "intent", "name": "account_info", "unlink": "4"}]
    assert data(add) == [{"action": "intent", "name": "register"}]


def test_many_accounts_with_many_contracts_fit_one_carousel_and_keep_the_active_one():
    contracts = tuple(replace(LEASE, id=n, number=f"CT-T0001-{n:02d}", description="ร้านค้าชั้น 1 โซน A " * 5)
                      for n in range(7))
    accounts = [(replace(SOMJAI, id=n, code=f"T{n:04d}", contracts=contracts), n == 13) for n in range(14)]
    message = cards.account_message(accounts, profile=TENANT)
    _assert_valid(message)
    bubbles = message["contents"]["contents"]
    assert len(bubbles) == 12 and json_size(message["contents"]) <= CAROUSEL_MAX_BYTES
    assert "บัญชีที่ใช้งานอยู่" in _all_text(bubbles[0]) and "T0013" in _all_text(bubbles[0])
    assert "สัญญา (7 ฉบับ)" in _all_text(bubbles[0]) and "14 บัญชี" in message["altText"]
    # with only two accounts the same contracts all fit (five, then "และอีก 2 ฉบับ")
    few = cards.account_message(accounts[:2], profile=TENANT)
    assert "CT-T0001-04" in _all_text(few["contents"]["contents"][0])
    assert "และอีก 2 ฉบับ" in _all_text(few["contents"]["contents"][0])


def test_slip_pending_rejected_and_duplicate():
    pending = cards.slip_message("pending", profile=TENANT, amount=D("5200.00"),
                                 paid_at=datetime(2026, 11, 5, 3, 30, tzinfo=UTC), bank="ธนาคารกสิกรไทย",
                                 reference="016309105512345")
    _assert_valid(pending)
    texts = _texts(pending)
    assert {"ได้รับหลักฐานการชำระเงินแล้วค่ะ", "รอตรวจสอบ", "5,200.00 บาท", "5 พ.ย. 2569 10:30 น.",
            "ธนาคารกสิกรไทย", "016309105512345"} <= set(texts)
    assert any("รอเจ้าหน้าที่ตรวจสอบ" in t for t in texts)
    assert "footer" not in pending["contents"]

    rejected = cards.slip_message("rejected", profile=MUNICIPALITY, reason="ยอดเงินไม่ตรงกับรายการโอน")
    _assert_valid(rejected)
    texts = _texts(rejected)
    assert {"ไม่อนุมัติ", "เหตุผล", "ยอดเงินไม่ตรงกับรายการโอน", "ยังยืนยันการชำระเงินไม่ได้ครับ"} <= set(texts)
    assert "จำนวนเงิน" not in texts
    assert _postbacks(rejected) == {"ส่งสลิปใหม่": {"action": "intent", "name": "send_slip"},
                                    "ติดต่อเจ้าหน้าที่": {"action": "intent", "name": "talk_to_staff"}}
    badge = next(b for b in rejected["contents"]["body"]["contents"][0]["contents"])
    assert badge["backgroundColor"] == "#C81E1E"

    duplicate = cards.slip_message("duplicate", profile=TENANT, amount=D("5200.00"))
    _assert_valid(duplicate)
    assert {"ส่งซ้ำ", "สลิปนี้ส่งเข้ามาแล้วค่ะ", "5,200.00 บาท"} <= set(_texts(duplicate))
    with pytest.raises(ValueError, match="approved"):
        cards.slip_message("approved", profile=TENANT)  # type: ignore[arg-type]


def _repeat_limits(node: Any) -> dict[str, int]:
    if isinstance(node, dict):
        own = {node["$repeat"]: node["$max"]} if "$max" in node else {}
        return own | {k: v for child in node.values() for k, v in _repeat_limits(child).items()}
    if isinstance(node, list):
        return {k: v for child in node for k, v in _repeat_limits(child).items()}
    return {}


def test_row_limits_are_the_templates_max():
    """A card never asks a template for more rows than it takes."""
    limits = {name: _repeat_limits(json.loads((ft.TEMPLATES_DIR / f"{name}.json").read_text(encoding="utf-8")))
              for name in ("statement", "invoice", "bill", "receipt", "account")}
    assert limits == {
        "statement": {"overdue": cards.STATEMENT_OVERDUE_ROWS, "credit_notes": cards.CREDIT_NOTE_ROWS},
        "invoice": {"lines": cards.INVOICE_LINE_ROWS, "payments": cards.PAYMENT_ROWS, "credit_notes": cards.CREDIT_NOTE_ROWS},
        "bill": {"invoices": cards.BILL_INVOICE_ROWS},
        "receipt": {"lines": cards.RECEIPT_LINE_ROWS},
        "account": {"accounts": cards.ACCOUNT_BUBBLES, "account.contracts": cards.CONTRACT_ROWS},
    }
