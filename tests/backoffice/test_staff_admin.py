"""Staff and units, by an admin in the back office: adding, changing role and units,
switching off and setting a new password each write one audit row with before and
after, and end the person's sessions where what they may do changed. Bad input is
refused in Thai with nothing written; other roles and forged forms are refused."""
from __future__ import annotations

from sqlalchemy import func, select

from models.staff import AuditEntry, StaffUnit, StaffUser
from services.staff import create_staff, list_staff
from tests.backoffice.conftest import csrf, login, make_office, text_of

NEW = {"username": "malee.s", "display_name": "นางสาวมาลี ศรีสุข", "role": "cases", "units": ["legal"],
       "password": "ทะเลสาบ2569", "password_again": "ทะเลสาบ2569"}


def _rows(db, action: str) -> list[AuditEntry]:
    with db.session() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def _staff(db, username: str):
    with db.session() as s:
        return next((row for row in list_staff(s) if row.username == username), None)


def _count(db, model) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_an_admin_adds_staff_with_a_role_and_units(signed_in, staffed, office):
    admin = signed_in("admin")
    form = admin.get("/admin/staff/new").text
    words = text_of(form)
    assert "รหัสผ่านต้องยาวอย่างน้อย 8 ตัวอักษร" in words  # the policy, on the form
    assert 'name="units" value="legal"' in form and "งานนิติการ" in words and "กองช่าง" in words
    answer = admin.post("/admin/staff/new", data={**NEW, "csrf_token": csrf(admin, "/admin/staff/new")})
    assert answer.status_code == 302 and answer.headers["Location"] == "/admin/staff"
    made = _staff(staffed, "malee.s")
    assert (made.display_name, made.role, made.units, made.active) == ("นางสาวมาลี ศรีสุข", "cases", ("legal",), True)
    [row] = _rows(staffed, "staff_added")
    assert (row.username, row.record_type, row.record_id, row.client) == ("admin", "staff", str(made.id), "127.0.0.1")
    assert row.after == {"username": "malee.s", "display_name": "นางสาวมาลี ศรีสุข", "role": "cases",
                         "units": ["legal"]}
    listed = text_of(admin.get("/admin/staff").text)
    assert "นางสาวมาลี ศรีสุข malee.s เรื่องร้องเรียน/คำร้อง งานนิติการ ใช้งานได้ ยังไม่เคยเข้าระบบ" in listed
    # The new login works with the password the admin typed.
    assert login(office.test_client(), "malee.s", NEW["password"]) == 302


def test_bad_input_is_refused_in_thai_and_nothing_is_written(signed_in, staffed):
    admin = signed_in("admin")
    token = csrf(admin, "/admin/staff/new")
    staff_before, audit_before = _count(staffed, StaffUser), _count(staffed, AuditEntry)
    cases = [
        ({"username": "ม"}, "ชื่อผู้ใช้ต้องเป็นตัวอักษรอังกฤษพิมพ์เล็ก"),
        ({"password": "short", "password_again": "short"}, "รหัสผ่านต้องยาวอย่างน้อย 8 ตัวอักษร"),
        ({"password_again": "something-else"}, "รหัสผ่านทั้งสองช่องไม่ตรงกัน"),
        ({"units": ["legal", "moon"]}, "ไม่มีหน่วยงาน moon ในโปรไฟล์ขององค์กร"),
        ({"display_name": "  "}, "กรุณาระบุชื่อที่แสดง"),
        ({"username": "finance"}, "มีชื่อผู้ใช้ finance อยู่แล้ว"),
        ({"role": "mayor"}, "บทบาทต้องเป็น"),
    ]
    for change, message in cases:
        refused = admin.post("/admin/staff/new", data={**NEW, **change, "csrf_token": token})
        assert refused.status_code == 400 and message in refused.text, (change, refused.status_code)
        assert 'value="นางสาวมาลี ศรีสุข"' in refused.text or "display_name" in change  # what was typed stays
    assert (_count(staffed, StaffUser), _count(staffed, AuditEntry)) == (staff_before, audit_before)


def test_an_admin_changes_units_and_role_and_the_persons_session_ends(signed_in, staffed):
    admin, cases = signed_in("admin"), signed_in("cases")
    assert cases.get("/admin/inbox").status_code == 200
    answer = admin.post("/admin/staff/cases", data={
        "csrf_token": csrf(admin, "/admin/staff/cases"), "display_name": "เจ้าหน้าที่นิติการ (ทดลอง)",
        "role": "executive", "units": ["legal", "engineering"], "active": "1"})
    assert answer.status_code == 302
    changed = _staff(staffed, "cases")
    assert (changed.role, changed.units) == ("executive", ("engineering", "legal"))
    [row] = _rows(staffed, "staff_changed")
    assert row.record_id == str(changed.id) and row.detail == "cases"
    assert row.before == {"role": "cases", "units": ["legal"]}
    assert row.after == {"role": "executive", "units": ["engineering", "legal"]}
    # Their open session ended: they log in again with what they now may do.
    assert "/admin/login" in cases.get("/admin/inbox").headers["Location"]
    page = text_of(admin.get("/admin/audit?action=staff_changed").text)
    assert "บทบาท: เรื่องร้องเรียน/คำร้อง → ผู้บริหาร" in page
    assert "หน่วยงาน: งานนิติการ → กองช่าง, งานนิติการ" in page


