"""The dashboard every role lands on, and the chat report: each role sees the tiles
and figures its permissions allow (counted within its units), numbers link to the
filtered lists, durations read in Thai; the report prints and downloads as Excel
for a chosen period, and the download is audited."""
from __future__ import annotations

import io
from datetime import datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from admin.pages import Tile
from config.profile import load_profile
from models.base import utcnow
from models.staff import AuditEntry
from services.billing.slips import SlipStore, submit_slip
from tests.accounts.helpers import bill, customer
from tests.backoffice.conftest import LOGIN_OF, login, make_office, some_chats, text_of
from tests.slip_images import slip_png
from thai.dates import BANGKOK

PROFILE = load_profile("municipality")


@pytest.fixture
def chats(staffed) -> datetime:
    return some_chats(staffed)


def test_every_role_lands_on_the_dashboard_with_what_it_may_see(office, chats):
    seen = {}
    for role, username in LOGIN_OF.items():
        client = office.test_client()
        assert login(client, username) == 302
        page = client.get("/admin/")
        assert page.status_code == 200
        words = text_of(page.text)
        seen[role] = {"waiting": "แชทรอเจ้าหน้าที่" in words, "slips": "สลิปรอตรวจ" in words,
                      "chats": "แชทที่ส่งถึงเจ้าหน้าที่ ตามสถานะ" in words, "figures": "ผลการดูแลแชท" in words}
    assert seen == {
        "admin": {"waiting": True, "slips": True, "chats": True, "figures": True},
        "finance": {"waiting": True, "slips": True, "chats": True, "figures": False},
        "water": {"waiting": True, "slips": False, "chats": True, "figures": False},
        "counter": {"waiting": False, "slips": False, "chats": False, "figures": False},
        "cases": {"waiting": True, "slips": False, "chats": True, "figures": False},
        "pr": {"waiting": True, "slips": False, "chats": True, "figures": False},
        "executive": {"waiting": True, "slips": False, "chats": True, "figures": True},
    }


def test_chat_numbers_link_to_the_filtered_inbox(signed_in, chats):
    page = signed_in("admin").get("/admin/").text
    assert 'href="/admin/inbox?view=waiting"' in page  # the inbox module's tile
    assert 'href="/admin/inbox?view=all&amp;status=new"><strong>2</strong> ใหม่' in page
    assert 'href="/admin/inbox?view=all&amp;status=in_progress"><strong>1</strong> ดำเนินการ' in page
    assert '<a href="/admin/inbox?view=all&amp;unit=legal">1</a>' in page
    assert '<a href="/admin/inbox?view=all&amp;unit=finance">1</a>' in page
    words = text_of(page)
    assert "ยังไม่ระบุหน่วยงาน 1" in words  # unsorted chats: counted, no filter to link to


def test_a_unit_officer_counts_only_what_their_units_see(signed_in, chats):
    words = text_of(signed_in("pr").get("/admin/").text)
    # งานประชาสัมพันธ์ sees its own (none) and the unsorted chat, not the complaint nor the bill.
    assert "งานนิติการ" not in words and "กองคลัง" not in words and "ยังไม่ระบุหน่วยงาน 1" in words


def test_figures_per_unit_and_staff_member_in_thai_durations(signed_in, chats):
    words = text_of(signed_in("admin").get("/admin/").text)
    assert "ผลการดูแลแชท 30 วันที่ผ่านมา" in words
    assert "งานนิติการ (สำนักปลัดเทศบาล) 2 12 นาที 12 นาที 1 ชม. 5 นาที 1 ชม. 5 นาที" in words
    assert "กองช่าง 1 3 ชม. 3 ชม. 1 วัน 4 ชม. 1 วัน 4 ชม." in words
    assert "เจ้าหน้าที่นิติการ (ทดลอง) 3" in words
    # An executive of สำนักปลัด and กองคลัง: their units' figures only.
    executive = text_of(signed_in("executive").get("/admin/").text)
    assert "งานนิติการ (สำนักปลัดเทศบาล) 2" in executive and "กองช่าง 1" not in executive


def test_slips_waiting_show_for_finance_with_todays_count(signed_in, staffed, tmp_path):
    today = datetime.now(BANGKOK).date()
    with staffed.session() as s, s.begin():
        owner = customer(s, "G000123")
        bill(s, owner, "350.00", issued=today - timedelta(days=20), due=today + timedelta(days=10))
        submit_slip(s, customer_id=owner.id, image=slip_png(), source="chat", line_user_id=None,
                    store=SlipStore(tmp_path / "slips"), now=utcnow())
    page = signed_in("finance").get("/admin/").text
    assert '<a class="tile" href="/admin/slips">' in page
    assert "1 สลิปรอตรวจ ส่งเข้ามาวันนี้ 1 รายการ" in text_of(page)


