"""The audit log's page (admins only): who did what to which record and when,
searched on the server by person, action, record, text and days, newest first,
50 rows a page. Each row's before and after are shown in Thai words, not as JSON.
The page only reads: nothing in the application changes an audit row."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Blueprint, render_template, request

from admin.blueprint import DayRange, day_range, page_number
from admin.pages import StaffPages
from config.profile import OrgProfile
from models.base import as_utc
from models.staff import AuditEntry
from services import audit, inbox
from services.container import Services
from services.staff import ROLE_NAMES, list_staff, names_of

PER_PAGE = 50
# What a row's record_type is called, and what staff may type for it in the search.
RECORD_NAMES: Mapping[str, str] = {"chat": "แชท", "slip": "สลิป", "receipt": "ใบเสร็จ", "staff": "เจ้าหน้าที่",
                                   "report": "รายงาน"}
FIELD_NAMES: Mapping[str, str] = {
    "username": "ชื่อผู้ใช้", "display_name": "ชื่อ", "role": "บทบาท", "units": "หน่วยงาน", "active": "การใช้งาน",
    "status": "สถานะ", "mode": "โหมด", "unit": "หน่วยงาน", "assigned_staff_id": "ผู้รับเรื่อง",
    "amount": "จำนวนเงิน", "paid_at": "วันเวลาที่โอน", "receipt_number": "เลขที่ใบเสร็จ",
    "customer_code": "รหัสลูกค้า", "reason": "เหตุผล",
}


@dataclass(frozen=True)
class Change:
    field: str
    before: str | None  # None: the field was only set (a new record)
    after: str | None


@dataclass(frozen=True)
class Row:
    entry: AuditEntry
    at: datetime
    who: str
    action: str
    record: str
    changes: list[Change]


class Words:
    """A logged value in the words of the screen it came from."""

    def __init__(self, profile: OrgProfile, staff_names: Mapping[int, str]) -> None:
        self.profile, self.staff_names = profile, staff_names

    def unit(self, key: object) -> str:
        unit = self.profile.unit(str(key)) if key else None
        return unit.name if unit else str(key or "ยังไม่ระบุหน่วยงาน")

    def __call__(self, field: str, value: Any) -> str:
        if value is None or value == []:
            return "—"
        if field == "role":
            return ROLE_NAMES.get(value, str(value))
        if field == "units":
            return ", ".join(self.unit(key) for key in value)
        if field == "unit":
            return self.unit(value)
        if field == "active":
            return "ใช้งานได้" if value else "ปิดใช้งาน"
        if field == "status":
            return inbox.STATUS_NAMES.get(value, str(value))
        if field == "mode":
            return inbox.MODE_NAMES.get(value, str(value))
        if field == "assigned_staff_id":
            return self.staff_names.get(value, f"#{value}")
        if isinstance(value, bool):
            return "ใช่" if value else "ไม่ใช่"
        if isinstance(value, list):
            return ", ".join(map(str, value))
        return str(value)


def changes(entry: AuditEntry, words: Words) -> list[Change]:
    before, after = entry.before or {}, entry.after or {}
    fields = [*before, *(k for k in after if k not in before)]
    return [Change(FIELD_NAMES.get(f, f), words(f, before[f]) if f in before else None,
                   words(f, after[f]) if f in after else None) for f in fields]


def _staff_ids(entries: Iterable[AuditEntry]) -> set[int]:
    ids = set()
    for entry in entries:
        if entry.staff_id is not None:
            ids.add(entry.staff_id)
        for values in (entry.before or {}, entry.after or {}):
            if isinstance(values.get("assigned_staff_id"), int):
                ids.add(values["assigned_staff_id"])
    return ids


def record_query(text: str) -> str:
    """"แชท 12", "chat 12", "#12" or "12" as services.audit.search reads it
    ("chat 12"); ValueError (Thai) for a kind it does not know."""
    kind, _, ident = text.strip().replace("#", " ").rpartition(" ")
    kind, ident = kind.strip(), ident.strip()
    if not kind:
        return ident
    keys = {name: key for key, name in RECORD_NAMES.items()} | {key: key for key in RECORD_NAMES}
    if kind not in keys:
        raise ValueError(f"ไม่รู้จักประเภทรายการ \"{kind}\" ใช้ได้: {' '.join(RECORD_NAMES.values())} "
                         "ตามด้วยเลขที่ เช่น แชท 12")
    return f"{keys[kind]} {ident}"


def blueprint(services: Services) -> Blueprint:
    bp = Blueprint("audit", __name__)
    profile = services.profile

    @bp.get("/audit")
    def search() -> tuple[str, int]:
        args = request.args
        shown = {name: args.get(name, "").strip()[:100] for name in ("user", "action", "record", "q", "since",
                                                                       "until")}
        page = page_number(args)
        rows: list[Row] = []
        total, error, days = 0, None, DayRange(None, None)
        with services.db.session() as session:
            usernames = [s.username for s in list_staff(session)]
            try:
                days = day_range(args)
                query = audit.AuditQuery(username=shown["user"], action=shown["action"],
                                         record=record_query(shown["record"]), text=shown["q"],
                                         since=days.since, until=days.until)
            except ValueError as exc:
                error = str(exc)
            else:
                entries, total = audit.search(session, query, offset=(page - 1) * PER_PAGE, limit=PER_PAGE)
                words = Words(profile, names_of(session, _staff_ids(entries)))
                rows = [Row(e, as_utc(e.at), words.staff_names.get(e.staff_id, "") if e.staff_id else "",
                            audit.ACTION_NAMES.get(e.action, e.action),
                            f"{RECORD_NAMES.get(e.record_type, e.record_type)} #{e.record_id}"
                            if e.record_type and e.record_id else (e.record_id or ""),
                            changes(e, words)) for e in entries]
        pages = max(1, -(-total // PER_PAGE))
        return render_template("admin/audit.html", rows=rows, total=total, page=page, pages=pages, shown=shown,
                               days=days, error=error, filters={k: v for k, v in shown.items() if v},
                               actions=audit.ACTION_NAMES, usernames=usernames,
                               record_names=RECORD_NAMES), 400 if error else 200

    return bp


PAGES = StaffPages(key="audit", blueprint=blueprint, permission="audit",
                   nav=(("บันทึกการใช้งาน", "admin.audit.search"),))
