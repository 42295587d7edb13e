"""Events no answer came of: malformed ones the webhook rejected, and those given up
after their last attempt ("dead"). Operators read this list to see what residents
may not have been answered, and why (SPEC §6.2). A page of the office itself, not of
a service module: every organisation has it."""
from __future__ import annotations

from flask import Blueprint, render_template, request

from admin.blueprint import page_number
from admin.pages import StaffPages
from services import conversations
from services.container import Services

PER_PAGE = 50
STATUS_NAMES = {"dead": "ลองครบแล้วไม่สำเร็จ", "rejected": "ข้อมูลผิดรูปแบบ"}
TYPE_NAMES = {"message": "ข้อความ", "postback": "กดปุ่ม", "follow": "เพิ่มเพื่อน", "rejected": "—"}


def blueprint(services: Services) -> Blueprint:
    bp = Blueprint("events", __name__)

    @bp.get("/events")
    def given_up() -> str:
        status = request.args.get("status") if request.args.get("status") in STATUS_NAMES else None
        page = page_number(request.args)
        with services.db.session() as session:
            rows, total = conversations.given_up(session, status=status, offset=(page - 1) * PER_PAGE,
                                                 limit=PER_PAGE)
        pages = max(1, -(-total // PER_PAGE))
        return render_template("admin/events.html", rows=rows, total=total, status=status, page=page,
                               pages=pages, status_names=STATUS_NAMES, type_names=TYPE_NAMES)

    return bp


PAGES = StaffPages(key="events", blueprint=blueprint, permission="operations",
                   nav=(("ข้อความที่ตอบไม่ได้", "admin.events.given_up"),))