def test_modules_still_to_come_show_a_placeholder_to_the_roles_they_are_for(staffed, tmp_path):
    office = make_office(staffed, tmp_path, tiles=[Tile("เรื่องร้องเรียน/คำร้อง", "dashboard"),
                                                   Tile("งานประปา", "finance")])
    counter, finance = office.test_client(), office.test_client()
    login(counter, "counter"), login(finance, "finance")
    counter_words, finance_words = text_of(counter.get("/admin/").text), text_of(finance.get("/admin/").text)
    assert "เรื่องร้องเรียน/คำร้อง ยังไม่เปิดใช้งานบน LINE" in counter_words and "งานประปา" not in counter_words
    assert "เรื่องร้องเรียน/คำร้อง ยังไม่เปิดใช้งานบน LINE" in finance_words
    assert "งานประปา ยังไม่เปิดใช้งานบน LINE" in finance_words


def test_the_chat_report_for_a_period_prints_and_downloads_as_excel(signed_in, staffed, chats):
    now = chats.astimezone(BANGKOK).date()
    period = f"since={(now - timedelta(days=7)).isoformat()}&until={now.isoformat()}"
    admin = signed_in("admin")
    page = admin.get(f"/admin/reports/chats?{period}")
    words = text_of(page.text)
    assert page.status_code == 200 and "เพื่อง่ายต่อการติดตามรายงานผล" in words
    assert "งานนิติการ (สำนักปลัดเทศบาล) 0 1 0 0 1 2" in words  # ดำเนินการ (taken) + เสร็จสิ้น
    assert "กองคลัง 1 0 0 0 0 1" in words and "รวมทั้งหมด 2 1 0 0 2 5" in words
    with staffed.session() as s:
        assert s.scalars(select(AuditEntry).where(AuditEntry.action == "report_exported")).all() == []

    download = admin.get(f"/admin/reports/chats?{period}&format=xlsx")
    assert download.status_code == 200 and download.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in download.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(download.data))
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]] == ["หน่วยงาน", "ใหม่", "ดำเนินการ", "เลิกดำเนินการ", "ดำเนินการแล้ว",
                                           "เสร็จสิ้น", "รวม"]
    table = {row[0]: list(row[1:]) for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert table == {"กองคลัง": [1, 0, 0, 0, 0, 1], "งานนิติการ (สำนักปลัดเทศบาล)": [0, 1, 0, 0, 1, 2],
                     "กองช่าง": [0, 0, 0, 0, 1, 1], "ยังไม่ระบุหน่วยงาน": [1, 0, 0, 0, 0, 1],
                     "รวมทั้งหมด": [2, 1, 0, 0, 2, 5]}
    about = dict(book.worksheets[1].iter_rows(min_row=2, values_only=True))
    assert about["องค์กร"] == PROFILE.name and about["ออกรายงานโดย"] == "ผู้ดูแลระบบ (ทดลอง) (admin)"
    with staffed.session() as s:
        [row] = s.scalars(select(AuditEntry).where(AuditEntry.action == "report_exported")).all()
    assert row.username == "admin" and row.detail.startswith("รายงานจำนวนแชทตามหน่วยงานและสถานะ")


def test_an_earlier_period_and_an_executives_units(signed_in, chats):
    now = chats.astimezone(BANGKOK).date()
    old = text_of(signed_in("admin").get(
        f"/admin/reports/chats?since={(now - timedelta(days=60)).isoformat()}"
        f"&until={(now - timedelta(days=30)).isoformat()}").text)
    assert "งานนิติการ (สำนักปลัดเทศบาล) 0 0 0 1 0 1" in old and "รวมทั้งหมด 0 0 0 1 0 1" in old
    executive = text_of(signed_in("executive").get("/admin/reports/chats").text)
    assert "เฉพาะหน่วยงาน:" in executive and "กองช่าง" not in executive


@pytest.mark.parametrize("query, message", [("since=2026-02-30", "วันที่ไม่ถูกต้อง"),
                                            ("since=2026-03-01&until=2026-02-01", "วันเริ่มต้นต้องไม่อยู่หลังวันสุดท้าย")])
def test_a_bad_period_is_answered_in_thai_and_exports_nothing(signed_in, staffed, query, message):
    admin = signed_in("admin")
    for suffix in ("", "&format=xlsx"):
        page = admin.get(f"/admin/reports/chats?{query}{suffix}")
        assert page.status_code == 400 and message in page.text
    with staffed.session() as s:
        assert s.scalars(select(AuditEntry).where(AuditEntry.action == "report_exported")).all() == []


def test_only_admins_and_executives_open_reports(signed_in):
    for role, status in (("finance", 403), ("cases", 403), ("counter", 403), ("executive", 200), ("admin", 200)):
        assert signed_in(role).get("/admin/reports/chats").status_code == status
