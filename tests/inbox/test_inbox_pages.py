"""The inbox's staff screens over HTTP, through the office as the bot mounts it
(the frame's login, CSRF and permission checks, the inbox module's pages, the
resident pages' picture route), on SQLite and PostgreSQL: the list pages, filters
and searches on the server; every action changes what the rules say and writes
its outbox row once; scope and role refusals answer 403 and are audited."""
from __future__ import annotations

import io
import re
import uuid
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import func, select

import web
from admin import init_admin
from bot.app import IdConverter
from config.profile import load_profile
from flows.texts import say
from models.base import utcnow
from models.chat import ChatMessage, Conversation, OutboxMessage, ResidentTag, StaffNote
from models.db import Database
from models.staff import AuditEntry
from modules.inbox import MODULE
from services import conversations, inbox
from services.billing.accounts import customer_by_code
from services.container import Services
from services.demo import DEMO_CUSTOMERS, seed_demo
from services.identity.linking import link_account
from services.messaging import outbox
from services.staff import create_staff
from tests.accounts.conftest import db  # noqa: F401  (the migrated databases of tests/conftest.py)
from thai.dates import BANGKOK

PASSWORD = "correct horse"
PROFILE = load_profile("municipality")
CODE = DEMO_CUSTOMERS["municipality"][0].code
# (username, display name, role, units)
STAFF = (
    ("somsri", "นางสมศรี นิติการ", "cases", ("legal",)),
    ("malee", "นางสาวมาลี การเงิน", "finance", ("finance",)),
    ("boss", "นายกเทศมนตรี", "executive", ("palad",)),
    ("desk", "เคาน์เตอร์", "counter", ()),
    ("root", "ผู้ดูแลระบบ", "admin", ()),
)


@pytest.fixture
def office(db, tmp_path: Path) -> SimpleNamespace:
    """The office as bot/app.py mounts it, on a database with the staff above."""
    services = Services.make(db, PROFILE, public_base_url="http://office.test",
                             secret_key="test-secret-key-0123456789", data_dir=tmp_path)
    app = Flask(__name__)
    app.config.update(SECRET_KEY=services.secret_key, MAX_CONTENT_LENGTH=1024 * 1024)  # the bot's default limit
    app.url_map.converters["id"] = IdConverter
    app.register_blueprint(web.blueprint(services))
    init_admin(app, services, list(MODULE.staff_pages), list(MODULE.tiles))
    ids = {}
    with db.session() as s, s.begin():
        for username, name, role, units in STAFF:
            ids[username] = create_staff(s, username=username, display_name=name, role=role, password=PASSWORD,
                                         units=units, known_units=[u.key for u in PROFILE.units]).id
    return SimpleNamespace(app=app, db=db, services=services, staff=ids, data_dir=tmp_path)


def _client(office, username: str) -> FlaskClient:
    client = office.app.test_client()
    page = client.get("/admin/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post("/admin/login", data={"csrf_token": token, "username": username,
                                             "password": PASSWORD}).status_code == 302
    return client


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _nonce(html: str, n: int = 0) -> str:
    return re.findall(r'name="nonce" value="([^"]+)"', html)[n]


def _waiting(db: Database, name: str, *, text: str = "สวัสดีค่ะ", channel: str | None = None,
             minutes_ago: int = 0) -> int:
    """A resident who wrote `text` and asked for a person about `channel`; their conversation id."""
    user = "U" + uuid.uuid4().hex
    at = utcnow() - timedelta(minutes=minutes_ago)
    with db.session() as s, s.begin():
        conversations.ensure_user(s, user, conversations.UserProfile(display_name=name))
        s.add(ChatMessage(line_user_id=user, direction="in", type="text", text=text, line_message_id=user[-12:],
                          payload={"type": "text", "id": user[-12:], "text": text}, created_at=at))
        conversations.stamp_conversations(s, [user], at=at)
        inbox.start_waiting(s, PROFILE, user, reason="asked", channel=channel, now=at)
        return conversations.conversation(s, user).id


