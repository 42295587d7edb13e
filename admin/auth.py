"""Staff login and logout (Flask-Login sessions over services.staff)."""
from __future__ import annotations

from flask import Response, redirect, render_template, request, send_file, url_for
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user

from admin.blueprint import bp, db
from models.base import utcnow
from services.documents.fonts import thai_font
from services.staff import StaffIdentity, authenticate, staff_by_token

login_manager = LoginManager()
login_manager.login_view = "admin.login"
login_manager.login_message = "กรุณาเข้าสู่ระบบก่อนใช้งาน"
login_manager.session_protection = "strong"


class StaffSession(UserMixin):
    def __init__(self, identity: StaffIdentity) -> None:
        self.identity = identity
        self.display_name = identity.display_name
        self.role = identity.role
        self.role_name = identity.role_name

    def get_id(self) -> str:
        return self.identity.token


@login_manager.user_loader
def _load(token: str) -> StaffSession | None:
    with db().session() as session:
        identity = staff_by_token(session, token)
    return StaffSession(identity) if identity else None


def _safe_next(target: str | None) -> str:
    """Only back into the office itself, never to another site."""
    if target and target.startswith("/admin") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("admin.slips")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | tuple[str, int] | str:
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    username = request.form.get("username", "")
    if request.method == "GET":
        return render_template("admin/login.html", username=username, error=None)
    with db().session() as session, session.begin():
        result = authenticate(session, username, request.form.get("password", ""), now=utcnow())
    if result.staff is None:
        status = 429 if result.status == "locked" else 401
        return render_template("admin/login.html", username=username, error=result.message), status
    login_user(StaffSession(result.staff))
    return redirect(_safe_next(request.args.get("next")))


@bp.post("/logout")
def logout() -> Response:
    logout_user()
    return redirect(url_for("admin.login"))


@bp.get("/")
def home() -> Response:
    return redirect(url_for("admin.slips"))


@bp.get("/fonts/<any(Regular, Bold):weight>.ttf")
def font(weight: str) -> Response:
    """Sarabun from the installed package, so the pages look the same on every
    computer without fetching a web font from anywhere."""
    return send_file(thai_font(weight), mimetype="font/ttf", max_age=7 * 24 * 3600)
