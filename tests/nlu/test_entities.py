"""Entity table: Thai expressions and the values the bot will act on (today = Wed 25 Nov 2026)."""
from datetime import date, time
from decimal import Decimal

import pytest

from nlu import parse
from tests.nlu.conftest import TODAY

D, T = date, time
CASES = [
    # relative dates
    ("จองวันนี้", "date", D(2026, 11, 25)),
    ("พรุ่งนี้ว่างไหม", "date", D(2026, 11, 26)),
    ("มะรืนค่ะ", "date", D(2026, 11, 27)),
    ("มะรืนนี้ไปได้", "date", D(2026, 11, 27)),
    ("โอนเมื่อวาน", "date", D(2026, 11, 24)),
    ("เมื่อวานซืนจ่ายแล้ว", "date", D(2026, 11, 23)),
    ("อีก 3 วัน", "date", D(2026, 11, 28)),
    ("วันจันทร์หน้า", "date", D(2026, 11, 30)),
    ("จันทร์หน้าค่ะ", "date", D(2026, 11, 30)),
    ("วันพุธหน้า", "date", D(2026, 12, 2)),
    ("ศุกร์หน้า", "date", D(2026, 12, 4)),
    ("วันศุกร์นี้", "date", D(2026, 11, 27)),
    ("วันพฤหัส", "date", D(2026, 11, 26)),
    ("วันพฤหัสบดีที่จะถึง", "date", D(2026, 11, 26)),
    ("วันเสาร์", "date", D(2026, 11, 28)),
    ("วันอาทิตย์หน้า", "date", D(2026, 12, 6)),
    ("วันพุธนี้", "date", D(2026, 11, 25)),
    ("วันจันทร์ที่แล้ว", "date", D(2026, 11, 16)),
    ("สัปดาห์หน้า", "date", D(2026, 11, 30)),
    ("อาทิตย์หน้า", "date", D(2026, 11, 30)),
    ("เดือนหน้า", "date", D(2026, 12, 1)),
    # calendar dates: Thai month names, Buddhist Era and Christian years, Thai digits
    ("15 ธ.ค.", "date", D(2026, 12, 15)),
    ("15 ธค", "date", D(2026, 12, 15)),
    ("วันที่ 15 ธันวาคม", "date", D(2026, 12, 15)),
    ("15 ธันวาคม 2569", "date", D(2026, 12, 15)),
    ("15 ธ.ค. 69", "date", D(2026, 12, 15)),
    ("15 ธ.ค. พ.ศ. 2569", "date", D(2026, 12, 15)),
    ("15 ธันวาคม ค.ศ. 2026", "date", D(2026, 12, 15)),
    ("๑๕ ธ.ค. ๖๙", "date", D(2026, 12, 15)),
    ("๑๕/๑๒/๖๙", "date", D(2026, 12, 15)),
    ("15/12/2569", "date", D(2026, 12, 15)),
    ("15/12/2026", "date", D(2026, 12, 15)),
    ("15-12-69", "date", D(2026, 12, 15)),
    ("15.12.2569", "date", D(2026, 12, 15)),
    ("2026-12-15", "date", D(2026, 12, 15)),
    ("20 พ.ย.", "date", D(2026, 11, 20)),
    ("3 ม.ค.", "date", D(2027, 1, 3)),
    ("1 มกราคม 2570", "date", D(2027, 1, 1)),
    ("5 มีนา", "date", D(2027, 3, 5)),
    ("10 ต.ค. 2569", "date", D(2026, 10, 10)),
    ("29 ก.พ. 2571", "date", D(2028, 2, 29)),
    ("วันที่ 28", "date", D(2026, 11, 28)),
    ("วันที่ 5", "date", D(2026, 12, 5)),
    ("31/12", "date", D(2026, 12, 31)),
    # times
    ("บ่ายสอง", "time", T(14, 0)),
    ("บ่ายโมง", "time", T(13, 0)),
    ("บ่าย 3 โมงครึ่ง", "time", T(15, 30)),
    ("10 โมง", "time", T(10, 0)),
    ("๑๐ โมงเช้า", "time", T(10, 0)),
    ("สิบโมงครึ่ง", "time", T(10, 30)),
    ("สองโมงเช้า", "time", T(8, 0)),
    ("4 โมงเย็น", "time", T(16, 0)),
    ("14.30 น.", "time", T(14, 30)),
    ("14:30", "time", T(14, 30)),
    ("9.00 น.", "time", T(9, 0)),
    ("เวลา 13.15", "time", T(13, 15)),
    ("8 นาฬิกา", "time", T(8, 0)),
    ("เที่ยง", "time", T(12, 0)),
    ("เที่ยงครึ่ง", "time", T(12, 30)),
    ("หนึ่งทุ่ม", "time", T(19, 0)),
    ("2 ทุ่ม", "time", T(20, 0)),
    ("ตี 3", "time", T(3, 0)),
    # phones
    ("0812345678", "phone", "0812345678"),
    ("081-234-5678", "phone", "0812345678"),
    ("08-1234-5678", "phone", "0812345678"),
    ("081 234 5678", "phone", "0812345678"),
    ("๐๘๑๒๓๔๕๖๗๘", "phone", "0812345678"),
    ("+66812345678", "phone", "0812345678"),
    ("+66 81 234 5678", "phone", "0812345678"),
    ("+66-81-234-5678", "phone", "0812345678"),
    ("66812345678", "phone", "0812345678"),
    ("(081) 234-5678", "phone", "0812345678"),
    ("เบอร์ 0991234567 ค่ะ", "phone", "0991234567"),
    ("02-123-4567", "phone", "021234567"),
    ("038 123 456", "phone", "038123456"),
    # national IDs (checksum valid)
    ("1101700207030", "national_id", "1101700207030"),
    ("1-1017-00207-03-0", "national_id", "1101700207030"),
    ("1 1017 00207 03 0", "national_id", "1101700207030"),
    ("เลขบัตร ๑๑๐๑๗๐๐๒๐๗๐๓๐", "national_id", "1101700207030"),
    # amounts
    ("500", "amount", Decimal("500.00")),
    ("๕๐๐", "amount", Decimal("500.00")),
    ("ห้าร้อย", "amount", Decimal("500.00")),
    ("ห้าร้อยบาท", "amount", Decimal("500.00")),
    ("สองพันห้าร้อย", "amount", Decimal("2500.00")),
    ("หนึ่งหมื่นสองพัน", "amount", Decimal("12000.00")),
    ("ห้าสิบบาทห้าสิบสตางค์", "amount", Decimal("50.50")),
    ("1.5k", "amount", Decimal("1500.00")),
    ("2K", "amount", Decimal("2000.00")),
    ("3 พัน", "amount", Decimal("3000.00")),
    ("1,234.50 บาท", "amount", Decimal("1234.50")),
    ("฿99", "amount", Decimal("99.00")),
    ("โอน 850 บ.", "amount", Decimal("850.00")),
    ("ค่าน้ำ250บาท", "amount", Decimal("250.00")),
    ("โอนไป 1500 ครับ", "amount", Decimal("1500.00")),
    # spelled and spoken numbers, Thai digits, English units
    ("โอนไปสองหมื่นแล้ว", "amount", Decimal("20000.00")),
    ("โอนไปพันห้า", "amount", Decimal("1500.00")),
    ("ค่าเช่าสองหมื่นห้า", "amount", Decimal("25000.00")),
    ("แสนห้า", "amount", Decimal("150000.00")),
    ("พันนึง", "amount", Decimal("1000.00")),
    ("หนึ่งพันหนึ่งบาท", "amount", Decimal("1001.00")),
    ("๑๒๓๔ บาท", "amount", Decimal("1234.00")),
    ("โอน ๑,๒๐๐ บาท", "amount", Decimal("1200.00")),
    ("โอน 500 baht", "amount", Decimal("500.00")),
    ("THB 1,200", "amount", Decimal("1200.00")),
    ("วันที่สิบห้า", "date", D(2026, 11, 15)),
    ("สิบห้าธันวา", "date", D(2026, 12, 15)),
    ("วันที่ยี่สิบ ธ.ค.", "date", D(2026, 12, 20)),
    ("อีกสามวัน", "date", D(2026, 11, 28)),
    ("จองคิว tomorrow", "date", D(2026, 11, 26)),
    ("ห้าโมงเย็น", "time", T(17, 0)),
    ("๙ โมงเช้า", "time", T(9, 0)),
    ("สองทุ่มครึ่ง", "time", T(20, 30)),
    ("นัด 10am", "time", T(10, 0)),
    ("2.30 p.m.", "time", T(14, 30)),
    # codes from the data file's regexes
    ("รหัสลูกค้า T0123", "customer_code", "T0123"),
    ("w00451", "customer_code", "W00451"),
    ("G123456", "customer_code", "G123456"),
    ("รหัสผู้เช่า 0456", "customer_code", "0456"),
    ("M01234", "member_code", "M01234"),
    ("เลขสมาชิก 012345", "member_code", "012345"),
    ("เลขมาตร 12345678", "meter_code", "12345678"),
    ("เลขมิเตอร์ 4455667", "meter_code", "4455667"),
    ("MT-0012345", "meter_code", "MT-0012345"),
    ("PT-2569-000123", "tracking_number", "PT-2569-000123"),
    ("เลขที่คำร้อง 2569/0045", "tracking_number", "2569/0045"),
    ("บัตรคิว A012", "ticket_number", "A012"),
    ("คิวที่ 15", "ticket_number", "15"),
    # departments and complaint categories (lookup, synonyms, typos)
    ("จองคิวฝ่ายสินเชื่อ", "department", "loans"),
    ("ไปฝากถอน", "department", "finance"),
    ("คลินิกแก้หนี้", "department", "legal"),
    ("ฌาปนกิจ", "department", "funeral"),
    ("ฝ่ายสินเชือ", "department", "loans"),
    ("ไฟถนนดับ", "complaint_category", "street_light"),
    ("ถนนชำรุด", "complaint_category", "road"),
    ("ท่อประปาแตก", "complaint_category", "water_leak"),
    ("น้ำไม่ไหลค่ะ", "complaint_category", "water_quality"),
    ("หมาจรจัดเยอะ", "complaint_category", "nuisance"),
    ("ขยะเต็มถัง", "complaint_category", "garbage"),
    ("ท่อระบายนำ้อุดตัน", "complaint_category", "drainage"),
]