def _post(client: FlaskClient, path: str, data: dict | None = None, **kw):
    page = client.get("/admin/inbox")
    return client.post(path, data={"csrf_token": _token(page.text), **(data or {})}, **kw)


def _flash(client: FlaskClient, answer) -> str:
    """The notice the page a redirect leads to shows."""
    assert answer.status_code == 303, answer.text
    page = client.get(urlsplit(answer.headers["Location"]).path).text
    return " ".join(re.findall(r'<p class="notice [a-z]+" role="status">([^<]+)</p>', page))


def _conv(db: Database, conversation_id: int) -> Conversation:
    with db.session() as s:
        return s.get(Conversation, conversation_id)


def _audit(db: Database, action: str) -> list[AuditEntry]:
    with db.session() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def _outbox(db: Database, conversation_id: int) -> list[OutboxMessage]:
    with db.session() as s:
        user = s.get(Conversation, conversation_id).line_user_id
        return list(s.scalars(select(OutboxMessage).where(OutboxMessage.line_user_id == user)
                              .order_by(OutboxMessage.id)))


def _names(html: str) -> list[str]:
    return re.findall(r'<strong class="name">([^<]*)</strong>', html)


# ---------------------------------------------------------------- the list

def test_the_list_pages_on_the_server_newest_first_with_counts_per_tab(office):
    for n in range(33):
        _waiting(office.db, f"ผู้ใช้ {n:02d}", minutes_ago=100 - n)
    admin = _client(office, "root")
    first = admin.get("/admin/inbox?view=waiting")
    assert first.status_code == 200
    assert _names(first.text)[:2] == ["ผู้ใช้ 32", "ผู้ใช้ 31"] and len(_names(first.text)) == 30
    assert "หน้า 1 จาก 2 · 33 แชท" in first.text
    assert re.search(r"รอเจ้าหน้าที่\s*<span class=\"n\">33</span>", first.text)
    second = admin.get("/admin/inbox?view=waiting&page=2")
    assert _names(second.text) == ["ผู้ใช้ 02", "ผู้ใช้ 01", "ผู้ใช้ 00"]
    # The live fragment is the same rows, without the frame.
    rows = admin.get("/admin/inbox/rows?view=waiting&page=2")
    assert _names(rows.text) == _names(second.text) and "<html" not in rows.text
    assert re.search(r'data-version="[0-9.]+"', rows.text)
    # A page past the end shows the last one, and nonsense arguments the defaults.
    assert _names(admin.get("/admin/inbox?view=waiting&page=99").text) == _names(second.text)
    assert admin.get("/admin/inbox?view=%3Cx%3E&unit=nowhere&status=zzz&page=-1").status_code == 200


def test_search_and_filters_find_by_name_text_tag_note_and_customer_code(office):
    with office.db.session() as s, s.begin():
        seed_demo(s, PROFILE, today=utcnow().astimezone(BANGKOK).date())
    pipe = _waiting(office.db, "สมชาย ท่อแตก", text="ท่อประปาหน้าบ้านแตกค่ะ")
    tax = _waiting(office.db, "มาลัย ภาษี", text="สอบถามภาษีป้าย", channel="tax_fee_notice")
    with office.db.session() as s, s.begin():
        tax_user = s.get(Conversation, tax).line_user_id
        s.add(ResidentTag(line_user_id=tax_user, tag="ผู้สูงอายุ"))
        s.add(StaffNote(line_user_id=tax_user, staff_id=office.staff["root"], kind="note", text="โทรกลับช่วงบ่าย"))
        link_account(s, tax_user, customer_by_code(s, CODE).id, consent_version="e-notice-1", now=utcnow())
    admin = _client(office, "root")

    def found(query: str) -> list[str]:
        return _names(admin.get(f"/admin/inbox?view=all&{query}").text)

    assert found("q=ท่อประปา") == ["สมชาย ท่อแตก"]
    assert found("q=สมชาย") == ["สมชาย ท่อแตก"]
    assert found("q=ผู้สูงอายุ") == ["มาลัย ภาษี"]
    assert found("q=โทรกลับ") == ["มาลัย ภาษี"]
    assert found(f"q={CODE}") == ["มาลัย ภาษี"]
    side = admin.get(f"/admin/inbox/{tax}").text  # the linked account and its open bills beside the chat
    assert CODE in side and "ค้าง" in side and "บาท" in side
    assert found("unit=finance") == ["มาลัย ภาษี"]  # tax notices belong to กองคลัง
    assert found("status=new") == ["มาลัย ภาษี", "สมชาย ท่อแตก"]
    assert found("status=done") == []
    assert "ไม่พบแชทที่ตรงกับการค้นหา" in admin.get("/admin/inbox?view=all&q=ไม่มีคำนี้").text
    assert pipe != tax


