"""Money: one convention for amounts, their display and their Thai words.

Every amount is a ``Decimal`` with two places, rounded half-up, as Thai
receipts and bank files round. Floats are refused outright: a float has already
lost the satang before we see it.
"""
from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")

# Thousands separators are accepted only where they belong ("1,234.50", not "1,2,3").
_AMOUNT_TEXT = re.compile(r"[+-]?([0-9]{1,3}(,[0-9]{3})+|[0-9]+)(\.[0-9]+)?|[+-]?\.[0-9]+")

_DIGITS = ("", "หนึ่ง", "สอง", "สาม", "สี่", "ห้า", "หก", "เจ็ด", "แปด", "เก้า")
_PLACES = ("", "สิบ", "ร้อย", "พัน", "หมื่น", "แสน")


def to_money(value: Decimal | int | str, *, exact: bool = False) -> Decimal:
    """Return ``value`` as a Decimal quantised to 0.01 (half-up).

    Raises ValueError for floats, booleans, NaN/infinity and text that is not
    a plain amount; with ``exact=True`` also for amounts with more than two
    decimal places, where rounding would silently change what someone pays.
    """
    if isinstance(value, (bool, float)):
        raise ValueError(f"amount must be Decimal, int or str, not {type(value).__name__}: {value!r}")
    if isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, Decimal):
        amount = value
    elif isinstance(value, str):
        text = value.strip()
        if not _AMOUNT_TEXT.fullmatch(text):
            raise ValueError(f"not an amount: {value!r}")
        try:
            amount = Decimal(text.replace(",", ""))
        except InvalidOperation as exc:  # pragma: no cover - the regex admits only valid numbers
            raise ValueError(f"not an amount: {value!r}") from exc
    else:
        raise ValueError(f"amount must be Decimal, int or str, not {type(value).__name__}")
    if not amount.is_finite():
        raise ValueError(f"amount must be finite: {value!r}")
    try:
        money = amount.quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation as exc:
        raise ValueError(f"amount is too large: {value!r}") from exc
    if exact and money != amount:
        raise ValueError(f"amount has more than two decimal places: {value!r}")
    return money


def format_quantity(value: Decimal | int) -> str:
    """Quantities and areas as people write them: 212, 1,500, 2.5 (not 212.000)."""
    return f"{Decimal(value).normalize():,f}"


def format_baht(amount: Decimal | int | str, *, unit: bool = True) -> str:
    """"1,234.50 บาท" (or "1,234.50" with ``unit=False``)."""
    text = f"{to_money(amount):,.2f}"
    return f"{text} บาท" if unit else text


def _below_million(n: int, *, after_higher: bool) -> str:
    """Words for 0 <= n < 1,000,000. A final 1 reads เอ็ด when anything larger
    precedes it in the whole number (11, 101, 1,000,001), else หนึ่ง."""
    words = []
    for place in range(5, -1, -1):
        digit = (n // 10**place) % 10
        if digit == 0:
            continue
        if place == 0:
            words.append("เอ็ด" if digit == 1 and (after_higher or n >= 10) else _DIGITS[digit])
        elif place == 1:
            words.append({1: "", 2: "ยี่"}.get(digit, _DIGITS[digit]) + "สิบ")
        else:
            words.append(_DIGITS[digit] + _PLACES[place])
    return "".join(words)


def _integer_words(n: int) -> str:
    if n >= 1_000_000:
        millions, rest = divmod(n, 1_000_000)
        return _integer_words(millions) + "ล้าน" + (_below_million(rest, after_higher=True) if rest else "")
    return _below_million(n, after_higher=False)


def baht_text(amount: Decimal | int | str) -> str:
    """The amount in Thai words as receipts write it: "หนึ่งร้อยเอ็ดบาทถ้วน",
    "ห้าสิบสตางค์", "ศูนย์บาทถ้วน". Negative amounts are refused: documents
    state what is owed or paid, the sign lives in the document type."""
    money = to_money(amount)
    if money < 0:
        raise ValueError(f"amount in words needs a non-negative amount: {money}")
    baht, satang = divmod(int(money * 100), 100)
    if baht == 0 and satang == 0:
        return "ศูนย์บาทถ้วน"
    text = _integer_words(baht) + "บาท" if baht else ""
    if satang:
        return text + _integer_words(satang) + "สตางค์"
    return text + "ถ้วน"
