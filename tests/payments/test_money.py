import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from thai.dates import be_year, fiscal_year, format_thai_date, format_thai_datetime
from thai.money import baht_text, format_baht, to_money

WORDS = json.loads((Path(__file__).parent / "vectors" / "thai_baht_words.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", WORDS["cases"], ids=lambda c: c["amount"])
def test_baht_text_matches_receipt_wording(case):
    assert baht_text(case["amount"]) == case["words"]
    assert baht_text(Decimal(case["amount"])) == case["words"]


def test_baht_text_accepts_int_and_reads_the_example_receipt():
    assert baht_text(1234) == "หนึ่งพันสองร้อยสามสิบสี่บาทถ้วน"
    assert baht_text("1234.50") == "หนึ่งพันสองร้อยสามสิบสี่บาทห้าสิบสตางค์"
    assert baht_text("2000001.01") == "สองล้านเอ็ดบาทหนึ่งสตางค์"
    assert baht_text("100000011") == "หนึ่งร้อยล้านสิบเอ็ดบาทถ้วน"


def test_baht_text_refuses_negative_amounts():
    with pytest.raises(ValueError):
        baht_text("-1")


@given(st.integers(min_value=0, max_value=10**12 - 1))
def test_baht_text_always_ends_properly(satang):
    words = baht_text(Decimal(satang) / 100)
    assert words.endswith("บาทถ้วน") or words.endswith("สตางค์")
    assert "หนึ่งสิบ" not in words and "สองสิบ" not in words
    assert satang % 100 == 0 or words.endswith("สตางค์")


@pytest.mark.parametrize("value,expected", [
    ("1234.5", Decimal("1234.50")), ("1,234.505", Decimal("1234.51")), (" 7 ", Decimal("7.00")),
    (Decimal("0.005"), Decimal("0.01")), (Decimal("-0.005"), Decimal("-0.01")), (3, Decimal("3.00")),
    ("2.675", Decimal("2.68")),
])
def test_to_money_rounds_half_up_to_satang(value, expected):
    assert to_money(value) == expected
    assert to_money(value).as_tuple().exponent == -2


@pytest.mark.parametrize("value", [1.1, True, "1.2.3", "abc", "1,23", "", "NaN", "Infinity", Decimal("NaN"), None,
                                   "1e3", "๑๒", Decimal("1e30"), "9" * 40])
def test_to_money_refuses_garbage(value):
    with pytest.raises(ValueError):
        to_money(value)


def test_exact_amounts_refuse_sub_satang():
    assert to_money("10.50", exact=True) == Decimal("10.50")
    with pytest.raises(ValueError, match="two decimal places"):
        to_money("10.505", exact=True)


def test_format_baht():
    assert format_baht("1234.5") == "1,234.50 บาท"
    assert format_baht(Decimal("1234567.891"), unit=False) == "1,234,567.89"
    assert format_baht(0) == "0.00 บาท"


def test_buddhist_era_dates():
    assert format_thai_date(date(2026, 12, 15)) == "15 ธ.ค. 2569"
    assert format_thai_date(date(2026, 12, 15), short=False) == "15 ธันวาคม 2569"
    assert format_thai_date(date(2027, 2, 1), short=False) == "1 กุมภาพันธ์ 2570"
    assert format_thai_datetime(datetime(2026, 12, 15, 14, 30)) == "15 ธ.ค. 2569 14:30 น."
    # 07:30 UTC is 14:30 in Bangkok; residents see their own clock.
    assert format_thai_datetime(datetime(2026, 12, 15, 7, 30, tzinfo=UTC)) == "15 ธ.ค. 2569 14:30 น."
    assert format_thai_datetime(datetime(2026, 12, 31, 20, 0, tzinfo=UTC), short=False) == \
        "1 มกราคม 2570 03:00 น."
    assert be_year(date(2026, 1, 1)) == 2569


@pytest.mark.parametrize("day,year", [
    (date(2026, 9, 30), 2569), (date(2026, 10, 1), 2570), (date(2026, 12, 31), 2570), (date(2027, 1, 1), 2570),
])
def test_fiscal_year_starts_on_1_october(day, year):
    assert fiscal_year(day) == year
