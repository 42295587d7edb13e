"""services.ids.parse_id: the one way an id from a postback, a form or a URL is read."""
from __future__ import annotations

import pytest

from services.ids import MAX_ID, parse_id


@pytest.mark.parametrize("raw,expected", [
    ("1", 1), ("42", 42), (" 7 ", 7), ("007", 7), (str(MAX_ID), MAX_ID), ("0" * 18 + "9", 9),
])
def test_ascii_digits_in_range_are_ids(raw, expected):
    assert parse_id(raw) == expected


@pytest.mark.parametrize("raw", [
    "", " ", "0", "000", "-1", "+1", "1.0", "1e3", "0x1f", "1_000", "12 34", "١٢", "๑", "²", "12²", "①", "１２",
    str(MAX_ID + 1), str(2**64), "9" * 19, "1" + "0" * 30, "0" * 19 + "1",
], ids=repr)
def test_anything_else_is_none(raw):
    assert parse_id(raw) is None


@pytest.mark.parametrize("raw", [None, 5, 5.0, True, b"5", ["5"], {"id": "5"}], ids=repr)
def test_only_text_is_read(raw):
    assert parse_id(raw) is None