@pytest.mark.parametrize(("text", "etype", "expected"), CASES, ids=[c[0] for c in CASES])
def test_entity_table(text, etype, expected):
    result = parse(text, today=TODAY)
    found = [e for e in result.entities if e.type == etype]
    assert found, f"no {etype} in {text!r}: {result.entities}"
    assert found[0].normalised == expected
    for e in result.entities:
        assert result.text[e.start:e.end] == e.value


def test_table_is_large_enough():
    assert len(CASES) >= 80


@pytest.mark.parametrize("text", ["1101700207031", "1-1017-00207-03-1", "0000000000000", "1234567890123"])
def test_invalid_national_ids_are_rejected(text):
    result = parse(f"เลขบัตร {text}", today=TODAY)
    assert not [e for e in result.entities if e.type == "national_id"]
    assert [e.type for e in result.entities] == ["invalid_national_id"]


@pytest.mark.parametrize(("text", "expected"), [
    ("หมู่ 5", None), ("อายุ 70 ปี", None), ("ใช้น้ำ 30 หน่วย", None), ("บ้านเลขที่ 12", None),
    ("31/11/2569", None), ("0812345678", None), ("วันที่ห้าสิบ", None), ("ซอยสิบห้า", None),
])
def test_numbers_that_are_not_money(text, expected):
    assert [e for e in parse(text, today=TODAY).entities if e.type == "amount"] == []