def test_nothing_changed_writes_no_audit_row(signed_in, staffed):
    admin = signed_in("admin")
    person = _staff(staffed, "water")
    answer = admin.post("/admin/staff/water", data={
        "csrf_token": csrf(admin, "/admin/staff/water"), "display_name": person.display_name, "role": person.role,
        "active": "1"})
    assert answer.status_code == 302 and _rows(staffed, "staff_changed") == []
    assert "ไม่มีอะไรเปลี่ยนแปลง" in admin.get("/admin/staff").text


def test_a_deactivated_person_is_logged_out_and_cannot_log_in(signed_in, staffed, office):
    admin, finance = signed_in("admin"), signed_in("finance")
    person = _staff(staffed, "finance")
    answer = admin.post("/admin/staff/finance", data={
        "csrf_token": csrf(admin, "/admin/staff/finance"), "display_name": person.display_name,
        "role": "finance", "units": list(person.units)})  # "active" left unticked
    assert answer.status_code == 302 and _staff(staffed, "finance").active is False
    assert "/admin/login" in finance.get("/admin/slips").headers["Location"]
    assert login(office.test_client(), "finance") == 401
    [row] = _rows(staffed, "staff_changed")
    assert (row.before, row.after) == ({"active": True}, {"active": False})
    assert "ปิดใช้งาน" in text_of(admin.get("/admin/staff").text)


def test_an_admin_cannot_switch_themselves_off_or_change_their_own_role(signed_in, staffed):
    admin = signed_in("admin")
    refused = admin.post("/admin/staff/admin", data={
        "csrf_token": csrf(admin, "/admin/staff/admin"), "display_name": "ผู้ดูแลระบบ (ทดลอง)", "role": "admin"})
    assert refused.status_code == 400 and "ไม่สามารถเปลี่ยนบทบาทหรือปิดใช้งานบัญชีของตัวเองได้" in refused.text
    assert _staff(staffed, "admin").active and _rows(staffed, "staff_changed") == []


def test_a_password_reset_ends_the_persons_sessions(signed_in, staffed, office):
    admin, water = signed_in("admin"), signed_in("water")
    token = csrf(admin, "/admin/staff/water")
    weak = admin.post("/admin/staff/water/password", data={"csrf_token": token, "password": "12345678",
                                                             "password_again": "12345678"})
    assert weak.status_code == 400 and "รหัสผ่านนี้เดาง่ายเกินไป" in weak.text and _rows(staffed, "password_reset") == []
    answer = admin.post("/admin/staff/water/password", data={"csrf_token": token, "password": "น้ำประปา-ใส",
                                                               "password_again": "น้ำประปา-ใส"})
    assert answer.status_code == 302
    assert "/admin/login" in water.get("/admin/").headers["Location"]
    assert login(office.test_client(), "water") == 401
    assert login(office.test_client(), "water", "น้ำประปา-ใส") == 302
    [row] = _rows(staffed, "password_reset")
    assert (row.username, row.record_id, row.detail, row.before, row.after) == (
        "admin", str(_staff(staffed, "water").id), "water", None, None)


def test_other_roles_are_refused_and_a_form_without_its_token_does_nothing(signed_in, staffed):
    finance = signed_in("finance")
    token = csrf(finance, "/admin/")
    assert finance.get("/admin/staff").status_code == 403
    assert finance.post("/admin/staff/new", data={**NEW, "csrf_token": token}).status_code == 403
    assert finance.post("/admin/staff/finance/password", data={"csrf_token": token, "password": "ทะเลสาบ2569",
                                                                "password_again": "ทะเลสาบ2569"}).status_code == 403
    admin = signed_in("admin")
    forged = admin.post("/admin/staff/new", data=NEW)
    assert forged.status_code == 400 and "แบบฟอร์มนี้หมดอายุ" in forged.text
    assert _staff(staffed, "malee.s") is None and _rows(staffed, "staff_added") == []


def test_unknown_staff_is_a_thai_404(signed_in):
    missing = signed_in("admin").get("/admin/staff/nobody")
    assert missing.status_code == 404 and "ไม่พบหน้าที่ต้องการ" in missing.text


def test_units_are_shown_by_name_and_a_profile_without_units_says_so(signed_in, staffed, tmp_path):
    with staffed.session() as s, s.begin():
        create_staff(s, username="somsri", display_name="นางสมศรี", role="finance", password="ทะเลสาบ2569")
        s.add(StaffUnit(staff_id=s.scalar(select(StaffUser.id).where(StaffUser.username == "somsri")), unit="gone"))
    assert "gone" in text_of(signed_in("admin").get("/admin/staff").text)  # a unit since removed: its key
    tenant = make_office(staffed, tmp_path, "tenant").test_client()
    assert login(tenant, "admin") == 302
    assert "โปรไฟล์ขององค์กรนี้ยังไม่ได้กำหนดหน่วยงาน" in tenant.get("/admin/staff/new").text