def test_each_officer_sees_their_units_chats_and_the_unsorted_ones(office):
    _waiting(office.db, "เรื่องภาษี", channel="tax_fee_notice")  # กองคลัง
    _waiting(office.db, "ร้องเรียนถนน", channel="complaint")  # งานนิติการ owns complaints
    _waiting(office.db, "ไม่ระบุเรื่อง")  # unsorted: every officer sees it
    assert sorted(_names(_client(office, "malee").get("/admin/inbox?view=all").text)) == ["เรื่องภาษี", "ไม่ระบุเรื่อง"]
    assert sorted(_names(_client(office, "somsri").get("/admin/inbox?view=all").text)) == ["ร้องเรียนถนน",
                                                                                          "ไม่ระบุเรื่อง"]
    unit = _client(office, "malee").get("/admin/inbox?view=unit").text
    assert _names(unit) == ["เรื่องภาษี"]


def test_a_display_name_and_text_with_markup_are_shown_as_text(office):
    hostile = "<img src=x onerror=alert(1)>"
    chat_id = _waiting(office.db, hostile, text="<script>alert('x')</script>")
    admin = _client(office, "root")
    for html in (admin.get("/admin/inbox").text, admin.get(f"/admin/inbox/{chat_id}").text,
                 admin.get(f"/admin/inbox/{chat_id}/transcript").text):
        assert "<img src=x" not in html and "<script>alert" not in html
        assert "&lt;img src=x onerror=alert(1)&gt;" in html


# ---------------------------------------------------------------- one chat and its actions

