"""The dashboard: where every staff member lands after logging in. The modules'
tiles (a figure linking to the list it counts, or a card for a service not on LINE
yet), the chats per status and unit, the slips waiting for review, and the inbox's
figures per unit and staff member over the last 30 days. Each part shows only
when the role holds its permission, and counts only what the person's units see."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from flask import Blueprint, current_app, render_template, url_for
from flask_login import current_user

from admin.pages import StaffPages, Tile
from services import inbox
from services.billing.slips import count_pending
from services.container import Services
from services.staff import StaffIdentity
from thai.dates import BANGKOK

FIGURE_DAYS = 30
# Lists the dashboard's figures link to, when the modules that own them are mounted.
CHAT_LIST = "admin.inbox.chats"
SLIP_LIST = "admin.finance.slips"


@dataclass(frozen=True)
class Card:
    """A tile as shown: a figure and the list it links to, or a placeholder."""

    label: str
    count: int | None = None
    href: str | None = None
    note: str | None = None


def thai_duration(value: timedelta | None) -> str:
    """ "12 นาที", "1 ชม. 5 นาที", "2 วัน 3 ชม." as staff say it; "—" for no figure."""
    if value is None:
        return "—"
    minutes = int(value.total_seconds()) // 60
    if minutes < 1:
        return "ไม่ถึง 1 นาที"
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [f"{days} วัน"] if days else []
    if hours:
        parts.append(f"{hours} ชม.")
    if minutes and not days:  # a wait of days is not read to the minute
        parts.append(f"{minutes} นาที")
    return " ".join(parts)


def _card(tile: Tile, services: Services, viewer: StaffIdentity) -> Card:
    if tile.count is None:
        return Card(tile.label)
    href = url_for(tile.endpoint, **tile.args) if tile.endpoint else None
    return Card(tile.label, tile.count(services, viewer), href)


def _slips(services: Services) -> Card:
    today = datetime.combine(services.clock().astimezone(BANGKOK).date(), time(), BANGKOK)
    with services.db.session() as session:
        pending, sent_today = count_pending(session), count_pending(session, since=today)
    return Card("สลิปรอตรวจ", pending, url_for(SLIP_LIST), f"ส่งเข้ามาวันนี้ {sent_today} รายการ")


def pages(tiles: Sequence[Tile]) -> StaffPages:
    """The dashboard's page set, showing ``tiles`` (the enabled modules')."""
    def blueprint(services: Services) -> Blueprint:
        bp = Blueprint("dashboard", __name__)
        profile = services.profile

        @bp.get("/")
        def home() -> str:
            viewer: StaffIdentity = current_user.identity
            mounted = current_app.view_functions
            cards = [_card(tile, services, viewer) for tile in tiles if viewer.may(tile.permission)]
            if viewer.may("finance") and SLIP_LIST in mounted:
                cards.append(_slips(services))
            chats = figures = None
            now = services.clock()
            with services.db.session() as session:
                if viewer.may("inbox") and CHAT_LIST in mounted:
                    chats = inbox.counts(session, viewer, profile)
                if viewer.may("reports"):
                    units = None if viewer.all_units else inbox.my_units(viewer, profile)
                    figures = inbox.figures(session, profile, since=now - timedelta(days=FIGURE_DAYS), until=now,
                                            units=units)
            return render_template("admin/dashboard.html", cards=cards, chats=chats, figures=figures, now=now,
                                   days=FIGURE_DAYS, status_names=inbox.STATUS_NAMES, chat_list=CHAT_LIST,
                                   duration=thai_duration)

        return bp

    return StaffPages(key="dashboard", blueprint=blueprint, permission="dashboard",
                      nav=(("หน้าหลัก", "admin.dashboard.home"),))
