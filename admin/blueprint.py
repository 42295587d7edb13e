"""The office's frame, shared by every page mounted in it: login and CSRF checks
before the view, no-store and framing headers after it, Thai error pages (also for
an address under /admin that matches nothing), the organisation's colours, and the
menu of the pages this staff member's role may use, grouped by what they are for."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import Blueprint, Response, abort, current_app, make_response, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError, generate_csrf, validate_csrf
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from wtforms import ValidationError

from admin.pages import StaffPages
from services.container import Services
from services.staff import permits
from thai.dates import BANGKOK, format_thai_date, format_thai_datetime
from thai.money import format_baht

# Reachable without a login: the login page itself and what it is drawn with.
PUBLIC_ENDPOINTS = {"admin.login", "admin.static", "admin.font", "admin.theme"}
CSRF_MESSAGE = "แบบฟอร์มนี้หมดอายุหรือไม่ได้ส่งมาจากหน้าระบบ กรุณาโหลดหน้าใหม่แล้วทำรายการอีกครั้ง"

# Scripts only from the office itself (the inbox polls for new messages), never
# inline; pictures also from LINE's profile-picture host.
ADMIN_CSP = ("default-src 'self'; img-src 'self' data: https:; script-src 'self'; connect-src 'self'; "
             "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")

ERROR_TEXTS = {
    400: ("คำขอไม่ถูกต้อง", "กรุณากลับไปหน้าก่อนหน้าแล้วลองอีกครั้ง"),
    403: ("ไม่มีสิทธิ์ใช้งานหน้านี้", "บัญชีของคุณไม่มีสิทธิ์ในส่วนนี้ กรุณาติดต่อผู้ดูแลระบบ"),
    404: ("ไม่พบหน้าที่ต้องการ", "รายการนี้อาจถูกลบหรือพิมพ์ที่อยู่ไม่ถูกต้อง"),
    405: ("คำขอไม่ถูกต้อง", "กรุณาใช้ปุ่มบนหน้าระบบ"),
}

# The menu's headings: a page set sits under what its permission is for.
GROUP_NAMES: Mapping[str, str] = {
    "dashboard": "ภาพรวม",
    "inbox": "บริการประชาชน", "chat": "บริการประชาชน", "remark": "บริการประชาชน", "training": "บริการประชาชน",
    "finance": "การเงิน",
    "reports": "รายงาน",
    "staff": "ผู้ดูแลระบบ", "audit": "ผู้ดูแลระบบ", "operations": "ผู้ดูแลระบบ",
}


@dataclass(frozen=True)
class NavEntry:
    label: str
    href: str
    current: bool


@dataclass(frozen=True)
class NavGroup:
    label: str
    entries: list[NavEntry]


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


def page_number(args: MultiDict[str, str]) -> int:
    """The ?page= of a list, 1 when missing or not a sensible number."""
    page = args.get("page", "1")
    return int(page) if page.isascii() and page.isdigit() and 0 < len(page) < 6 and int(page) > 0 else 1


@dataclass(frozen=True)
class DayRange:
    """Whole days in Bangkok, as a list's date inputs give them; either end may be open."""

    first: date | None
    last: date | None

    @property
    def since(self) -> datetime | None:
        return datetime.combine(self.first, time(), BANGKOK) if self.first else None

    @property
    def until(self) -> datetime | None:
        """The moment after the last day (the range's exclusive end)."""
        return datetime.combine(self.last + timedelta(days=1), time(), BANGKOK) if self.last else None

    def describe(self) -> str:
        """In Buddhist-Era dates, as the page and the printed report say it."""
        if self.first and self.last:
            return f"{format_thai_date(self.first)} ถึง {format_thai_date(self.last)}"
        if self.first:
            return f"ตั้งแต่ {format_thai_date(self.first)}"
        if self.last:
            return f"จนถึง {format_thai_date(self.last)}"
        return "ทุกช่วงเวลา"


