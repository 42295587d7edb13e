"""The audit log: logging in and out (and a failed try, with the name typed and the
client), slip decisions, cash and receipts each write one row in the action's own
transaction; the admins' page searches it on the server; and the database itself
refuses to change or remove a row."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from models.accounts import Receipt
from models.base import utcnow
from models.slips import Slip
from models.staff import AuditEntry
from services import audit
from services.billing.slips import SlipStore, count_pending, submit_slip
from services.staff import DEMO_PASSWORD
from tests.accounts.helpers import bill, customer
from tests.backoffice.conftest import csrf, login, text_of
from tests.slip_images import slip_png
from thai.dates import BANGKOK


def _rows(db, **where) -> list[AuditEntry]:
    with db.session() as s:
        query = select(AuditEntry).order_by(AuditEntry.id)
        for column, value in where.items():
            query = query.where(getattr(AuditEntry, column) == value)
        return list(s.scalars(query))


def test_login_failed_login_and_logout_are_each_one_row(office, staffed):
    client = office.test_client()
    assert login(client, " Finance ", "wrong-password") == 401
    assert login(client, "nobody", "wrong-password") == 401
    assert login(client, "finance") == 302
    client.post("/admin/logout", data={"csrf_token": csrf(client, "/admin/")})
    rows = _rows(staffed)
    assert [(r.action, r.username, r.client) for r in rows] == [
        ("login_failed", "finance", "127.0.0.1"), ("login_failed", "nobody", "127.0.0.1"),
        ("login", "finance", "127.0.0.1"), ("logout", "finance", "127.0.0.1")]
    assert rows[0].staff_id is None and rows[2].staff_id == rows[3].staff_id is not None


def test_a_refused_try_writes_nothing(office, staffed):
    """Locked or limited tries are not checked, so a guesser cannot fill the log."""
    client = office.test_client()
    for _ in range(5):
        assert login(client, "finance", "guess") == 401
    assert login(client, "finance", DEMO_PASSWORD) == 429  # locked now
    assert [r.action for r in _rows(staffed)] == ["login_failed"] * 5


@pytest.fixture
def slip_waiting(staffed, tmp_path):
    """A pending slip of a customer with an open bill, sent yesterday."""
    yesterday = datetime.now(BANGKOK).date() - timedelta(days=1)
    with staffed.session() as s, s.begin():
        owner = customer(s, "G000123")
        bill(s, owner, "350.00", issued=yesterday - timedelta(days=20), due=yesterday + timedelta(days=10))
        sent = submit_slip(s, customer_id=owner.id, image=slip_png(), source="chat", line_user_id=None,
                           store=SlipStore(tmp_path / "slips"), now=utcnow())
    return sent.slip_id, yesterday


def test_a_slip_approval_and_the_receipt_download_are_audited(signed_in, staffed, slip_waiting):
    slip_id, paid_on = slip_waiting
    finance = signed_in("finance")
    answer = finance.post(f"/admin/slips/{slip_id}/approve", data={
        "csrf_token": csrf(finance, f"/admin/slips/{slip_id}"), "amount": "350.00",
        "paid_on": paid_on.isoformat(), "paid_time": "10:15", "invoice_id": ""})
    assert answer.status_code == 302
    [row] = _rows(staffed, action="slip_approved")
    assert (row.username, row.record_type, row.record_id) == ("finance", "slip", str(slip_id))
    assert row.after["amount"] == "350.00 บาท" and row.after["receipt_number"].startswith("BS-RC-")
    assert row.after["paid_at"].endswith("10:15 น.")
    with staffed.session() as s:
        receipt_id = s.scalar(select(Receipt.id).join(Slip, Slip.payment_id == Receipt.payment_id)
                              .where(Slip.id == slip_id))
    assert finance.get(f"/admin/receipts/{receipt_id}.pdf").status_code == 200
    [download] = _rows(staffed, action="receipt_downloaded")
    assert (download.record_type, download.record_id) == ("receipt", str(receipt_id))


def test_a_refused_approval_leaves_no_audit_row(signed_in, staffed, slip_waiting):
    slip_id, paid_on = slip_waiting
    finance = signed_in("finance")
    refused = finance.post(f"/admin/slips/{slip_id}/approve", data={
        "csrf_token": csrf(finance, f"/admin/slips/{slip_id}"), "amount": "350.00",
        "paid_on": (paid_on + timedelta(days=5)).isoformat(), "paid_time": "10:15"})
    assert refused.status_code == 400 and _rows(staffed, action="slip_approved") == []
    with staffed.session() as s:
        assert count_pending(s) == 1


def test_a_slip_rejection_is_audited_with_its_reason(signed_in, staffed, slip_waiting):
    slip_id, _ = slip_waiting
    finance = signed_in("finance")
    finance.post(f"/admin/slips/{slip_id}/reject", data={"csrf_token": csrf(finance, f"/admin/slips/{slip_id}"),
                                                        "reason": "ภาพสลิปไม่ชัด"})
    [row] = _rows(staffed, action="slip_rejected")
    assert (row.record_id, row.after) == (str(slip_id), {"reason": "ภาพสลิปไม่ชัด"})


def test_cash_at_the_counter_is_audited(signed_in, staffed):
    today = datetime.now(BANGKOK).date()
    with staffed.session() as s, s.begin():
        bill(s, customer(s, "G000777"), "120.00", issued=today - timedelta(days=3), due=today + timedelta(days=7))
    finance = signed_in("finance")
    answer = finance.post("/admin/payments/cash", data={"csrf_token": csrf(finance, "/admin/payments/cash"),
                                                         "code": "G000777", "amount": "120"})
    assert answer.status_code == 302
    [row] = _rows(staffed, action="cash_received")
    assert row.record_type == "receipt" and row.after["customer_code"] == "G000777"
    assert row.after["amount"] == "120.00 บาท"


def _write(db, n: int, **kw) -> None:
    with db.session() as s, s.begin():
        for i in range(n):
            audit.record(s, None, kw.get("action", "login_failed"), username=kw.get("username", f"guess{i}"),
                         record_type=kw.get("record_type"), record_id=kw.get("record_id"), detail=kw.get("detail"),
                         at=kw.get("at"))


def test_the_audit_page_searches_by_user_action_record_text_and_days(signed_in, staffed):
    _write(staffed, 1, action="chat_taken", username="cases", record_type="chat", record_id=12, detail="หมายเหตุ")
    _write(staffed, 1, action="chat_taken", username="pr.news", record_type="chat", record_id=13)
    _write(staffed, 1, action="slip_approved", username="finance", record_type="slip", record_id=12,
           at=datetime(2025, 1, 15, 3, 0, tzinfo=BANGKOK))
    admin = signed_in("admin")

    def found(query: str) -> str:
        page = admin.get(f"/admin/audit?{query}")
        assert page.status_code == 200
        return text_of(page.text)

    by_user = found("user=cases")
    assert "รับเรื่องแชท" in by_user and "แชท #12" in by_user and "pr.news" not in by_user
    by_action = found("action=slip_approved")
    assert "อนุมัติสลิป" in by_action and "สลิป #12" in by_action and "แชท #12" not in by_action
    assert "1 รายการ" in by_action
    by_record = found("record=แชท+12")
    assert "แชท #12" in by_record and "สลิป #12" not in by_record and "แชท #13" not in by_record
    assert "สลิป #12" in found("record=slip 12")
    assert "หมายเหตุ" in found("q=หมายเหตุ") and "pr.news" not in found("q=หมายเหตุ")
    in_2025 = found("since=2025-01-01&until=2025-01-31")
    assert "สลิป #12" in in_2025 and "แชท #12" not in in_2025
    assert "1 ม.ค. 2568 ถึง 31 ม.ค. 2568" in in_2025 and "15 ม.ค. 2568" in in_2025  # Buddhist Era


def test_the_audit_page_is_paged_newest_first(signed_in, staffed):
    _write(staffed, 60)
    admin = signed_in("admin")
    first = admin.get("/admin/audit?action=login_failed").text
    assert first.count("<td class=\"when\">") == 50 and "guess59" in first and "guess9<" not in first
    assert "หน้า 1 จาก 2" in first and 'href="/admin/audit?page=2&amp;action=login_failed"' in first
    second = admin.get("/admin/audit?action=login_failed&page=2").text
    assert second.count("<td class=\"when\">") == 10 and "guess0<" in second


@pytest.mark.parametrize("query, message", [
    ("since=2025-13-01", "วันที่ไม่ถูกต้อง"), ("since=2025-02-01&until=2025-01-01", "วันเริ่มต้นต้องไม่อยู่หลังวันสุดท้าย"),
    ("record=บิล+3", "ไม่รู้จักประเภทรายการ"), ("since=0001-01-01", "วันที่ไม่ถูกต้อง")])
def test_a_bad_search_is_answered_in_thai(signed_in, query, message):
    page = signed_in("admin").get(f"/admin/audit?{query}")
    assert page.status_code == 400 and message in page.text


def test_only_admins_open_the_audit_page(signed_in):
    for role in ("finance", "executive", "counter"):
        assert signed_in(role).get("/admin/audit").status_code == 403


def test_the_table_refuses_update_and_delete(staffed):
    """Whatever the application (or someone with its database login) tries: on
    SQLite and on PostgreSQL the rows stay as written."""
    _write(staffed, 1, username="somchai")
    for statement in ("UPDATE audit_log SET username = 'someone-else'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError), staffed.engine.begin() as conn:
            conn.execute(text(statement))
    assert [r.username for r in _rows(staffed)] == ["somchai"]

