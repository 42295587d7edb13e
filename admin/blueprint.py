"""The blueprint and what every back-office request shares: login and CSRF
checks before the view, no-store and framing headers after it, Thai error pages."""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError, generate_csrf, validate_csrf
from werkzeug.exceptions import HTTPException
from wtforms import ValidationError

from models.db import Database
from services.billing.slips import SlipStore
from thai.money import format_baht
from config.profile import OrgProfile
from thai.dates import format_thai_date, format_thai_datetime
from web import protect

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates", static_folder="static")

# Reachable without a login: the login page itself and what it is drawn with.
PUBLIC_ENDPOINTS = {"admin.login", "admin.static", "admin.font"}
STAFF_ROLES = {"finance", "admin"}
CSRF_MESSAGE = "แบบฟอร์มนี้หมดอายุหรือไม่ได้ส่งมาจากหน้าระบบ กรุณาโหลดหน้าใหม่แล้วทำรายการอีกครั้ง"


def db() -> Database:
    return current_app.extensions["db"]


def profile() -> OrgProfile:
    return current_app.extensions["settings"].profile


def slip_store() -> SlipStore:
    return SlipStore(current_app.extensions["settings"].data_dir / "slips")


@bp.before_request
def _guard() -> Response | None:
    if request.endpoint not in PUBLIC_ENDPOINTS:
        if not current_user.is_authenticated:
            return current_app.login_manager.unauthorized()
        if current_user.role not in STAFF_ROLES:
            abort(403)
    if request.method == "POST":
        try:
            validate_csrf(request.form.get("csrf_token"))
        except ValidationError as exc:
            raise CSRFError(CSRF_MESSAGE) from exc
    return None


ADMIN_CSP = ("default-src 'self'; img-src 'self' data:; script-src 'none'; form-action 'self'; frame-ancestors 'none'; "
             "base-uri 'none'")


@bp.after_request
def _headers(response: Response) -> Response:
    response.headers.setdefault("Cache-Control", "no-store")
    return protect(response, csp=ADMIN_CSP, referrer="same-origin")


ERROR_TEXTS = {
    400: ("คำขอไม่ถูกต้อง", "กรุณากลับไปหน้าก่อนหน้าแล้วลองอีกครั้ง"),
    403: ("ไม่มีสิทธิ์ใช้งานหน้านี้", "บัญชีของคุณไม่มีสิทธิ์ในส่วนนี้ กรุณาติดต่อผู้ดูแลระบบ"),
    404: ("ไม่พบหน้าที่ต้องการ", "รายการนี้อาจถูกลบหรือพิมพ์ที่อยู่ไม่ถูกต้อง"),
    405: ("คำขอไม่ถูกต้อง", "กรุณาใช้ปุ่มบนหน้าระบบ"),
}


@bp.errorhandler(CSRFError)
def _csrf_failed(exc: CSRFError) -> tuple[str, int]:
    return render_template("admin/error.html", title="ส่งแบบฟอร์มไม่สำเร็จ", body=CSRF_MESSAGE), 400


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> Response | tuple[str, int]:
    if exc.code not in ERROR_TEXTS:
        return exc.get_response()
    title, body = ERROR_TEXTS[exc.code]
    return render_template("admin/error.html", title=title, body=body), exc.code


@bp.context_processor
def _helpers() -> dict:
    return {"csrf_token": generate_csrf, "baht": format_baht, "thai_date": format_thai_date,
            "thai_datetime": format_thai_datetime, "profile": profile()}
