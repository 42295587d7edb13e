"""Numbers in Thai text: Thai number words, money amounts, phone numbers, national IDs."""
from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from stdnum.th import pin

from ..types import Entity

_DIGIT_WORDS = {"ศูนย์": 0, "หนึ่ง": 1, "เอ็ด": 1, "นึง": 1, "สอง": 2, "ยี่": 2, "สาม": 3, "สี่": 4,
                "ห้า": 5, "หก": 6, "เจ็ด": 7, "แปด": 8, "เก้า": 9}
_MAGNITUDES = {"สิบ": 10, "ร้อย": 100, "พัน": 1_000, "หมื่น": 10_000, "แสน": 100_000, "ล้าน": 1_000_000}
_WORD = "|".join(sorted([*_DIGIT_WORDS, *_MAGNITUDES], key=len, reverse=True))
_WORD_RE = re.compile(_WORD)
THAI_NUMBER = rf"(?:{_WORD})+"


def thai_words_to_int(words: str) -> int | None:
    """'สองพันห้าร้อย' → 2500; None when the words do not form a number.

    Spoken shortcuts count too: a digit from two to nine right after พัน, หมื่น, แสน or
    ล้าน is the next place down ("พันห้า" 1,500, "สองหมื่นห้า" 25,000, "ล้านสอง"
    1,200,000), and นึง after ร้อย or more only says "one" of it ("พันนึง" 1,000)."""
    total = current = 0
    digit: int | None = None
    last_magnitude = 0
    tokens = _WORD_RE.findall(words)
    if not tokens or "".join(tokens) != words:
        return None
    for token in tokens:
        if token in _DIGIT_WORDS:
            if digit is not None:
                return None
            digit = _DIGIT_WORDS[token]
        elif token == "ล้าน":
            total = (total + current + (digit or 0) or 1) * 1_000_000
            current, digit, last_magnitude = 0, None, 1_000_000
        else:
            current += (1 if digit is None else digit) * _MAGNITUDES[token]
            digit, last_magnitude = None, _MAGNITUDES[token]
    if digit is not None and len(tokens) > 1 and tokens[-2] in _MAGNITUDES:
        if tokens[-1] == "นึง" and last_magnitude >= 100:
            return total + current
        if last_magnitude >= 1_000 and tokens[-1] not in ("หนึ่ง", "เอ็ด"):
            return total + current + digit * last_magnitude // 10
    return total + current + (digit or 0)