def test_take_reply_status_mode_and_done_change_the_chat_and_tell_the_resident(office):
    chat_id = _waiting(office.db, "สมศักดิ์ ถามภาษี", channel="tax_fee_notice")
    malee = _client(office, "malee")
    page = malee.get(f"/admin/inbox/{chat_id}").text
    assert "รับเรื่อง" in page and "ข้อความสำเร็จรูป" in page and "เรื่องร้องเรียน/คำร้อง: ยังไม่มีในระบบ" in page

    told = _flash(malee, _post(malee, f"/admin/inbox/{chat_id}/take"))
    assert "รับเรื่องแล้ว" in told
    conv = _conv(office.db, chat_id)
    assert (conv.status, conv.mode, conv.assigned_staff_id) == ("in_progress", "manual", office.staff["malee"])

    page = malee.get(f"/admin/inbox/{chat_id}").text
    answer = malee.post(f"/admin/inbox/{chat_id}/reply", data={
        "csrf_token": _token(page), "nonce": _nonce(page), "text": "สวัสดีค่ะ กองคลังรับเรื่องแล้วค่ะ"})
    assert _flash(malee, answer) == "ส่งข้อความถึงผู้ใช้แล้ว"
    pushes = _outbox(office.db, chat_id)
    assert [p.messages for p in pushes] == [[{"type": "text", "text": "สวัสดีค่ะ กองคลังรับเรื่องแล้วค่ะ"}]]
    assert pushes[0].staff_id == office.staff["malee"] and pushes[0].reason == "staff"
    # Not sent yet (no bot here): the transcript shows it as being sent, by whom.
    transcript = malee.get(f"/admin/inbox/{chat_id}/transcript").text
    assert "กองคลังรับเรื่องแล้วค่ะ" in transcript and "กำลังส่ง" in transcript and "นางสาวมาลี การเงิน" in transcript

    canned = PROFILE.unit("finance").canned[0]
    page = malee.get(f"/admin/inbox/{chat_id}").text
    assert _flash(malee, malee.post(f"/admin/inbox/{chat_id}/reply", data={
        "csrf_token": _token(page), "nonce": _nonce(page, 1), "text": canned})) == "ส่งข้อความถึงผู้ใช้แล้ว"
    assert _outbox(office.db, chat_id)[-1].messages == [{"type": "text", "text": canned}]

    assert "ดำเนินการแล้ว" in _flash(malee, _post(malee, f"/admin/inbox/{chat_id}/status", {"status": "resolved"}))
    assert _conv(office.db, chat_id).status == "resolved"
    _flash(malee, _post(malee, f"/admin/inbox/{chat_id}/mode", {"mode": "auto"}))
    assert _conv(office.db, chat_id).mode == "auto"
    _flash(malee, _post(malee, f"/admin/inbox/{chat_id}/mode", {"mode": "manual"}))
    assert _conv(office.db, chat_id).mode == "manual"

    done = _flash(malee, _post(malee, f"/admin/inbox/{chat_id}/status", {"status": "done"}))
    assert "เสร็จสิ้นแล้ว" in done
    conv = _conv(office.db, chat_id)
    assert (conv.status, conv.mode, conv.handling_id) == ("done", "auto", None)
    assert _outbox(office.db, chat_id)[-1].messages == [{"type": "text", "text": say("chat_done", PROFILE)}]
    assert [len(_audit(office.db, a)) for a in ("chat_taken", "chat_reply", "chat_status", "chat_mode",
                                                 "chat_done")] == [1, 2, 1, 2, 1]


def test_a_reply_posted_twice_with_the_same_nonce_is_sent_once(office):
    chat_id = _waiting(office.db, "คนกดสองครั้ง")
    admin = _client(office, "root")
    page = admin.get(f"/admin/inbox/{chat_id}").text
    form = {"csrf_token": _token(page), "nonce": _nonce(page), "text": "ได้รับเรื่องแล้วครับ"}
    assert admin.post(f"/admin/inbox/{chat_id}/reply", data=form).status_code == 303
    assert admin.post(f"/admin/inbox/{chat_id}/reply", data=form).status_code == 303
    assert len(_outbox(office.db, chat_id)) == 1
    # A new page is a new nonce: a second message on purpose is sent.
    page = admin.get(f"/admin/inbox/{chat_id}").text
    admin.post(f"/admin/inbox/{chat_id}/reply", data={**form, "nonce": _nonce(page)})
    assert len(_outbox(office.db, chat_id)) == 2


def test_a_reply_line_refused_is_shown_as_not_delivered(office):
    chat_id = _waiting(office.db, "ผู้ใช้ที่บล็อกบัญชี")
    admin = _client(office, "root")
    page = admin.get(f"/admin/inbox/{chat_id}").text
    admin.post(f"/admin/inbox/{chat_id}/reply", data={"csrf_token": _token(page), "nonce": _nonce(page),
                                                      "text": "ยังอยู่ไหมครับ"})
    with office.db.session() as s, s.begin():  # as the sender records LINE's 403 for a blocked OA
        outbox.mark_failed(s, _outbox(office.db, chat_id)[0].id, "403 Forbidden", permanent=True)
    transcript = admin.get(f"/admin/inbox/{chat_id}/transcript").text
    assert "ยังอยู่ไหมครับ" in transcript and "ส่งไม่สำเร็จ — ผู้ใช้อาจบล็อกบัญชี LINE" in transcript
    assert "กำลังส่ง" not in transcript


