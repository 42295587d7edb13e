"""The staff back office (SPEC §4.9), mounted at /admin: login, the slip review
queue, cash at the counter, receipts, and (admins) events no answer came of. Server-rendered Thai pages with no
script; every page needs a staff login and every POST a CSRF token."""
from __future__ import annotations

from flask import Flask


def init_admin(app: Flask) -> None:
    # The views are imported here, so `smartservice staff ...` does not load the web stack.
    from admin import auth, events, finance  # noqa: F401 - registers the routes on the blueprint
    from admin.blueprint import bp

    auth.login_manager.init_app(app)
    # The staff session cookie is only sent by the office's own pages, and only over HTTPS when served so.
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_SECURE"] = app.extensions["settings"].public_base_url.startswith("https://")
    app.register_blueprint(bp)