@pytest.mark.parametrize(("today", "text", "expected"), [
    # The week runs Monday–Sunday: on a Sunday, "next Monday" is tomorrow.
    (date(2026, 11, 29), "วันจันทร์หน้า", date(2026, 11, 30)),
    (date(2026, 11, 29), "สัปดาห์หน้า", date(2026, 11, 30)),
    (date(2026, 11, 30), "วันจันทร์หน้า", date(2026, 12, 7)),
    (date(2026, 11, 28), "วันอาทิตย์นี้", date(2026, 11, 29)),
    (date(2026, 12, 31), "พรุ่งนี้", date(2027, 1, 1)),
    (date(2026, 12, 28), "5 ม.ค.", date(2027, 1, 5)),
    (date(2027, 1, 3), "28 ธ.ค.", date(2026, 12, 28)),
    (date(2026, 12, 30), "สัปดาห์หน้า", date(2027, 1, 4)),
    (date(2026, 12, 15), "เดือนหน้า", date(2027, 1, 1)),
])
def test_dates_across_week_month_and_year_boundaries(today, text, expected):
    assert parse(text, today=today).first("date").normalised == expected


def test_several_entities_in_one_message_keep_their_spans():
    result = parse("จองคิวฝ่ายสินเชื่อวันจันทร์หน้าบ่ายสอง เบอร์ 081-234-5678 ค่ะ", today=TODAY)
    got = {e.type: e.normalised for e in result.entities}
    assert got == {"department": "loans", "date": date(2026, 11, 30), "time": time(14, 0), "phone": "0812345678"}


def test_slip_details():
    result = parse("โอนค่าเช่าแล้ว 1,250 บาท วันที่ 20 พ.ย. 69 เวลา 14.05 น.", today=TODAY)
    got = {e.type: e.normalised for e in result.entities}
    assert got["amount"] == Decimal("1250.00")
    assert got["date"] == date(2026, 11, 20)
    assert got["time"] == time(14, 5)


