"""How values look in a Flex message: Thai amounts, Buddhist Era dates and
status badges. Placeholders name a filter after a bar: ``{{due|date}}``."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from thai.dates import format_thai_date, format_thai_datetime
from thai.money import format_baht, to_money

# One colour per status so a resident learns them once: green done, amber waiting,
# red overdue/refused, grey closed.
STATUSES: dict[str, tuple[str, str]] = {
    "paid": ("ชำระแล้ว", "#1B873F"),
    "unpaid": ("รอชำระ", "#B54708"),
    "overdue": ("เกินกำหนด", "#C81E1E"),
    "partial": ("ชำระบางส่วน", "#B54708"),
    "pending": ("รอตรวจสอบ", "#B54708"),
    "received": ("รับเรื่องแล้ว", "#1D4ED8"),
    "in_progress": ("กำลังดำเนินการ", "#1D4ED8"),
    "done": ("ดำเนินการแล้ว", "#1B873F"),
    "approved": ("อนุมัติแล้ว", "#1B873F"),
    "rejected": ("ไม่อนุมัติ", "#C81E1E"),
    "duplicate": ("ส่งซ้ำ", "#B54708"),
    "booked": ("จองแล้ว", "#1D4ED8"),
    "cancelled": ("ยกเลิกแล้ว", "#6B7280"),
    "closed": ("ปิดเรื่องแล้ว", "#6B7280"),
}


def _status(value: Any) -> tuple[str, str]:
    try:
        return STATUSES[str(value)]
    except KeyError:
        raise ValueError(f"unknown status {value!r}; known: {', '.join(STATUSES)}") from None


def _as_date(value: Any) -> date:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    raise ValueError(f"not a date: {value!r}")


def _date(value: Any) -> str:
    return format_thai_date(_as_date(value), short=True)


def _date_full(value: Any) -> str:
    return format_thai_date(_as_date(value), short=False)


def _datetime(value: Any) -> str:
    moment = _as_date(value)
    if not isinstance(moment, datetime):
        raise ValueError(f"not a date and time: {value!r}")
    return format_thai_datetime(moment)


HEADLINE_MAX = 80
SUMMARY_MAX = 200


def _cut(value: Any, limit: int) -> str:
    """A long text cut to what a card shows anyway (titles 3 lines, summaries 6),
    keeping a carousel of twelve under LINE's 50 KB; the full text is one tap away."""
    text = default_text(value)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _thb(value: Any) -> str:
    return "฿" + format_baht(value, unit=False)


FILTERS: dict[str, Callable[[Any], str]] = {
    "baht": lambda v: format_baht(v, unit=True),
    "thb": _thb,
    "number": lambda v: format_baht(v, unit=False),
    "date": _date,
    "date_full": _date_full,
    "datetime": _datetime,
    "headline": lambda v: _cut(v, HEADLINE_MAX),
    "summary": lambda v: _cut(v, SUMMARY_MAX),
    "status_label": lambda v: _status(v)[0],
    "status_colour": lambda v: _status(v)[1],
    # for values inside postback data, so "&" or "=" in an id cannot add a field
    "q": lambda v: quote(str(v), safe=""),
}


def default_text(value: Any) -> str:
    """A value shown without a filter: dates in Buddhist Era and amounts in baht,
    so a forgotten filter never shows a resident "2026-12-15" or "1234.5"."""
    if isinstance(value, bool):
        raise ValueError(f"a yes/no value cannot be shown as text: {value!r}")
    if isinstance(value, datetime):
        return format_thai_datetime(value)
    if isinstance(value, date):
        return format_thai_date(value)
    if isinstance(value, Decimal):
        return format_baht(to_money(value))
    return str(value)