def test_bad_replies_are_refused_politely_and_send_nothing(office):
    chat_id = _waiting(office.db, "ผู้ใช้ทดสอบ")
    admin = _client(office, "root")
    page = admin.get(f"/admin/inbox/{chat_id}").text
    base = {"csrf_token": _token(page), "nonce": _nonce(page)}
    assert "กรุณาพิมพ์ข้อความหรือเลือกรูปภาพ" in _flash(admin, admin.post(f"/admin/inbox/{chat_id}/reply",
                                                                          data={**base, "text": "   "}))
    assert "ยาวไม่เกิน 2,000" in _flash(admin, admin.post(f"/admin/inbox/{chat_id}/reply",
                                                          data={**base, "text": "ก" * 2001}))
    assert "แบบฟอร์มไม่ครบ" in _flash(admin, admin.post(f"/admin/inbox/{chat_id}/reply",
                                                       data={"csrf_token": base["csrf_token"], "text": "สวัสดี"}))
    assert "กรุณาเลือกสถานะ" in _flash(admin, _post(admin, f"/admin/inbox/{chat_id}/status", {"status": "new"}))
    assert "กรุณาเลือกโหมด" in _flash(admin, _post(admin, f"/admin/inbox/{chat_id}/mode", {"mode": "x"}))
    assert _outbox(office.db, chat_id) == [] and _audit(office.db, "chat_reply") == []
    assert _post(admin, "/admin/inbox/999999/take").status_code == 303  # flashed, then the page says not found
    assert admin.get("/admin/inbox/999999").status_code == 404


def _png(size: tuple[int, int] = (640, 480)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (30, 120, 200)).save(out, format="PNG")
    return out.getvalue()


def test_a_picture_reply_is_re_encoded_and_served_at_a_signed_link(office):
    chat_id = _waiting(office.db, "คนขอรูป")
    admin = _client(office, "root")
    page = admin.get(f"/admin/inbox/{chat_id}").text
    answer = admin.post(f"/admin/inbox/{chat_id}/reply", content_type="multipart/form-data", data={
        "csrf_token": _token(page), "nonce": _nonce(page), "text": "แผนที่จุดบริการค่ะ",
        "picture": (io.BytesIO(_png()), "map.png", "image/png")})
    assert _flash(admin, answer) == "ส่งข้อความถึงผู้ใช้แล้ว"
    text, image = _outbox(office.db, chat_id)[0].messages
    assert text == {"type": "text", "text": "แผนที่จุดบริการค่ะ"} and image["type"] == "image"
    original = urlsplit(image["originalContentUrl"])
    assert original.netloc == "office.test" and original.path.startswith("/web/staff-pictures/")
    served = office.app.test_client().get(f"{original.path}?{original.query}")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert Image.open(io.BytesIO(served.data)).format == "JPEG"
    preview = urlsplit(image["previewImageUrl"])
    assert office.app.test_client().get(f"{preview.path}?{preview.query}").status_code == 200
    # The link is signed: another name, or no signature, gets nothing.
    assert office.app.test_client().get(original.path).status_code == 403
    assert office.app.test_client().get(f"{original.path[:-5]}x.jpg?{original.query}").status_code == 403


def test_a_picture_reply_loses_its_exif_and_is_turned_upright(office):
    chat_id = _waiting(office.db, "คนขอรูปจากมือถือ")
    exif = Image.Exif()
    exif[0x0112] = 6  # taken with the phone on its side
    exif[0x010F] = "PhoneMaker"
    photo = io.BytesIO()
    Image.new("RGB", (400, 300), (10, 160, 90)).save(photo, format="JPEG", exif=exif)
    admin = _client(office, "root")
    page = admin.get(f"/admin/inbox/{chat_id}").text
    admin.post(f"/admin/inbox/{chat_id}/reply", content_type="multipart/form-data", data={
        "csrf_token": _token(page), "nonce": _nonce(page), "picture": (io.BytesIO(photo.getvalue()), "a.jpg", "")})
    [image] = _outbox(office.db, chat_id)[0].messages
    link = urlsplit(image["originalContentUrl"])
    sent = Image.open(io.BytesIO(office.app.test_client().get(f"{link.path}?{link.query}").data))
    assert sent.size == (300, 400) and dict(sent.getexif()) == {}


