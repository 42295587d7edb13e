"""Reports (admins and executives): the chats per unit and status over a chosen
period, "เพื่อง่ายต่อการติดตามรายงานผล" as seed 003 asks. The page prints on A4 (the
stylesheet leaves the menu out) and downloads as an Excel file; a download is an
export of residents' data and is written to the audit log. An executive's report
counts the chats of their own units."""
from __future__ import annotations

from datetime import date, datetime

from flask import Blueprint, Response, render_template, request
from flask_login import current_user

from admin.blueprint import DayRange, day_range
from admin.pages import StaffPages
from services import audit, inbox
from services.container import Services
from services.documents.excel import Column, workbook_bytes
from services.staff import StaffIdentity
from thai.dates import BANGKOK, format_thai_datetime

TITLE = "รายงานจำนวนแชทตามหน่วยงานและสถานะ"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _table(rows: list[tuple[str, dict[str, int]]]) -> tuple[list[tuple[str, list[int], int]], list[int], int]:
    """(unit, counts in STATUS_NAMES order, row total) per unit, the column totals, the grand total."""
    body = [(unit, [counts.get(s, 0) for s in inbox.STATUS_NAMES], sum(counts.values())) for unit, counts in rows]
    columns = [sum(counts[i] for _, counts, _ in body) for i in range(len(inbox.STATUS_NAMES))]
    return body, columns, sum(columns)


def _workbook(body: list[tuple[str, list[int], int]], columns: list[int], total: int, days: DayRange,
              org: str, viewer: StaffIdentity, at: datetime) -> bytes:
    headers = [Column("หน่วยงาน"), *(Column(name, "integer") for name in inbox.STATUS_NAMES.values()),
               Column("รวม", "integer")]
    rows = [[unit, *counts, row_total] for unit, counts, row_total in body]
    about = [("รายงาน", TITLE), ("องค์กร", org), ("ช่วงวันที่", days.describe()),
             ("นับจาก", "วันที่แชทเริ่มรอเจ้าหน้าที่"), ("ออกรายงานโดย", f"{viewer.display_name} ({viewer.username})"),
             ("ออกรายงานเมื่อ", format_thai_datetime(at))]
    return workbook_bytes([("แชทตามหน่วยงานและสถานะ", headers, [*rows, ["รวมทั้งหมด", *columns, total]]),
                           ("รายละเอียดรายงาน", [Column("หัวข้อ"), Column("ข้อมูล")], about)])


def blueprint(services: Services) -> Blueprint:
    bp = Blueprint("reports", __name__)
    profile = services.profile

    @bp.get("/reports/chats")
    def chats() -> Response | tuple[str, int]:
        viewer: StaffIdentity = current_user.identity
        now = services.clock()
        today = now.astimezone(BANGKOK).date()
        try:
            days = day_range(request.args, first=today.replace(day=1), last=today)
        except ValueError as exc:
            return render_template("admin/report_chats.html", error=str(exc), days=None, title=TITLE,
                                   shown=request.args), 400
        units = None if viewer.all_units else inbox.my_units(viewer, profile)
        xlsx = request.args.get("format") == "xlsx"
        with services.db.session() as session, session.begin():
            rows = inbox.report(session, profile, since=days.since, until=days.until, units=units)  # both ends set
            if xlsx:
                audit.record(session, viewer, "report_exported", record_type="report",
                             detail=f"{TITLE} {days.describe()} (Excel)", client=request.remote_addr)
        body, columns, total = _table(rows)
        if xlsx:
            content = _workbook(body, columns, total, days, profile.name, viewer, now)
            name = f"chats-{_iso(days.first)}-{_iso(days.last)}.xlsx"
            return Response(content, mimetype=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'})
        return render_template("admin/report_chats.html", title=TITLE, days=days, body=body, columns=columns,
                               total=total, statuses=inbox.STATUS_NAMES, now=now, error=None,
                               shown={"since": _iso(days.first), "until": _iso(days.last)},
                               scope=None if units is None else sorted(inbox.unit_name(profile, u) for u in units)), 200

    return bp


def _iso(day: date | None) -> str:
    return day.isoformat() if day else ""


PAGES = StaffPages(key="reports", blueprint=blueprint, permission="reports",
                   nav=(("รายงานแชท", "admin.reports.chats"),))