def day_range(args: MultiDict[str, str], *, first: date | None = None, last: date | None = None) -> DayRange:
    """?since= and ?until= (YYYY-MM-DD, what a date input sends); ``first`` and
    ``last`` when left out. Raises ValueError with a Thai message."""
    def day(name: str, default: date | None) -> date | None:
        text = args.get(name, "").strip()
        if not text:
            return default
        try:
            chosen = date.fromisoformat(text)
        except ValueError:
            chosen = None
        if chosen is None or not 2000 <= chosen.year <= 2200:  # also keeps the day after inside datetime's range
            raise ValueError("วันที่ไม่ถูกต้อง กรุณาเลือกวันที่จากปฏิทิน")
        return chosen

    chosen = DayRange(day("since", first), day("until", last))
    if chosen.first and chosen.last and chosen.first > chosen.last:
        raise ValueError("วันเริ่มต้นต้องไม่อยู่หลังวันสุดท้าย กรุณาเลือกช่วงวันที่ใหม่")
    return chosen


def _is_current(href: str, path: str) -> bool:
    # A page's own sub-pages (a slip under the slip list) count as it; the dashboard
    # at /admin/ only itself.
    return path == href or (not href.endswith("/") and path.startswith(href + "/"))


def frame(services: Services, pages: Sequence[StaffPages]) -> Blueprint:
    """The /admin blueprint with ``pages`` mounted in it, in menu order; login and
    logout are added by admin.auth."""
    bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates", static_folder="static")
    profile = services.profile

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

    def menu() -> list[NavGroup]:
        """The pages this staff member may open, under their headings, the page
        being shown marked."""
        if not current_user.is_authenticated:
            return []
        groups: dict[str, list[tuple[str, str]]] = {}
        for page in pages:
            if permits(current_user.role, page.permission):
                groups.setdefault(GROUP_NAMES[page.permission], []).extend(
                    (label, url_for(endpoint)) for label, endpoint in page.nav)
        current = max((href for entries in groups.values() for _, href in entries if _is_current(href, request.path)),
                      key=len, default=None)
        return [NavGroup(name, [NavEntry(label, href, href == current) for label, href in entries])
                for name, entries in groups.items()]

    def units_of_viewer() -> list[str]:
        if not current_user.is_authenticated:
            return []
        return [unit.name for unit in profile.units if unit.key in current_user.identity.units]  # profile order

    def helpers() -> dict:
        return {"csrf_token": generate_csrf, "baht": format_baht, "thai_date": format_thai_date,
                "thai_datetime": format_thai_datetime, "profile": profile, "menu": menu(),
                "my_units": units_of_viewer()}

    bp.context_processor(helpers)

    def error_page(title: str, body: str, status: int) -> tuple[str, int]:
        return render_template("admin/error.html", title=title, body=body), status

    @bp.errorhandler(CSRFError)
    def _csrf_failed(exc: CSRFError) -> tuple[str, int]:
        return error_page("ส่งแบบฟอร์มไม่สำเร็จ", CSRF_MESSAGE, 400)

    @bp.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response | tuple[str, int]:
        if exc.code not in ERROR_TEXTS:
            return exc.get_response()
        return error_page(*ERROR_TEXTS[exc.code], exc.code)

    def _unrouted(exc: HTTPException) -> Response | HTTPException:
        """An address (or a method) under /admin that no route takes: no blueprint is
        chosen for it, so the frame's context and headers are added here."""
        if request.path != bp.url_prefix and not request.path.startswith(f"{bp.url_prefix}/"):
            return exc
        title, body = ERROR_TEXTS[exc.code or 404]
        return protect(make_response(render_template("admin/error.html", title=title, body=body, **helpers()),
                                     exc.code))

    bp.app_errorhandler(NotFound)(_unrouted)
    bp.app_errorhandler(MethodNotAllowed)(_unrouted)

    @bp.get("/theme.css")
    def theme() -> Response:
        """The organisation's colours (validated hex in the profile) for the
        stylesheet: the CSP allows no inline style."""
        colours = profile.colours
        css = f":root {{ --primary: {colours.primary}; --on-primary: {colours.text_on_primary}; }}\n"
        return Response(css, mimetype="text/css", headers={"Cache-Control": "private, max-age=300"})

    for page in pages:
        bp.register_blueprint(_guarded(page, services))
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