def test_a_picture_upload_refuses_other_files_and_too_big_ones_in_thai(office):
    chat_id = _waiting(office.db, "ผู้ใช้ส่งไฟล์")
    admin = _client(office, "root")

    def upload(content: bytes, name: str, mimetype: str) -> str:
        page = admin.get(f"/admin/inbox/{chat_id}").text
        return _flash(admin, admin.post(f"/admin/inbox/{chat_id}/reply", content_type="multipart/form-data", data={
            "csrf_token": _token(page), "nonce": _nonce(page), "picture": (io.BytesIO(content), name, mimetype)}))

    assert "เฉพาะรูปภาพ JPEG หรือ PNG" in upload(b"%PDF-1.4 not a picture", "bill.png", "image/png")
    assert "เฉพาะรูปภาพ JPEG หรือ PNG" in upload(b"GIF89a" + b"\0" * 100, "cat.gif", "image/gif")
    assert "ไฟล์อาจเสียหาย" in upload(b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "broken.png", "image/png")
    big = _png((64, 64)) + b"\0" * (inbox.MAX_PICTURE_BYTES + 1)
    assert "ใหญ่เกิน 10 MB" in upload(big, "huge.png", "image/png")
    huger = b"\xff\xd8\xff" + b"\0" * (inbox.MAX_PICTURE_BYTES + 2 * 1024 * 1024)  # past the form's limit too
    assert "ใหญ่เกิน 10 MB" in upload(huger, "huge.jpg", "image/jpeg")
    assert _outbox(office.db, chat_id) == []
    assert not (office.data_dir / inbox.STAFF_MEDIA).exists()


def test_someone_elses_chat_is_taken_over_only_deliberately(office):
    chat_id = _waiting(office.db, "เรื่องที่ถูกรับไปแล้ว")
    _flash(_client(office, "somsri"), _post(_client(office, "somsri"), f"/admin/inbox/{chat_id}/take"))
    admin = _client(office, "root")
    page = admin.get(f"/admin/inbox/{chat_id}").text
    assert "นางสมศรี นิติการ รับเรื่องนี้อยู่" in page and "รับเรื่องต่อ" in page
    told = _flash(admin, _post(admin, f"/admin/inbox/{chat_id}/take"))
    assert "นางสมศรี นิติการ รับเรื่องนี้ไปแล้ว" in told
    assert _conv(office.db, chat_id).assigned_staff_id == office.staff["somsri"]
    _flash(admin, _post(admin, f"/admin/inbox/{chat_id}/take", {"take_over": "1"}))
    assert _conv(office.db, chat_id).assigned_staff_id == office.staff["root"]
    assert len(_audit(office.db, "chat_taken_over")) == 1


