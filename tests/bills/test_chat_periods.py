"""Receipts and bills of the period a resident names (issue 14): "ขอใบเสร็จเดือนที่แล้ว" shows that
month, not six; older than the six months the chat offers (seed 000) is asked of the office.
Through the real bot and the LINE emulator, on the tenant demo data: T0001's bills were issued
65, 35 and 5 days ago, the first paid (its receipt 60 days ago)."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from config.profile import load_profile
from flows.texts import contacts_line
from services.billing.accounts import customer_by_code
from services.billing.invoices import Line, issue_invoice
from tests.bills.test_chat_bills import (  # noqa: F401 (bills is a fixture)
    bills,
    db_session,
    flex_of,
    latest_otp,
    register,
    texts,
)
from thai.dates import BANGKOK, MONTHS_FULL, be_year, format_thai_date, months_back

PROFILE = load_profile("tenant")


def month_of(day: date) -> str:
    return f"เดือน{MONTHS_FULL[day.month - 1]} {be_year(day)}"


def today() -> date:
    return datetime.now(BANGKOK).date()


def receipt_numbers(messages: list[dict]) -> list[str]:
    return re.findall(r"ใบเสร็จ (RC-[\d-]+)", texts(messages))


def test_receipts_of_the_month_asked_for(bills):  # noqa: F811
    user = bills.new_user()
    register(bills, user)
    paid_on = today() - timedelta(days=60)
    everything = bills.say(user, "ขอใบเสร็จค่ะ")
    assert len(receipt_numbers(everything)) == 1

    answer = bills.say(user, f"ขอใบเสร็จ{month_of(paid_on)}ค่ะ")
    assert answer[0]["text"] == f"ใบเสร็จรับเงิน{month_of(paid_on)} มี 1 ฉบับค่ะ"
    assert receipt_numbers(answer) == receipt_numbers(everything)

    # a month without one: said politely, and one tap shows the six months instead
    empty_month = today() - timedelta(days=100) if paid_on.month == today().month else today()
    none = bills.say(user, f"ใบเสร็จ{month_of(empty_month)}")
    assert [m["text"] for m in none] == [f"ไม่มีใบเสร็จรับเงินของบัญชี T0001 ใน{month_of(empty_month)} ค่ะ"]
    offer = none[0]["quickReply"]["items"][0]["action"]
    assert offer["label"] == "ดูใบเสร็จ 6 เดือน"
    assert receipt_numbers(bills.tap(user, offer["data"], offer["label"])) == receipt_numbers(everything)


def test_receipts_older_than_six_months_are_asked_of_the_office(bills):  # noqa: F811
    user = bills.new_user()
    register(bills, user)
    older = bills.say(user, "ขอใบเสร็จเดือนมกราคม 2568")
    assert len(older) == 1 and not receipt_numbers(older)
    said = older[0]["text"]
    assert "ดูย้อนหลังทาง LINE ได้ 6 เดือนค่ะ" in said and "เดือนมกราคม 2568" in said
    assert contacts_line(PROFILE) in said and PROFILE.contacts, "the office's own numbers"

    # a period reaching further back shows the six months, and says where the rest is
    year = bills.say(user, "ประวัติการชำระ 12 เดือนล่าสุด")
    assert "ใบเสร็จรับเงินวันที่" in year[0]["text"] and year[0]["text"].endswith("มี 1 ฉบับค่ะ")
    assert len(receipt_numbers(year)) == 1
    assert "ดูย้อนหลังทาง LINE ได้ 6 เดือน" in year[-1]["text"]
    assert f"ถึง {format_thai_date(months_back(today(), 6) - timedelta(days=1))} ขอสำเนา" in year[-1]["text"]


def test_bills_of_the_month_asked_for(bills):  # noqa: F811
    user = bills.new_user()
    register(bills, user)
    issued = today() - timedelta(days=35)
    count = sum(1 for days in (65, 35, 5) if (today() - timedelta(days=days)).month == issued.month)
    answer = bills.say(user, f"ขอดูบิล{month_of(issued)}หน่อยค่ะ")
    assert answer[0]["text"] == f"ใบแจ้งหนี้{month_of(issued)} มี {count} ฉบับค่ะ"
    cards = [m for m in answer if m["type"] == "flex"]
    assert len(cards) == count and all("INV-" in m["altText"] or "INV-" in texts([m]) for m in cards)

    # none in that month: said, then what is owed now
    none = bills.say(user, "ขอดูบิลเดือนมกราคม 2568")
    assert none[0]["text"] == "ไม่มีใบแจ้งหนี้ของบัญชี T0001 ในเดือนมกราคม 2568 ค่ะ ยอดค้างชำระปัจจุบันเป็นดังนี้ค่ะ"
    assert "22,327.50" in texts([flex_of(none)])


def test_the_period_waits_while_the_resident_registers(bills):  # noqa: F811
    user = bills.new_user()
    paid_on = today() - timedelta(days=60)
    first = bills.say(user, f"ขอใบเสร็จ{month_of(paid_on)}")
    assert "ต้องลงทะเบียน" in texts(first)
    bills.say(user, "T0001")
    bills.say(user, "0810000001")
    bills.say(user, latest_otp(bills, "0810000001"))
    done = bills.tap(user, "action=consent&answer=yes&v=1", "ยินยอม")
    assert f"ใบเสร็จรับเงิน{month_of(paid_on)} มี 1 ฉบับค่ะ" in texts(done)


def test_a_postback_carries_the_period_and_a_broken_one_shows_the_six_months(bills):  # noqa: F811
    user = bills.new_user()
    register(bills, user)
    paid_on = today() - timedelta(days=60)
    first = paid_on.replace(day=1)
    shown = bills.tap(user, f"action=intent&name=receipts&from={first}&to={paid_on}&page=1", "ใบเสร็จ")
    assert shown[0]["text"].startswith("ใบเสร็จรับเงินวันที่ ") and len(receipt_numbers(shown)) == 1
    for data in ("from=2569-13-01&to=x", f"from={paid_on}&to={first - timedelta(days=1)}"):
        fallback = bills.tap(user, f"action=intent&name=receipts&{data}", "ใบเสร็จ")
        assert len(receipt_numbers(fallback)) == 1 and "ฉบับ" not in texts(fallback)


def test_many_bills_in_a_period_are_listed_one_line_each(bills):  # noqa: F811
    """A year of monthly bills does not fit five messages: one line each, tapped open."""
    with db_session(bills) as session, session.begin():
        customer = customer_by_code(session, "T0003")
        for month in range(1, 7):
            issue_invoice(session, customer, number_format=PROFILE.document_number_formats["invoice"],
                          lines=[Line("ค่าเช่าพื้นที่", "100.00")], issued_on=date(2025, month, 1),
                          due_date=date(2025, month, 15), period=f"{MONTHS_FULL[month - 1]} 2568")
    user = bills.new_user()
    register(bills, user, "T0003", "0810000003")
    answer = bills.say(user, "ขอดูใบแจ้งหนี้ปี 2568 ทั้งหมด")
    assert len(answer) == 1 and answer[0]["text"].startswith("ใบแจ้งหนี้ปี 2568 มี 6 ฉบับค่ะ\n• INV-")
    assert answer[0]["text"].count("100.00 บาท") == 6 and answer[0]["text"].count("(เกินกำหนด)") == 6
    opens = [item["action"]["data"] for item in answer[0]["quickReply"]["items"]]
    assert len(opens) == 6
    assert "INV-" in flex_of(bills.tap(user, opens[0]))["altText"]
