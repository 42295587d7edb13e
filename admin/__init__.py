"""The staff back office (SPEC §4.9), mounted at /admin: login, the dashboard, the
pages of the service modules an organisation runs (the inbox, slip review, cash at
the counter ...) and the office's own (reports, staff and units, the audit log,
events no answer came of). Server-rendered Thai pages; scripts only from the
office's own files; every page needs a staff login and every POST a CSRF token."""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from flask import Flask

if TYPE_CHECKING:
    from admin.pages import StaffPages, Tile
    from services.container import Services


def init_admin(app: Flask, services: Services, pages: Sequence[StaffPages], tiles: Sequence[Tile] = ()) -> None:
    """Mount the office on ``app``: ``pages`` are the enabled modules' staff pages,
    in menu order, after the dashboard and before the office's own pages. ``tiles``
    are the modules' figures on the dashboard."""
    # The views are imported here, so `smartservice staff ...` does not load the web stack.
    from admin import audit_log, auth, dashboard, events, reports, staff_admin
    from admin.blueprint import frame

    bp = frame(services, [dashboard.pages(tiles), *pages, reports.PAGES, staff_admin.PAGES, audit_log.PAGES,
                          events.PAGES])
    auth.install(app, bp, services)
    # The staff session cookie is only sent by the office's own pages, and only over HTTPS when served so.
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_SECURE"] = services.links.base_url.startswith("https://")
    app.register_blueprint(bp)
