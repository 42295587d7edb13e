"""Staff and units (admins only): who may log in, with which role, in which of the
organisation's units. Adding someone, changing their name, role, units or switching
them off, and setting a new password are each one transaction with its audit row
(before and after); a change of role, units or access and a new password end the
person's open sessions (services/staff.py), so what they may do changes at once."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from admin.pages import StaffPages
from config.profile import OrgProfile, Unit
from models.staff import STAFF_ROLES
from services import audit
from services.container import Services
from services.staff import (
    MIN_PASSWORD_LENGTH,
    PERMISSIONS,
    ROLE_NAMES,
    StaffError,
    StaffRow,
    create_staff,
    list_staff,
    normalise_username,
    set_password,
    update_staff,
)

PASSWORD_POLICY = (f"รหัสผ่านต้องยาวอย่างน้อย {MIN_PASSWORD_LENGTH} ตัวอักษร ต้องไม่มีชื่อผู้ใช้อยู่ในนั้น "
                   "และต้องไม่ใช่รหัสที่เดาง่าย เช่น 12345678 หรือ password")
# What each permission lets a role do, for the roles' legend on the form.
PERMISSION_NAMES: Mapping[str, str] = {
    "dashboard": "หน้าหลัก",
    "finance": "สลิป เงินสด ใบเสร็จ",
    "inbox": "อ่านแชท",
    "chat": "รับเรื่องและตอบแชท",
    "remark": "ความเห็น/ข้อสั่งการ",
    "reports": "รายงาน",
    "staff": "จัดการเจ้าหน้าที่",
    "audit": "บันทึกการใช้งาน",
    "operations": "ข้อความที่ระบบตอบไม่ได้",
    "training": "สอนบอทจากข้อความที่ไม่เข้าใจ",
}
SELF_CHANGE = ("ไม่สามารถเปลี่ยนบทบาทหรือปิดใช้งานบัญชีของตัวเองได้ "
               "เพื่อไม่ให้ระบบไม่เหลือผู้ดูแล กรุณาให้ผู้ดูแลระบบคนอื่นทำแทน")


@dataclass(frozen=True)
class StaffForm:
    """What the add and edit forms hold (the password apart: it is never shown again)."""

    username: str = ""
    display_name: str = ""
    role: str = ""
    units: list[str] = field(default_factory=list)
    active: bool = True

    @classmethod
    def sent(cls) -> StaffForm:
        form = request.form
        return cls(form.get("username", ""), form.get("display_name", ""), form.get("role", ""),
                   form.getlist("units"), form.get("active") == "1")

    @classmethod
    def of(cls, row: StaffRow) -> StaffForm:
        return cls(row.username, row.display_name, row.role, list(row.units), row.active)


def unit_choices(profile: OrgProfile) -> list[tuple[Unit, bool]]:
    """The profile's units for the checkboxes: each division followed by its
    sections (True: a section, shown indented)."""
    return [(unit, section) for top in profile.units if top.parent is None
            for unit, section in [(top, False), *((u, True) for u in profile.units if u.parent == top.key)]]


def role_permissions() -> dict[str, list[str]]:
    return {role: [name for perm, name in PERMISSION_NAMES.items() if role in PERMISSIONS[perm]]
            for role in STAFF_ROLES}


def blueprint(services: Services) -> Blueprint:
    bp = Blueprint("staff", __name__)
    db, profile = services.db, services.profile
    known_units = [u.key for u in profile.units]

    def unit_label(key: str) -> str:
        unit = profile.unit(key)
        return unit.name if unit else key  # a unit since taken out of the profile

    def form_page(template: str, status: int = 200, **values: object) -> tuple[str, int]:
        return render_template(template, roles=ROLE_NAMES, units=unit_choices(profile), policy=PASSWORD_POLICY,
                               role_permissions=role_permissions(), unit_label=unit_label, **values), status

    def one(username: str) -> StaffRow:
        name = normalise_username(username)
        with db.session() as session:
            found = next((row for row in list_staff(session) if row.username == name), None)
        if found is None:
            abort(404)
        return found

    @bp.get("/staff")
    def people() -> str:
        with db.session() as session:
            rows = list_staff(session)
        return render_template("admin/staff_list.html", rows=rows, unit_label=unit_label)

    def new_password() -> str:
        password = request.form.get("password", "")
        if password != request.form.get("password_again", ""):
            raise StaffError("รหัสผ่านทั้งสองช่องไม่ตรงกัน กรุณาพิมพ์ใหม่")
        return password

    @bp.get("/staff/new")
    def add_form() -> tuple[str, int]:
        return form_page("admin/staff_add.html", values=StaffForm())

    @bp.post("/staff/new")
    def add() -> Response | tuple[str, int]:
        values = StaffForm.sent()
        try:
            password = new_password()
            with db.session() as session, session.begin():
                made = create_staff(session, username=values.username, display_name=values.display_name,
                                    role=values.role, password=password, units=values.units, known_units=known_units)
                audit.record(session, current_user.identity, "staff_added", record_type="staff", record_id=made.id,
                             after={"username": made.username, "display_name": made.display_name,
                                    "role": made.role, "units": list(made.units)},
                             detail=made.username, client=request.remote_addr)
        except StaffError as exc:
            return form_page("admin/staff_add.html", 400, values=values, error=str(exc))
        except IntegrityError:  # the same username added from another screen a moment ago
            return form_page("admin/staff_add.html", 409, values=values,
                             error=f"มีชื่อผู้ใช้ {normalise_username(values.username)} อยู่แล้ว")
        flash(f"เพิ่มเจ้าหน้าที่ {made.display_name} ({made.username}) แล้ว", "ok")
        return redirect(url_for("admin.staff.people"))

    def edit_page(row: StaffRow, status: int = 200, values: StaffForm | None = None,
                  error: str | None = None) -> tuple[str, int]:
        return form_page("admin/staff_edit.html", status, person=row, values=values or StaffForm.of(row), error=error,
                         own=row.username == current_user.identity.username)

    @bp.get("/staff/<username>")
    def edit_form(username: str) -> tuple[str, int]:
        return edit_page(one(username))

    @bp.post("/staff/<username>")
    def edit(username: str) -> Response | tuple[str, int]:
        row = one(username)
        values = StaffForm.sent()
        try:
            if row.username == current_user.identity.username and (values.role != row.role or not values.active):
                raise StaffError(SELF_CHANGE)
            with db.session() as session, session.begin():
                before, after = update_staff(session, row.username, display_name=values.display_name,
                                             role=values.role, units=values.units, active=values.active,
                                             known_units=known_units)
                if before or after:
                    audit.record(session, current_user.identity, "staff_changed", record_type="staff",
                                 record_id=row.id, before=before, after=after, detail=row.username,
                                 client=request.remote_addr)
        except StaffError as exc:
            return edit_page(row, 400, values, str(exc))
        flash(f"บันทึกการแก้ไข {row.username} แล้ว" if after else "ไม่มีอะไรเปลี่ยนแปลง", "ok")
        return redirect(url_for("admin.staff.people"))

    @bp.post("/staff/<username>/password")
    def reset_password(username: str) -> Response | tuple[str, int]:
        row = one(username)
        try:
            password = new_password()
            with db.session() as session, session.begin():
                set_password(session, row.username, password)
                audit.record(session, current_user.identity, "password_reset", record_type="staff",
                             record_id=row.id, detail=row.username, client=request.remote_addr)
        except StaffError as exc:
            return edit_page(row, 400, error=str(exc))
        flash(f"ตั้งรหัสผ่านใหม่ให้ {row.username} แล้ว ผู้ใช้นี้ต้องเข้าสู่ระบบใหม่ด้วยรหัสผ่านใหม่", "ok")
        return redirect(url_for("admin.staff.people"))

    return bp


PAGES = StaffPages(key="staff", blueprint=blueprint, permission="staff",
                   nav=(("เจ้าหน้าที่และหน่วยงาน", "admin.staff.people"),))
