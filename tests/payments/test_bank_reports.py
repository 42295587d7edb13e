import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from services.payments.bank_reports import (
    DETAIL,
    HEADER,
    TRAILER,
    CsvColumns,
    ReportError,
    ReportPayment,
    build_bill_payment_report,
    parse_bill_payment_report,
    parse_csv_statement,
)

VECTORS = Path(__file__).parent / "vectors"
SAMPLE = (VECTORS / "bill_payment_sample_tis620.txt").read_bytes()


def test_layout_is_the_published_one():
    published = json.loads((VECTORS / "bill_payment_layout.json").read_text())
    for ours, kind in ((HEADER, "header"), (DETAIL, "detail"), (TRAILER, "trailer")):
        assert [(f["field"], f["start"], f["end"]) for f in published[kind]] == list(ours)


def test_sample_report():
    report = parse_bill_payment_report(SAMPLE)
    assert (report.bank_code, report.company_account, report.company_name, report.effective_date,
            report.service_code) == ("006", "1234567890", "TESSABAN TAMBON EXAMPLE", date(2025, 5, 13), "WATER")
    first, second = report.lines
    assert first.customer_name == "นายสมชาย ใจดี"  # TIS-620 decoded
    assert (first.ref1, first.ref2, first.amount, first.paid_at) == \
        ("INV2568000123", "256805", Decimal("350.00"), datetime(2025, 5, 13, 9, 30, 15))
    assert (first.branch_no, first.teller_no, first.transaction_code, first.kind) == ("0123", "0001", "CSH", "credit")
    assert (second.amount, second.sending_bank_code, second.biller_id) == \
        (Decimal("12345.67"), "014", "012345678901200")
    assert first.dedupe_key != second.dedupe_key
    assert [line.dedupe_key for line in parse_bill_payment_report(SAMPLE).lines] == \
        [first.dedupe_key, second.dedupe_key]


def _lines():
    return SAMPLE.split(b"\r\n")[:-1]


def _join(lines):
    return b"\r\n".join(lines) + b"\r\n"


def _replace(line: bytes, start: int, new: bytes) -> bytes:
    return line[:start - 1] + new + line[start - 1 + len(new):]


def _problems(data):
    with pytest.raises(ReportError) as info:
        parse_bill_payment_report(data)
    return {(p.line, p.field) for p in info.value.problems}, str(info.value)


def test_trailer_totals_are_checked():
    lines = _lines()
    lines[3] = _replace(lines[3], 40, b"0000001269568")
    problems, message = _problems(_join(lines))
    assert problems == {(4, "total_credit_amount")}
    assert "บรรทัด 4 ช่อง total_credit_amount" in message and "12,695.67" in message


def test_every_bad_line_and_field_is_reported():
    lines = _lines()
    lines[1] = _replace(lines[1], 21, b"32052025")  # 32 May
    lines[1] = _replace(lines[1], 164, b"00000000350A0")
    lines[2] = _replace(lines[2], 153, b"X")
    lines[2] = _replace(lines[2], 11, b"9999999999")
    problems, _ = _problems(_join(lines))
    assert problems >= {(2, "payment_date_ddmmyyyy/payment_time_hhmmss"), (2, "amount_13_2implied"),
                        (3, "kind_of_transaction"), (3, "company_account")}


def test_short_lines_wrong_order_and_missing_trailer():
    lines = _lines()
    assert _problems(_join([lines[0], lines[1][:200], lines[2], lines[3]]))[0] == {(2, "record")}
    assert (1, "record_type") in _problems(_join([lines[1], lines[0], lines[2], lines[3]]))[0]
    problems, message = _problems(_join(lines[:3]))
    assert (3, "record_type") in problems and "ไม่มีส่วนท้าย" in message
    assert _problems(b"")[0] == {(1, "record")}


def test_sequence_must_follow_the_lines():
    lines = _lines()
    lines[2] = _replace(lines[2], 2, b"000009")
    assert _problems(_join(lines))[0] == {(3, "seq")}


def test_undecodable_bytes_are_reported_by_line():
    lines = _lines()
    lines[2] = _replace(lines[2], 40, b"\xdb")  # unassigned in cp874
    assert (3, "encoding") in _problems(_join(lines))[0]


def test_builder_writes_what_the_parser_reads():
    payments = [ReportPayment(datetime(2026, 12, 15, 9, 0), Decimal("150.00"), "W0001", "256912", "นางสาวมณี ศรีสุข"),
                ReportPayment(datetime(2026, 12, 15, 9, 5), Decimal("75.50"), "W0002", kind="D")]
    data = build_bill_payment_report(bank_code="006", company_account="1234567890", company_name="อบต.ทดสอบ",
                                     effective=date(2026, 12, 15), service_code="WATER", biller_id="0" * 15,
                                     payments=payments)
    report = parse_bill_payment_report(data)
    assert [(line.ref1, line.amount, line.kind, line.customer_name) for line in report.lines] == [
        ("W0001", Decimal("150.00"), "credit", "นางสาวมณี ศรีสุข"), ("W0002", Decimal("75.50"), "debit", "")]


COLUMNS = CsvColumns(date="วันที่", time="เวลา", deposit="ฝาก", description="รายละเอียด", buddhist_era=True)


def test_csv_statement_with_thai_headers_and_buddhist_years():
    data = ("วันที่,เวลา,รายละเอียด,ถอน,ฝาก,คงเหลือ\n"
            "15/12/2569,09:30,โอนเข้า PromptPay,,\"1,234.50\",\"10,000.00\"\n"
            "15/12/2569,10:00,ค่าธรรมเนียม,10.00,,\"9,990.00\"\n"
            "16/12/2569,11:15,โอนเข้า,,350,\"10,340.00\"\n").encode("utf-8-sig")
    lines = parse_csv_statement(data, COLUMNS)
    assert [(line.line, line.paid_at, line.amount, line.description) for line in lines] == [
        (2, datetime(2026, 12, 15, 9, 30), Decimal("1234.50"), "โอนเข้า PromptPay"),
        (4, datetime(2026, 12, 16, 11, 15), Decimal("350.00"), "โอนเข้า")]
    assert [line.dedupe_key for line in parse_csv_statement(data, COLUMNS)] == [line.dedupe_key for line in lines]


def test_csv_problems_name_row_and_column():
    data = "วันที่,เวลา,รายละเอียด,ถอน,ฝาก\n31/02/2569,09:30,x,,100\n15/12/2569,25:99,x,,100\n15/12/2569,09:00,x,,abc\n"
    with pytest.raises(ReportError) as info:
        parse_csv_statement(data, COLUMNS)
    assert {(p.line, p.field) for p in info.value.problems} == {(2, "วันที่"), (3, "เวลา"), (4, "ฝาก")}
    with pytest.raises(ReportError) as info:
        parse_csv_statement("Date,Amount\n", COLUMNS)
    assert {p.field for p in info.value.problems} == {"วันที่", "เวลา", "ฝาก", "รายละเอียด"}


def test_csv_statement_with_english_columns_and_references():
    columns = CsvColumns(date="Txn Date", deposit="Credit", ref1="Reference 1", ref2="Reference 2",
                         date_format="%Y-%m-%d")
    data = "Txn Date,Debit,Credit,Reference 1,Reference 2\n2026-12-15,,150.00,W00123,256912\n2026-12-15,20.00,,,\n"
    (line,) = parse_csv_statement(data.encode("cp874"), columns, encoding="cp874")
    assert (line.paid_at, line.amount, line.ref1, line.ref2) == (datetime(2026, 12, 15), Decimal("150.00"),
                                                                 "W00123", "256912")