def test_forward_to_a_unit_and_to_a_person_with_a_note(office):
    chat_id = _waiting(office.db, "เรื่องถนนชำรุด")
    admin = _client(office, "root")
    page = admin.get(f"/admin/inbox/{chat_id}").text
    assert 'value="unit:engineering"' in page and f'value="staff:{office.staff["malee"]}"' in page
    answer = _post(admin, f"/admin/inbox/{chat_id}/forward", {"to": "unit:engineering", "note": "ถนนหน้าวัดชำรุด"})
    assert answer.headers["Location"].endswith("/admin/inbox?view=all")
    assert _flash(admin, answer) == "ส่งต่อแชทแล้ว"
    conv = _conv(office.db, chat_id)
    assert (conv.unit, conv.status, conv.assigned_staff_id) == ("engineering", "new", None)
    assert "ส่งต่อถึง กองช่าง: ถนนหน้าวัดชำรุด" in admin.get(f"/admin/inbox/{chat_id}").text

    _post(admin, f"/admin/inbox/{chat_id}/forward", {"to": f"staff:{office.staff['malee']}", "note": "ช่วยดูยอดค้าง"})
    assert _conv(office.db, chat_id).assigned_staff_id == office.staff["malee"]
    assert "กรุณาเลือกหน่วยงานหรือเจ้าหน้าที่" in _flash(admin, _post(admin, f"/admin/inbox/{chat_id}/forward",
                                                                     {"to": "nowhere"}))
    assert "ไม่พบหน่วยงานนี้" in _flash(admin, _post(admin, f"/admin/inbox/{chat_id}/forward", {"to": "unit:mars"}))
    assert len(_audit(office.db, "chat_forwarded")) == 2


def test_notes_and_tags_are_added_and_removed(office):
    chat_id = _waiting(office.db, "ผู้ใช้มีบันทึก")
    admin = _client(office, "root")
    assert _flash(admin, _post(admin, f"/admin/inbox/{chat_id}/note", {"kind": "note", "text": "<b>โทรกลับ</b>"})) \
        == "บันทึกบันทึกแล้ว"
    assert "&lt;b&gt;โทรกลับ&lt;/b&gt;" in admin.get(f"/admin/inbox/{chat_id}").text
    _flash(admin, _post(admin, f"/admin/inbox/{chat_id}/tag", {"tag": "  ผู้สูงอายุ  ", "present": "1"}))
    with office.db.session() as s:
        assert s.scalars(select(ResidentTag.tag)).all() == ["ผู้สูงอายุ"]
    assert "ผู้สูงอายุ" in admin.get(f"/admin/inbox/{chat_id}/transcript").text
    _flash(admin, _post(admin, f"/admin/inbox/{chat_id}/tag", {"tag": "ผู้สูงอายุ", "present": "0"}))
    with office.db.session() as s:
        assert s.scalar(select(func.count()).select_from(ResidentTag)) == 0
    assert "กรุณาพิมพ์ป้ายกำกับ" in _flash(admin, _post(admin, f"/admin/inbox/{chat_id}/tag", {"tag": " "}))
    assert "กรุณาพิมพ์ข้อความบันทึก" in _flash(admin, _post(admin, f"/admin/inbox/{chat_id}/note", {"text": ""}))
    assert [len(_audit(office.db, a)) for a in ("note_added", "tag_added", "tag_removed")] == [1, 1, 1]


def test_the_version_changes_when_a_message_arrives(office):
    chat_id = _waiting(office.db, "ผู้ใช้คุยต่อ")
    admin = _client(office, "root")
    before = admin.get(f"/admin/inbox/version?chat={chat_id}").get_json()["version"]
    assert admin.get(f"/admin/inbox/version?chat={chat_id}").get_json()["version"] == before
    _waiting(office.db, "ผู้ใช้อีกคน")
    assert admin.get(f"/admin/inbox/version?chat={chat_id}").get_json()["version"] != before
    assert admin.get("/admin/inbox/version?chat=abc").status_code == 200


def test_a_resident_picture_that_line_cannot_give_shows_a_thai_placeholder(office):
    chat_id = _waiting(office.db, "ผู้ใช้ส่งรูป")
    with office.db.session() as s, s.begin():
        user = s.get(Conversation, chat_id).line_user_id
        s.add(ChatMessage(line_user_id=user, direction="in", type="image", payload={"type": "image", "id": "555"},
                          line_message_id="555"))
    admin = _client(office, "root")
    assert f'src="/admin/inbox/{chat_id}/content/555"' in admin.get(f"/admin/inbox/{chat_id}").text
    picture = admin.get(f"/admin/inbox/{chat_id}/content/555")  # no LINE channel here: the fetch fails
    assert picture.status_code == 200 and picture.mimetype == "image/svg+xml" and "โหลดรูปภาพไม่ได้" in picture.text
    assert admin.get(f"/admin/inbox/{chat_id}/content/556").status_code == 404  # not this chat's picture
    other = _waiting(office.db, "อีกแชท")
    assert admin.get(f"/admin/inbox/{other}/content/555").status_code == 404


