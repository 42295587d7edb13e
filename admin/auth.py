"""Staff login and logout (Flask-Login sessions over services.staff), each one
written to the audit log with the address it came from.

The login limit per client counts by ``request.remote_addr``. Behind a reverse
proxy that is the proxy's address for everyone, so the whole office would share
one limit: an operator behind nginx sets TRUSTED_PROXIES to the number of proxies
in front (bot/app.py then believes that many X-Forwarded-For hops). It is 0 by
default because without a proxy X-Forwarded-For is whatever the client writes,
and a guesser would write a new address for every try.
"""
from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Flask, Response, redirect, render_template, request, send_file, session, url_for
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user

from models.base import utcnow
from services import audit
from services.container import Services
from services.staff import (
    StaffIdentity,
    authenticate,
    end_sessions,
    normalise_username,
    session_alive,
    staff_by_token,
)
from thai.fonts import thai_font


class StaffSession(UserMixin):
    def __init__(self, identity: StaffIdentity) -> None:
        self.identity = identity
        self.display_name = identity.display_name
        self.role = identity.role
        self.role_name = identity.role_name

    def get_id(self) -> str:
        return self.identity.token


# When the login session began and was last used, as Unix seconds in the signed
# cookie: the client can neither move them nor make an old cookie younger.
STARTED, SEEN = "staff_started", "staff_seen"
# Sent by the office's own scripts on requests they make without the person (admin/static/inbox.js).
BACKGROUND_HEADER = "X-Smartservice-Background"


def _at(key: str) -> datetime | None:
    value = session.get(key)
    return datetime.fromtimestamp(value, UTC) if isinstance(value, int) else None


def install(app: Flask, bp: Blueprint, services: Services) -> None:
    """Staff sessions for ``app`` (one login manager per app, reading its own
    database) and the login, logout and font routes on the office's blueprint."""
    login_manager = LoginManager()
    login_manager.login_view = "admin.login"
    login_manager.login_message = "กรุณาเข้าสู่ระบบก่อนใช้งาน"
    login_manager.session_protection = "strong"
    login_manager.init_app(app)

    @login_manager.user_loader
    def _load(token: str) -> StaffSession | None:
        now, started, seen = utcnow(), _at(STARTED), _at(SEEN)
        if started is None or seen is None or not session_alive(started, seen, now):
            return None
        with services.db.session() as s:
            identity = staff_by_token(s, token)
        if identity is None:
            return None
        # A page asking for updates by itself (the inbox's polling) is not the person
        # using the office: an unattended open inbox still ends after the idle time.
        if request.headers.get(BACKGROUND_HEADER) != "1":
            session[SEEN] = int(now.timestamp())
        return StaffSession(identity)

    @bp.route("/login", methods=["GET", "POST"])
    def login() -> Response | tuple[str, int, dict[str, str]] | str:
        if current_user.is_authenticated:
            return redirect(_safe_next(request.args.get("next")))
        username = request.form.get("username", "")
        if request.method == "GET":
            return render_template("admin/login.html", username=username, error=None)
        now = utcnow()
        client = request.remote_addr
        with services.db.session() as s, s.begin():
            result = authenticate(s, username, request.form.get("password", ""), now=now, client=client)
            if result.staff is not None:
                audit.record(s, result.staff, "login", client=client, at=now)
            elif result.status == "wrong":
                # Only tries that were checked: a refused one (locked, too many from this
                # client) writes nothing, or a guesser could fill the log without limit.
                audit.record(s, None, "login_failed", username=normalise_username(username), client=client, at=now)
        if result.staff is None:
            status = 401 if result.status == "wrong" else 429
            headers = {"Retry-After": str(result.retry_after_seconds)} if result.retry_after_seconds else {}
            return render_template("admin/login.html", username=username, error=result.message), status, headers
        login_user(StaffSession(result.staff))
        session[STARTED] = session[SEEN] = int(now.timestamp())
        return redirect(_safe_next(request.args.get("next")))

    @bp.post("/logout")
    def logout() -> Response:
        # Ended on the server, not only forgotten by this browser: a copy of the cookie
        # (another tab, another computer, a thief) is refused from now on too.
        with services.db.session() as s, s.begin():
            end_sessions(s, current_user.identity.id)
            audit.record(s, current_user.identity, "logout", client=request.remote_addr)
        logout_user()
        return redirect(url_for("admin.login"))

    bp.add_url_rule("/fonts/<any(Regular, Bold):weight>.ttf", "font", _font)


def _safe_next(target: str | None) -> str:
    """Only back into the office itself, never to another site."""
    if target and target.startswith("/admin") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("admin.dashboard.home")


def _font(weight: str) -> Response:
    """Sarabun from the installed package, so the pages look the same on every
    computer without fetching a web font from anywhere."""
    return send_file(thai_font(weight), mimetype="font/ttf", max_age=7 * 24 * 3600)
