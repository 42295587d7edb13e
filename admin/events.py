"""Events no answer came of: malformed ones the webhook rejected, and those given up
after their last attempt ("dead"). Operators read this list to see what residents
may not have been answered, and why (SPEC §6.2)."""
from __future__ import annotations

from flask import abort, render_template, request
from flask_login import current_user

from admin.blueprint import bp, db
from services import conversations

PER_PAGE = 50
STATUS_NAMES = {"dead": "ลองครบแล้วไม่สำเร็จ", "rejected": "ข้อมูลผิดรูปแบบ"}
TYPE_NAMES = {"message": "ข้อความ", "postback": "กดปุ่ม", "follow": "เพิ่มเพื่อน", "rejected": "—"}


@bp.get("/events")
def events() -> str:
    if current_user.role != "admin":
        abort(403)
    status = request.args.get("status") if request.args.get("status") in STATUS_NAMES else None
    page = request.args.get("page", "1")
    page_number = int(page) if page.isascii() and page.isdigit() and 0 < len(page) < 6 else 1
    with db().session() as session:
        rows, total = conversations.given_up(session, status=status, offset=(page_number - 1) * PER_PAGE,
                                             limit=PER_PAGE)
    pages = max(1, -(-total // PER_PAGE))
    return render_template("admin/events.html", rows=rows, total=total, status=status, page=page_number,
                           pages=pages, status_names=STATUS_NAMES, type_names=TYPE_NAMES)