# Periods residents ask receipts and bills for; they look back (today = Wed 25 Nov 2026).
OCTOBER, NOVEMBER = (D(2026, 10, 1), D(2026, 10, 31)), (D(2026, 11, 1), D(2026, 11, 30))
PERIODS = [
    ("ขอใบเสร็จเดือนที่แล้ว", OCTOBER),
    ("ใบเสร็จเดือนก่อนค่ะ", OCTOBER),
    ("บิลเมื่อเดือนที่ผ่านมา", OCTOBER),
    ("ค่าน้ำเดือนนี้เท่าไหร่", NOVEMBER),
    ("ใบเสร็จ ต.ค.", OCTOBER),
    ("ใบเสร็จ ตค", OCTOBER),
    ("ใบเสร็จเดือนตค", OCTOBER),
    ("ขอใบเสร็จเดือนตุลาคม", OCTOBER),
    ("บิลเดือนตุลา", OCTOBER),
    ("ใบเสร็จ ต.ค. 69", OCTOBER),
    ("ใบเสร็จตุลา 2569", OCTOBER),
    ("ใบเสร็จ ต.ค. ๖๙", OCTOBER),
    ("ใบเสร็จตุลาคม 2026", OCTOBER),
    ("บิลเดือน 10", OCTOBER),
    ("บิลเดือน ๑๐/๖๙", OCTOBER),
    ("ใบเสร็จ พ.ย.", NOVEMBER),
    # a month not yet begun this year is last year's
    ("ใบเสร็จ ธ.ค.", (D(2025, 12, 1), D(2025, 12, 31))),
    ("ใบเสร็จเดือนธันวาคม 2568", (D(2025, 12, 1), D(2025, 12, 31))),
    ("ใบเสร็จ ก.พ.", (D(2026, 2, 1), D(2026, 2, 28))),
    ("ใบเสร็จปีนี้", (D(2026, 1, 1), D(2026, 12, 31))),
    ("ประวัติการจ่ายปีที่แล้ว", (D(2025, 1, 1), D(2025, 12, 31))),
    ("ใบเสร็จ ปีก่อน", (D(2025, 1, 1), D(2025, 12, 31))),
    ("ใบเสร็จปี 2568", (D(2025, 1, 1), D(2025, 12, 31))),
    ("ใบเสร็จปี พ.ศ. ๒๕๖๙", (D(2026, 1, 1), D(2026, 12, 31))),
    ("ใบเสร็จ 3 เดือนล่าสุด", (D(2026, 8, 25), TODAY)),
    ("ใบเสร็จ ๓ เดือนที่ผ่านมา", (D(2026, 8, 25), TODAY)),
    ("ใบเสร็จสามเดือนล่าสุด", (D(2026, 8, 25), TODAY)),
    ("ขอใบเสร็จย้อนหลังหกเดือน", (D(2026, 5, 25), TODAY)),
    ("ประวัติการชำระ 12 เดือนย้อนหลัง", (D(2025, 11, 25), TODAY)),
]


@pytest.mark.parametrize(("text", "expected"), PERIODS, ids=[c[0] for c in PERIODS])
def test_periods(text, expected):
    result = parse(text, today=TODAY)
    period = result.first("period")
    assert period is not None, f"no period in {text!r}: {result.entities}"
    assert (period.normalised.start, period.normalised.end) == expected
    assert result.text[period.start:period.end] == period.value
    assert not [e for e in result.entities if e.type == "amount"], "a year or a count is not money"


@pytest.mark.parametrize(("text", "etype"), [
    ("โอนเมื่อ 15 ธ.ค.", "date"),          # a day of the month, not the month
    ("ค่าเช่าเดือนละ 5000", "amount"),
    ("ค่าเช่าเดือน 5000 บาท", "amount"),
    ("นัดเดือนหน้า", "date"),
])
def test_what_is_not_a_period(text, etype):
    result = parse(text, today=TODAY)
    assert result.first("period") is None, result.entities
    assert result.first(etype) is not None, result.entities


@pytest.mark.parametrize("text", ["ติดต่อมา 2 ปีที่แล้ว", "นัดสองทุ่มครึ่ง", "ขอเบอร์ตคม."])
def test_no_period_inside_words_or_counts(text):
    assert parse(text, today=TODAY).first("period") is None


def test_periods_across_a_year_boundary():
    assert parse("ใบเสร็จเดือนที่แล้ว", today=D(2027, 1, 10)).first("period").normalised == (
        D(2026, 12, 1), D(2026, 12, 31))
    assert parse("ใบเสร็จ 3 เดือนล่าสุด", today=D(2026, 5, 31)).first("period").normalised == (
        D(2026, 2, 28), D(2026, 5, 31))


def test_a_period_is_json():
    assert parse("ใบเสร็จ ต.ค.", today=TODAY).to_dict()["entities"][0]["normalised"] == ["2026-10-01", "2026-10-31"]
