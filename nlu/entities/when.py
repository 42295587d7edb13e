"""Dates and times as Thai residents write them, resolved against a given 'today'.

Weeks run Monday to Sunday (as in the holidays calendar and the office's week), so
'วันจันทร์หน้า' is the Monday of next week and 'สัปดาห์หน้า' starts on that Monday.
A date written without a year is the occurrence nearest to today: '20 พ.ย.' said on
25 Nov is five days ago (a transfer date), '15 ม.ค.' is next January (an appointment).
Years may be Buddhist Era (2569, 69) or Christian (2026, 26); the reading nearer today wins.

Periods are what receipts and bills are asked for: 'เดือนที่แล้ว', 'ต.ค.', 'ตุลา 69', 'ปีนี้',
'3 เดือนล่าสุด'. They look back, so a month named without a year is the most recent one that
has begun: on 25 Nov 2026 'ต.ค.' is October 2026 and 'ธ.ค.' December 2025. 'N เดือนล่าสุด'
runs from the same day N months earlier to today, as the six-month receipts list does.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, time, timedelta
from typing import NamedTuple

from thai.dates import months_back

from ..types import Entity
from .numbers import THAI_NUMBER, thai_words_to_int

BE_OFFSET = 543

_MONTHS: dict[int, tuple[str, ...]] = {
    1: ("มกราคม", "มกรา", "ม.ค."), 2: ("กุมภาพันธ์", "กุมภา", "ก.พ."), 3: ("มีนาคม", "มีนา", "มี.ค."),
    4: ("เมษายน", "เมษา", "เม.ย."), 5: ("พฤษภาคม", "พฤษภา", "พ.ค."), 6: ("มิถุนายน", "มิถุนา", "มิ.ย."),
    7: ("กรกฎาคม", "กรกฎา", "ก.ค."), 8: ("สิงหาคม", "สิงหา", "ส.ค."), 9: ("กันยายน", "กันยา", "ก.ย."),
    10: ("ตุลาคม", "ตุลา", "ต.ค."), 11: ("พฤศจิกายน", "พฤศจิกา", "พ.ย."), 12: ("ธันวาคม", "ธันวา", "ธ.ค."),
}
_MONTH_LOOKUP: dict[str, int] = {}
_month_patterns: list[str] = []
for _number, _names in _MONTHS.items():
    for _name in _names:
        _MONTH_LOOKUP[_name.replace(".", "")] = _number
        # abbreviations are typed with or without their dots: ธ.ค. ธ.ค ธค.
        _month_patterns.append(
            r"\.?".join(map(re.escape, _name.replace(".", ""))) + r"\.?" if "." in _name else re.escape(_name))
_MONTH = "|".join(sorted(_month_patterns, key=len, reverse=True))

_WEEKDAYS = {"จันทร์": 0, "อังคาร": 1, "พุธ": 2, "พฤหัสบดี": 3, "พฤหัส": 3, "ศุกร์": 4, "เสาร์": 5, "อาทิตย์": 6}
_RELATIVE_DAYS = {"วันนี้": 0, "พรุ่งนี้": 1, "มะรืนนี้": 2, "มะรืน": 2, "เมื่อวานซืน": -2,
                  "เมื่อวานนี้": -1, "เมื่อวาน": -1, "today": 0, "tomorrow": 1, "yesterday": -1}

_YEAR = r"(?:\s?(?:พ\.?ศ\.?|ค\.?ศ\.?))?\s?(?P<year>\d{4}|\d{2})(?!\d)"
# Days and counts may be spelled: "วันที่สิบห้า", "ยี่สิบธันวา", "อีกสามวัน".
_COUNT = rf"\d{{1,2}}|{THAI_NUMBER}"
_DAY_MONTH = re.compile(rf"(?:วันที่\s?)?(?<!\d)(?P<day>{_COUNT})\s?(?P<month>{_MONTH})(?:{_YEAR})?")
_NUMERIC = re.compile(r"(?<![\d/.:-])(?P<day>\d{1,2})(?P<sep>[/-])(?P<month>\d{1,2})"
                      r"(?:(?P=sep)(?P<year>\d{4}|\d{2}))?(?![\d/])"
                      r"|(?<![\d/.:-])(?P<day2>\d{1,2})\.(?P<month2>\d{1,2})\.(?P<year2>\d{4}|\d{2})(?![\d.])")
_ISO = re.compile(r"(?<!\d)(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})(?!\d)")
_DAY_ONLY = re.compile(rf"วันที่\s?(?P<day>{_COUNT})(?![\d/.:-]|\s?(?:{_MONTH}))")
_RELATIVE = re.compile("|".join(sorted(map(re.escape, _RELATIVE_DAYS), key=len, reverse=True)), re.IGNORECASE)
_IN_DAYS = re.compile(rf"อีก\s?(?P<n>\d{{1,3}}|{THAI_NUMBER})\s?วัน")
_WEEKDAY = re.compile(r"(?:วัน\s?)?(?P<wd>จันทร์|อังคาร|พุธ|พฤหัสบดี|พฤหัส|ศุกร์|เสาร์|(?<=วัน)อาทิตย์|(?<=วัน )อาทิตย์)"
                      r"(?:\s?(?P<rel>หน้า|ถัดไป|ที่จะถึง|นี้|ที่แล้ว|ก่อน))?")
_NEXT_WEEK = re.compile(r"(?:สัปดาห์|อาทิตย์|วีค)\s?(?:หน้า|ถัดไป)")
_NEXT_MONTH = re.compile(r"เดือนหน้า|เดือนถัดไป")


def _count(raw: str) -> int:
    """'15' or 'สิบห้า' → 15; 0 for words that are not a number."""
    return int(raw) if raw.isdigit() else thai_words_to_int(raw) or 0


def _resolve_year(raw: str) -> list[int]:
    number = int(raw)
    if len(raw) == 4:
        return [number - BE_OFFSET] if number > 2400 else [number]
    return [2500 + number - BE_OFFSET, 2000 + number]


def _nearest(today: date, day: int, month: int, years: list[int] | None) -> date | None:
    candidates = []
    for year in years or [today.year - 1, today.year, today.year + 1]:
        try:
            candidates.append(date(year, month, day))
        except ValueError:
            continue
    if not candidates:
        return None
    return min(candidates, key=lambda d: (abs((d - today).days), d < today))


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def dates(text: str, today: date) -> Iterator[Entity]:
    for m in _ISO.finditer(text):
        try:
            yield Entity("date", m.group(), date(int(m["year"]), int(m["month"]), int(m["day"])), m.start(), m.end())
        except ValueError:
            continue
    for m in _DAY_MONTH.finditer(text):
        month = _MONTH_LOOKUP[m["month"].replace(".", "")]
        value = _nearest(today, _count(m["day"]), month, _resolve_year(m["year"]) if m["year"] else None)
        if value:
            yield Entity("date", m.group(), value, m.start(), m.end())
    for m in _NUMERIC.finditer(text):
        day, month, year = (m["day"], m["month"], m["year"]) if m["day"] else (m["day2"], m["month2"], m["year2"])
        value = _nearest(today, int(day), int(month), _resolve_year(year) if year else None)
        if value:
            yield Entity("date", m.group(), value, m.start(), m.end())
    for m in _RELATIVE.finditer(text):
        yield Entity("date", m.group(), today + timedelta(days=_RELATIVE_DAYS[m.group().lower()]), m.start(), m.end())
    for m in _IN_DAYS.finditer(text):
        if days := _count(m["n"]):
            yield Entity("date", m.group(), today + timedelta(days=days), m.start(), m.end())
    for m in _WEEKDAY.finditer(text):
        target, rel = _WEEKDAYS[m["wd"]], m["rel"]
        if rel in ("หน้า", "ถัดไป"):
            value = _monday(today) + timedelta(days=7 + target)
        elif rel in ("ที่แล้ว", "ก่อน"):
            value = _monday(today) + timedelta(days=target - 7)
        else:
            value = today + timedelta(days=(target - today.weekday()) % 7)
        yield Entity("date", m.group(), value, m.start(), m.end())
    for m in _NEXT_WEEK.finditer(text):
        yield Entity("date", m.group(), _monday(today) + timedelta(days=7), m.start(), m.end())
    for m in _NEXT_MONTH.finditer(text):
        first = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
        yield Entity("date", m.group(), first, m.start(), m.end())
    for m in _DAY_ONLY.finditer(text):
        value = _nearest_day_of_month(today, _count(m["day"]))
        if value:
            yield Entity("date", m.group(), value, m.start(), m.end())


def _nearest_day_of_month(today: date, day: int) -> date | None:
    this_month = today.replace(day=1)
    months = [(this_month - timedelta(days=1)).replace(day=1), this_month,
              (this_month + timedelta(days=32)).replace(day=1)]
    candidates = []
    for first in months:
        try:
            candidates.append(first.replace(day=day))
        except ValueError:
            continue
    return min(candidates, key=lambda d: (abs((d - today).days), d < today)) if candidates else None


# ---- periods -----------------------------------------------------------------------------
class Period(NamedTuple):
    """The first and the last day, both included."""

    start: date
    end: date


_MONTH_PERIOD = re.compile(rf"(?:เดือน\s?)?(?P<month>{_MONTH})(?:{_YEAR})?")
# "บิลเดือน 10", "เดือน 10/69"; not "เดือน 3 เดือน" nor a rent "เดือน 5000".
_MONTH_NUMBER = re.compile(r"เดือน\s?(?:ที่\s?)?(?P<month>1[0-2]|0?[1-9])(?![\d.,]|\s?(?:เดือน|วัน|ปี|บาท))"
                           r"(?:\s?(?:/|ปี)\s?(?P<year>\d{4}|\d{2})(?!\d))?")
_RELATIVE_MONTH = re.compile(r"(?:เมื่อ)?เดือน\s?(?P<rel>นี้|ที่แล้ว|ก่อนหน้า|ก่อน|ที่ผ่านมา|ปัจจุบัน)")
# "2 ปีที่แล้ว" is not last year
_RELATIVE_YEAR = re.compile(r"(?<!\d)(?<!\d\s)ปี\s?(?P<rel>นี้|ที่แล้ว|ก่อน|ที่ผ่านมา|กลาย|ปัจจุบัน)")
_YEAR_ONLY = re.compile(r"ปี\s?(?:พ\.?ศ\.?|ค\.?ศ\.?)?\s?(?P<year>\d{4}|\d{2})(?!\d)")
_LAST_MONTHS = re.compile(rf"ย้อนหลัง\s?(?P<n1>{_COUNT})\s?เดือน"
                          rf"|(?P<n2>{_COUNT})\s?เดือน\s?(?:ล่าสุด|ที่ผ่านมา|ย้อนหลัง|หลังสุด)")
_PAST = {"ที่แล้ว", "ก่อนหน้า", "ก่อน", "ที่ผ่านมา", "กลาย"}


# An abbreviation typed without dots is two or three letters that also occur inside words
# ("ทุ่มครึ่ง" holds มค): after a day number it is a date, alone it must stand as a word.
_ABBREVIATIONS = {name.replace(".", "") for names in _MONTHS.values() for name in names if "." in name}


def _stands_alone(text: str, start: int, end: int) -> bool:
    before, after = text[:start], text[end:end + 1]
    starts_word = not before or before[-1].isspace() or before.endswith("เดือน")
    return starts_word and not "\u0e01" <= after <= "\u0e4f"


def _month(year: int, month: int) -> Period:
    following = date(year + month // 12, month % 12 + 1, 1)
    return Period(date(year, month, 1), following - timedelta(days=1))


def _year(raw: str, today: date) -> int:
    return min(_resolve_year(raw), key=lambda year: abs(year - today.year))


def _named_month(month: int, year: str | None, today: date) -> Period:
    if year:
        return _month(_year(year, today), month)
    return _month(today.year if month <= today.month else today.year - 1, month)


def _whole_year(year: int) -> Period:
    return Period(date(year, 1, 1), date(year, 12, 31))


def periods(text: str, today: date) -> Iterator[Entity]:
    for m in _LAST_MONTHS.finditer(text):
        if 0 < (months := _count(m["n1"] or m["n2"])) <= 120:
            yield Entity("period", m.group(), Period(months_back(today, months), today), m.start(), m.end())
    for m in _RELATIVE_MONTH.finditer(text):
        first = today.replace(day=1)
        if m["rel"] in _PAST:
            first = (first - timedelta(days=1)).replace(day=1)
        yield Entity("period", m.group(), _month(first.year, first.month), m.start(), m.end())
    for m in _RELATIVE_YEAR.finditer(text):
        year = today.year - 1 if m["rel"] in _PAST else today.year
        yield Entity("period", m.group(), _whole_year(year), m.start(), m.end())
    for m in _MONTH_PERIOD.finditer(text):
        if m["month"] in _ABBREVIATIONS and not _stands_alone(text, m.start("month"), m.end("month")):
            continue
        month = _MONTH_LOOKUP[m["month"].replace(".", "")]
        yield Entity("period", m.group(), _named_month(month, m["year"], today), m.start(), m.end())
    for m in _MONTH_NUMBER.finditer(text):
        yield Entity("period", m.group(), _named_month(int(m["month"]), m["year"], today), m.start(), m.end())
    for m in _YEAR_ONLY.finditer(text):
        if abs((year := _year(m["year"], today)) - today.year) <= 50:
            yield Entity("period", m.group(), _whole_year(year), m.start(), m.end())


# ---- times -------------------------------------------------------------------------------
_HOUR_WORDS = {"หนึ่ง": 1, "นึง": 1, "สอง": 2, "สาม": 3, "สี่": 4, "ห้า": 5, "หก": 6, "เจ็ด": 7, "แปด": 8,
               "เก้า": 9, "สิบ": 10, "สิบเอ็ด": 11, "สิบสอง": 12}
_HOUR = r"\d{1,2}|" + "|".join(sorted(_HOUR_WORDS, key=len, reverse=True))
_HALF = r"(?P<half>\s?ครึ่ง)?"
_CLOCK = re.compile(r"(?<![\d.:])(?P<h>\d{1,2})[:.](?P<m>\d{2})(?:\s?(?P<suffix>น\.|นาฬิกา|น(?![ก-ฮ])))?(?![\d])")
_OCLOCK = re.compile(r"(?<![\d.])(?P<h>\d{1,2})\s?นาฬิกา(?:\s?(?P<m>\d{1,2})\s?นาที)?")
_AFTERNOON = re.compile(rf"บ่าย\s?(?:(?P<h>{_HOUR})\s?(?:โมง)?|โมง){_HALF}")
_MONG = re.compile(rf"(?P<h>{_HOUR})\s?โมง\s?(?P<part>เช้า|เย็น|บ่าย|ตรง)?{_HALF}(?:\s?(?P<m>\d{{1,2}})\s?นาที)?")
_THUM = re.compile(rf"(?:(?P<h>{_HOUR})\s?ทุ่ม|ทุ่ม(?:นึง|หนึ่ง)?){_HALF}")
_TEE = re.compile(rf"ตี\s?(?P<h>{_HOUR}){_HALF}")
_NOON = re.compile(rf"เที่ยง(?P<night>คืน)?(?:วัน|ตรง)?{_HALF}")
_AM_PM = re.compile(r"(?<![\d.:])(?P<h>\d{1,2})(?:[:.](?P<m>\d{2}))?\s?(?P<ampm>[ap])\.?m\.?(?![a-z])", re.IGNORECASE)


def _hour(raw: str) -> int:
    return int(raw) if raw.isdigit() else _HOUR_WORDS[raw]


def _time(hour: int, minute: int = 0) -> time | None:
    return time(hour, minute) if 0 <= hour <= 23 and 0 <= minute <= 59 else None


def _mong_hour(hour: int, part: str | None) -> int:
    """'N โมง' in everyday Thai: 7–11 are morning, 1–6 afternoon/evening unless 'เช้า' is said."""
    if part == "เช้า":
        return hour + 6 if hour <= 5 else hour
    if hour <= 6:
        return hour + 12
    return hour


def times(text: str) -> Iterator[Entity]:
    for m in _CLOCK.finditer(text):
        # '14.30' alone could be money; it is a time with 'น.', a colon, or 'เวลา' before it.
        if (m["suffix"] or ":" in m.group() or text[:m.start()].rstrip().endswith(("เวลา", "ตอน", "นัด"))) and (
                value := _time(int(m["h"]), int(m["m"]))):
            yield Entity("time", m.group(), value, m.start(), m.end())
    for m in _OCLOCK.finditer(text):
        if value := _time(int(m["h"]), int(m["m"] or 0)):
            yield Entity("time", m.group(), value, m.start(), m.end())
    for m in _AFTERNOON.finditer(text):
        hour = _hour(m["h"]) if m["h"] else 1
        if value := _time(hour + 12 if hour <= 6 else hour, 30 if m["half"] else 0):
            yield Entity("time", m.group(), value, m.start(), m.end())
    for m in _MONG.finditer(text):
        hour = _mong_hour(_hour(m["h"]), m["part"])
        if value := _time(hour, 30 if m["half"] else int(m["m"] or 0)):
            yield Entity("time", m.group(), value, m.start(), m.end())
    for m in _THUM.finditer(text):
        hour = _hour(m["h"]) if m["h"] else 1
        if hour <= 5 and (value := _time(hour + 18, 30 if m["half"] else 0)):
            yield Entity("time", m.group(), value, m.start(), m.end())
    for m in _TEE.finditer(text):
        hour = _hour(m["h"])
        if hour <= 5 and (value := _time(hour, 30 if m["half"] else 0)):
            yield Entity("time", m.group(), value, m.start(), m.end())
    for m in _NOON.finditer(text):
        yield Entity("time", m.group(), time(0 if m["night"] else 12, 30 if m["half"] else 0), m.start(), m.end())
    for m in _AM_PM.finditer(text):
        hour = int(m["h"]) % 12 + (12 if m["ampm"].lower() == "p" else 0)
        if 1 <= int(m["h"]) <= 12 and (value := _time(hour, int(m["m"] or 0))):
            yield Entity("time", m.group(), value, m.start(), m.end())