def money(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# ---- national ID -------------------------------------------------------------------------
_NATIONAL_ID = re.compile(r"(?<![\d])(?:\d{13}|\d([ -])\d{4}\1\d{5}\1\d{2}\1\d)(?![\d])")


def national_ids(text: str) -> Iterator[Entity]:
    """13-digit Thai personal IDs. One that fails the checksum comes out as
    `invalid_national_id`, so the bot can say the number is wrong (and no part of it
    is read as a phone or an amount)."""
    for m in _NATIONAL_ID.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        etype = "national_id" if pin.is_valid(digits) else "invalid_national_id"
        yield Entity(etype, m.group(), digits, m.start(), m.end())


# ---- phone numbers -----------------------------------------------------------------------
_PREFIX = r"(?:\+\s?66|(?<![\d+])66|(?<![\d+])0)[\s-]?\(?0?\)?[\s-]?"
_MOBILE = re.compile(rf"\(?{_PREFIX}[689](?:[\s.)-]{{0,2}}\d){{8}}(?!\d)")
_LANDLINE = re.compile(rf"\(?{_PREFIX}[2-7](?:[\s.)-]{{0,2}}\d){{7}}(?!\d)")


def phones(text: str) -> Iterator[Entity]:
    """Mobile (10 digits) and landline (9 digits) numbers in any common form, as 0XXXXXXXXX."""
    for pattern, length in ((_MOBILE, 10), (_LANDLINE, 9)):
        for m in pattern.finditer(text):
            digits = re.sub(r"\D", "", m.group())
            if digits.startswith("66"):
                digits = "0" + digits[2:].lstrip("0")
            if len(digits) == length and digits[0] == "0":
                yield Entity("phone", m.group(), digits, m.start(), m.end())


# ---- money amounts -----------------------------------------------------------------------
_MULTIPLIERS = {"k": 1_000, "K": 1_000, "พัน": 1_000, "หมื่น": 10_000, "แสน": 100_000, "ล้าน": 1_000_000}
_UNIT = r"บาท|บ\.|฿|\.-|(?i:baht|thb)(?![a-z])"
_DIGIT_AMOUNT = re.compile(
    r"(?<![A-Za-z0-9.,/:+\-])(?P<cur>(?:฿|(?i:thb))\s?)?"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d{1,9}(?:\.\d{1,2})?)(?![\d,]|[./]\d)"
    r"(?:\s?(?P<mult>[kK](?![A-Za-z])|พัน(?!ธ)|หมื่น|แสน|ล้าน))?"
    rf"(?:\s?(?P<unit>{_UNIT}))?"
)
_WORD_AMOUNT = re.compile(
    rf"(?P<words>{THAI_NUMBER})(?!ธ|ตรี|โท|เอก|เวร|ละ|ดี|สุข|เปอร์)\s?(?P<unit>บาท)?"
    rf"(?:\s?(?P<satang>{THAI_NUMBER})\s?สตางค์)?"
)
# A bare number after these words is a house, village, lane, stall or queue number, not money.
_NOT_MONEY_BEFORE = ("หมู่", "ม.", "บ้านเลขที่", "เลขที่", "ซอย", "ซ.", "ห้อง", "ล็อค", "ล็อก", "แผง",
                     "คิว", "อายุ", "ชั้น", "ข้อ", "หมายเลข", "ปี", "พ.ศ.", "ค.ศ.", "รหัส", "เบอร์", "โทร",
                     "เลข", "ถนน", "หมู่ที่", "เดือน", "วันที่", "ที่")
# ... and so is a number followed by these units.
_NOT_MONEY_AFTER = re.compile(r"\s?(?:คน|ปี|เดือน|วัน|โมง|นาที|ชั่วโมง|ชม|หน่วย|คิว|ครั้ง|กิโล|กม|เมตร|ม\.|ลิตร|"
                              r"ลบ\.?ม|คิวบิก|ทุ่ม|ตัว|หลัง|ราย|ชิ้น|ใบ|เครื่อง|จุด|%|เปอร์เซ็น|องศา|ไร่|งาน|ตร)")


def amounts(text: str) -> Iterator[Entity]:
    for m in _DIGIT_AMOUNT.finditer(text):
        explicit = bool(m["cur"] or m["mult"] or m["unit"])
        if not explicit and (_NOT_MONEY_AFTER.match(text, m.end("num"))
                             or text[:m.start()].rstrip().endswith(_NOT_MONEY_BEFORE)):
            continue
        try:
            value = Decimal(m["num"].replace(",", ""))
        except InvalidOperation:
            continue
        if m["mult"]:
            value *= _MULTIPLIERS[m["mult"]]
        end = m.end() if m["unit"] or m["mult"] else m.end("num")
        yield Entity("amount", text[m.start():end], money(value), m.start(), end)
    for m in _WORD_AMOUNT.finditer(text):
        words = m["words"]
        if not (m["unit"] or any(mag in words for mag in _MAGNITUDES)) or words == "ร้อยเอ็ด":
            continue
        if not m["unit"] and text[:m.start()].rstrip().endswith(_NOT_MONEY_BEFORE):
            continue
        baht = thai_words_to_int(words)
        if baht is None:
            continue
        satang = thai_words_to_int(m["satang"]) if m["satang"] else 0
        value = Decimal(baht) + Decimal(satang or 0) / 100
        yield Entity("amount", m.group().rstrip(), money(value), m.start(), m.start() + len(m.group().rstrip()))