# ---------------------------------------------------------------- who may do what

def test_an_action_outside_the_staff_members_units_is_refused_and_audited(office):
    tax = _waiting(office.db, "เรื่องภาษีของกองคลัง", channel="tax_fee_notice")
    somsri = _client(office, "somsri")  # งานนิติการ: not กองคลัง's chats
    assert somsri.get(f"/admin/inbox/{tax}").status_code == 403
    page = somsri.get("/admin/inbox").text
    for action, data in (("take", {}), ("reply", {"nonce": "n1", "text": "สวัสดี"}), ("status", {"status": "done"}),
                         ("mode", {"mode": "auto"}), ("forward", {"to": "unit:legal"}),
                         ("note", {"text": "x"}), ("tag", {"tag": "x"})):
        answer = somsri.post(f"/admin/inbox/{tax}/{action}", data={"csrf_token": _token(page), **data})
        assert answer.status_code == 403 and "ไม่มีสิทธิ์" in answer.text, action
    assert somsri.get(f"/admin/inbox/{tax}/content/1").status_code == 403
    refused = _audit(office.db, "forbidden")
    assert len(refused) == 9 and {r.record_id for r in refused} == {str(tax)}
    assert {r.staff_id for r in refused} == {office.staff["somsri"]}
    conv = _conv(office.db, tax)
    assert (conv.status, conv.mode, conv.assigned_staff_id) == ("new", "manual", None)
    assert _outbox(office.db, tax) == []


def test_a_counter_user_gets_403_on_the_inbox(office):
    chat_id = _waiting(office.db, "ผู้ใช้")
    desk = _client(office, "desk")
    for path in ("/admin/inbox", "/admin/inbox/rows", "/admin/inbox/version", f"/admin/inbox/{chat_id}",
                 f"/admin/inbox/{chat_id}/transcript"):
        assert desk.get(path).status_code == 403, path
    assert "กล่องข้อความ" not in re.search(r'<nav class="side"[^>]*>(.*?)</nav>', desk.get("/admin/inbox").text, re.S).group(1)


def test_an_executive_reads_and_remarks_but_cannot_take_or_reply(office):
    chat_id = _waiting(office.db, "ร้องเรียนถึงนายก", channel="complaint")  # งานนิติการ, inside สำนักปลัด
    boss = _client(office, "boss")
    assert _names(boss.get("/admin/inbox?view=all").text) == ["ร้องเรียนถึงนายก"]
    page = boss.get(f"/admin/inbox/{chat_id}").text
    assert "ความเห็น / ข้อสั่งการ" in page and "อ่านอย่างเดียว" in page
    assert 'name="nonce"' not in page and "/take" not in page and "ส่งต่อถึง" not in page
    assert _flash(boss, _post(boss, f"/admin/inbox/{chat_id}/note", {"kind": "order", "text": "ให้กองช่างไปดูภายในวันนี้"})) \
        == "บันทึกข้อสั่งการแล้ว"
    assert "ให้กองช่างไปดูภายในวันนี้" in boss.get(f"/admin/inbox/{chat_id}").text
    for action, data in (("take", {}), ("reply", {"nonce": "n1", "text": "สวัสดี"}), ("note", {"text": "บันทึก"})):
        assert _post(boss, f"/admin/inbox/{chat_id}/{action}", data).status_code == 403, action
    assert len(_audit(office.db, "forbidden")) == 3 and len(_audit(office.db, "remark_added")) == 1
    assert _outbox(office.db, chat_id) == []
