"""Buddhist Era dates as Thai people read them, and the Thai fiscal year.

Aware datetimes are shown in Bangkok time; naive ones are taken as already local.
"""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

BANGKOK = ZoneInfo("Asia/Bangkok")
BE_OFFSET = 543

MONTHS_SHORT = ("ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.",
                "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.")
MONTHS_FULL = ("มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน",
               "กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม")


def be_year(d: date) -> int:
    return d.year + BE_OFFSET


def months_back(day: date, months: int) -> date:
    """The same day ``months`` earlier, clamped to the month's end (31 Aug → 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month + 1, d)
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has 28 days")


def fiscal_year(d: date) -> int:
    """Buddhist Era fiscal year: it starts on 1 October, so 2026-10-01 is in 2570."""
    return be_year(d) + (1 if d.month >= 10 else 0)


def _local(dt: datetime) -> datetime:
    return dt.astimezone(BANGKOK) if dt.tzinfo is not None else dt


def format_thai_date(d: date, *, short: bool = True) -> str:
    """"15 ธ.ค. 2569" (short) or "15 ธันวาคม 2569" (full)."""
    if isinstance(d, datetime):
        d = _local(d)
    months = MONTHS_SHORT if short else MONTHS_FULL
    return f"{d.day} {months[d.month - 1]} {be_year(d)}"


def format_thai_datetime(dt: datetime, *, short: bool = True) -> str:
    """"15 ธ.ค. 2569 14:30 น."."""
    local = _local(dt)
    return f"{format_thai_date(local.date(), short=short)} {local:%H:%M} น."
