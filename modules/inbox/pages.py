"""The inbox's staff screens (work in progress: helper A replaces this file)."""
from __future__ import annotations

from flask import Blueprint

from admin.pages import StaffPages
from services.container import Services


def blueprint(services: Services) -> Blueprint:
    bp = Blueprint("inbox", __name__, template_folder="templates")

    @bp.get("/inbox")
    def chats() -> str:
        return "inbox"

    return bp


PAGES = StaffPages(key="inbox", blueprint=blueprint, permission="inbox", nav=(("กล่องข้อความ", "admin.inbox.chats"),))
