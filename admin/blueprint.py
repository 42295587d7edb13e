"""The office's frame, shared by every page mounted in it: login and CSRF checks
before the view, no-store and framing headers after it, Thai error pages, and the
menu of the pages this staff member's role may use."""
from __future__ import annotations

from collections.abc import Sequence

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError, generate_csrf, validate_csrf
from werkzeug.exceptions import HTTPException
from wtforms import ValidationError

from admin.pages import StaffPages
from services.container import Services
from services.staff import permits
from thai.dates import format_thai_date, format_thai_datetime
from thai.money import format_baht

# Reachable without a login: the login page itself and what it is drawn with.
PUBLIC_ENDPOINTS = {"admin.login", "admin.static", "admin.font"}
CSRF_MESSAGE = "แบบฟอร์มนี้หมดอายุหรือไม่ได้ส่งมาจากหน้าระบบ กรุณาโหลดหน้าใหม่แล้วทำรายการอีกครั้ง"

ADMIN_CSP = ("default-src 'self'; img-src 'self' data:; script-src 'none'; form-action 'self'; frame-ancestors 'none'; "
             "base-uri 'none'")

ERROR_TEXTS = {
    400: ("คำขอไม่ถูกต้อง", "กรุณากลับไปหน้าก่อนหน้าแล้วลองอีกครั้ง"),
    403: ("ไม่มีสิทธิ์ใช้งานหน้านี้", "บัญชีของคุณไม่มีสิทธิ์ในส่วนนี้ กรุณาติดต่อผู้ดูแลระบบ"),
    404: ("ไม่พบหน้าที่ต้องการ", "รายการนี้อาจถูกลบหรือพิมพ์ที่อยู่ไม่ถูกต้อง"),
    405: ("คำขอไม่ถูกต้อง", "กรุณาใช้ปุ่มบนหน้าระบบ"),
}


def protect(response: Response) -> Response:
    """Never in a frame (clickjacking), never sniffed into another type, a Referer
    only within the office, no copy kept by the browser, and the CSP on HTML (a PDF
    or a picture is shown by the browser itself, which a document policy would only
    get in the way of)."""
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    if response.mimetype == "text/html":
        response.headers["Content-Security-Policy"] = ADMIN_CSP
    return response


def frame(services: Services, pages: Sequence[StaffPages]) -> Blueprint:
    """The /admin blueprint with ``pages`` mounted in it; login and logout are added
    by admin.auth."""
    bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates", static_folder="static")

    @bp.before_request
    def _guard() -> Response | None:
        if request.endpoint not in PUBLIC_ENDPOINTS and not current_user.is_authenticated:
            return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
        if request.method == "POST":
            try:
                validate_csrf(request.form.get("csrf_token"))
            except ValidationError as exc:
                raise CSRFError(CSRF_MESSAGE) from exc
        return None

    bp.after_request(protect)

    @bp.errorhandler(CSRFError)
    def _csrf_failed(exc: CSRFError) -> tuple[str, int]:
        return render_template("admin/error.html", title="ส่งแบบฟอร์มไม่สำเร็จ", body=CSRF_MESSAGE), 400

    @bp.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response | tuple[str, int]:
        if exc.code not in ERROR_TEXTS:
            return exc.get_response()
        title, body = ERROR_TEXTS[exc.code]
        return render_template("admin/error.html", title=title, body=body), exc.code

    def menu() -> list[tuple[str, str]]:
        """(label, endpoint) of every page this staff member may open, in order."""
        if not current_user.is_authenticated:
            return []
        return [entry for page in pages if permits(current_user.role, page.permission) for entry in page.nav]

    @bp.context_processor
    def _helpers() -> dict:
        return {"csrf_token": generate_csrf, "baht": format_baht, "thai_date": format_thai_date,
                "thai_datetime": format_thai_datetime, "profile": services.profile, "menu": menu()}

    for page in pages:
        bp.register_blueprint(_guarded(page, services))
    bp.add_url_rule("/", "home", lambda: _home(menu()))
    return bp


def _guarded(page: StaffPages, services: Services) -> Blueprint:
    """The page set's blueprint, every route of it refused to roles without its permission."""
    blueprint = page.blueprint(services)
    if blueprint.name != page.key:
        raise ValueError(f"staff pages {page.key!r} built a blueprint named {blueprint.name!r}")

    @blueprint.before_request
    def _permitted() -> None:
        if not permits(current_user.role, page.permission):
            abort(403)

    return blueprint


def _home(menu: list[tuple[str, str]]) -> Response:
    """The first page of the menu; a role with no page at all is told so."""
    if not menu:
        abort(403)
    return redirect(url_for(menu[0][1]))
