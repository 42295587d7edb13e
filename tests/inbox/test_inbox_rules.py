"""The inbox's rules (services/inbox.py) on SQLite and PostgreSQL, with the
municipality's units: who sees which chat, answering, finishing, forwarding, the
figures, and manual chats left idle going back to the bot."""
from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Collection, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

import modules
from config.profile import OrgProfile, bundled_profiles, load_profile
from models.base import as_utc
from models.chat import ChatHandling, ChatMessage, Conversation, OutboxMessage, StaffNote
from models.db import Database
from models.staff import AuditEntry
from services import conversations, inbox
from services.container import Services
from services.staff import StaffIdentity, create_staff
from tests.scheduler.test_runner import running, wait_until

MUNICIPALITY = load_profile("municipality")
TENANT = load_profile("tenant")  # no units; returns idle manual chats to the bot (the default)
T0 = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)  # a Monday, 10:00 in Bangkok
PASSWORD = "ทดสอบรหัสผ่าน-2569"


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.engine.dispose()


def staff(session, username: str, role: str, units: Collection[str] = (), *,
          profile: OrgProfile = MUNICIPALITY) -> StaffIdentity:
    return create_staff(session, username=username, display_name=f"คุณ{username}", role=role, password=PASSWORD,
                        units=units, known_units=[u.key for u in profile.units])


def resident(session, name: str = "ป้าแดง", *, text: str = "สวัสดีค่ะ", at: datetime = T0) -> str:
    """A LINE user who has written to the OA once."""
    user = f"U{uuid.uuid4().hex}"
    conversations.ensure_user(session, user, conversations.UserProfile(display_name=name))
    session.add(ChatMessage(line_user_id=user, direction="in", type="text", text=text,
                            payload={"type": "text", "text": text}, created_at=at))
    conversations.stamp_conversations(session, [user], at=at)
    return user


def waiting_chat(session, *, profile: OrgProfile = MUNICIPALITY, channel: str | None = None,
                 name: str = "ป้าแดง", at: datetime = T0) -> int:
    """A resident who asked for a person (about `channel`, when given)."""
    user = resident(session, name, text="ขอคุยกับเจ้าหน้าที่", at=at)
    inbox.start_waiting(session, profile, user, reason="asked", channel=channel, topic="ขอคุยกับเจ้าหน้าที่", now=at)
    return conversation_of(session, user).id


def conversation_of(session, user: str) -> Conversation:
    return session.scalars(select(Conversation).where(Conversation.line_user_id == user)).one()


def audit_rows(session, action: str) -> list[AuditEntry]:
    return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


# -- who sees which chat ----------------------------------------------------------
def test_each_staff_member_sees_the_chats_of_their_units(db):
    with db.session() as s, s.begin():
        admin = staff(s, "admin1", "admin")
        engineer = staff(s, "eng1", "cases", ["engineering"])
        treasurer = staff(s, "fin1", "finance", ["finance"])
        lawyer = staff(s, "legal1", "cases", ["legal"])
        clerk = staff(s, "palad1", "cases", ["palad"])  # the division above งานนิติการ
        mayor = staff(s, "mayor1", "executive", ["palad"])
        counter = staff(s, "counter1", "counter")
        newcomer = staff(s, "new1", "cases")  # no unit yet
        chats = {
            "engineering": waiting_chat(s, name="ช่าง"),
            "tax": waiting_chat(s, channel="tax_fee_notice", name="ภาษี"),  # กองคลัง owns it
            "unsorted": waiting_chat(s, name="ยังไม่คัดแยก"),
            "complaint_at_engineering": waiting_chat(s, channel="complaint", name="ร้องเรียนถนน"),
            "petition": waiting_chat(s, channel="petition", name="คำร้อง"),
            "finance_for_engineer": waiting_chat(s, name="ส่งให้ช่าง"),
            "welfare": waiting_chat(s, channel="welfare", name="สวัสดิการ"),
        }
        # Sorted on by staff: a complaint about a road sent to กองช่าง stays งานนิติการ's
        # to see (the channel is theirs); a กองคลัง chat given to the engineer by name.
        for key, unit in (("engineering", "engineering"), ("complaint_at_engineering", "engineering")):
            s.get(Conversation, chats[key]).unit = unit
        s.get(Conversation, chats["finance_for_engineer"]).unit = "finance"
        s.get(Conversation, chats["finance_for_engineer"]).assigned_staff_id = engineer.id
    legal_sees = {"unsorted", "complaint_at_engineering", "petition"}
    expected = {
        admin: set(chats),
        engineer: {"engineering", "unsorted", "complaint_at_engineering", "finance_for_engineer"},
        treasurer: {"tax", "unsorted", "finance_for_engineer"},
        lawyer: legal_sees,
        clerk: legal_sees,
        mayor: legal_sees,
        counter: set(),
        newcomer: {"unsorted"},
    }
    with db.session() as s:
        for viewer, names in expected.items():
            listed = inbox.chat_list(s, viewer, MUNICIPALITY, view="all")
            assert {row.id for row in listed.rows} == {chats[n] for n in names}, viewer.username
            assert listed.counts["all"] == len(names)
        # "หน่วยงานของฉัน": the unit's chats and its channels', not the unsorted ones.
        mine = inbox.chat_list(s, lawyer, MUNICIPALITY, view="unit")
        assert {row.id for row in mine.rows} == {chats["complaint_at_engineering"], chats["petition"]}
        assert inbox.chat_view(s, engineer, MUNICIPALITY, chats["engineering"]).unit_name == "กองช่าง"
        assert inbox.chat_view(s, lawyer, MUNICIPALITY, chats["petition"]).unit_name \
            == "งานนิติการ (สำนักปลัดเทศบาล)"
        for viewer, chat in ((engineer, "tax"), (treasurer, "petition"), (lawyer, "welfare"), (counter, "unsorted")):
            with pytest.raises(inbox.OutOfScope, match="^แชทนี้อยู่นอกหน่วยงานของคุณ$"):
                inbox.chat_view(s, viewer, MUNICIPALITY, chats[chat])
        assert inbox.counts(s, counter, MUNICIPALITY)["waiting"] == 0
        assert inbox.counts(s, admin, MUNICIPALITY)["waiting"] == len(chats)


def test_an_executive_reads_and_remarks_but_does_not_answer(db):
    with db.session() as s, s.begin():
        mayor = staff(s, "mayor1", "executive", ["palad"])
        counter = staff(s, "counter1", "counter")
        petition = waiting_chat(s, channel="petition")
    with db.session() as s, s.begin():
        assert inbox.chat_view(s, mayor, MUNICIPALITY, petition).status == "new"
        inbox.add_note(s, mayor, MUNICIPALITY, petition, "order", "ให้งานนิติการตอบภายในวันนี้")
    attempts = [
        lambda s, who: inbox.take(s, who, MUNICIPALITY, petition),
        lambda s, who: inbox.reply(s, who, MUNICIPALITY, petition, [{"type": "text", "text": "สวัสดีครับ"}],
                                   nonce="n1"),
        lambda s, who: inbox.set_status(s, who, MUNICIPALITY, petition, "done"),
        lambda s, who: inbox.forward(s, who, MUNICIPALITY, petition, unit="finance"),
        lambda s, who: inbox.add_note(s, who, MUNICIPALITY, petition, "note", "บันทึก"),
    ]
    for who in (mayor, counter):
        for attempt in attempts:
            with db.session() as s, pytest.raises(inbox.OutOfScope, match=f"^บทบาท{who.role_name}ไม่มีสิทธิ์"), \
                    s.begin():
                attempt(s, who)
    with db.session() as s:
        conv = s.get(Conversation, petition)
        assert (conv.status, conv.mode, conv.assigned_staff_id) == ("new", "manual", None)
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == 0
        assert [n.kind for n in s.scalars(select(StaffNote))] == ["order"]
        assert [r.detail for r in audit_rows(s, "remark_added")] == ["ข้อสั่งการ: ให้งานนิติการตอบภายในวันนี้"]


def test_the_live_marker_changes_with_what_a_page_shows(db):
    with db.session() as s, s.begin():
        officer = staff(s, "fin1", "finance", ["finance"])
        chat = waiting_chat(s, channel="tax_fee_notice")
    with db.session() as s:
        before = inbox.version(s)
        assert inbox.version(s) == before
    with db.session() as s, s.begin():
        inbox.take(s, officer, MUNICIPALITY, chat)
    with db.session() as s:
        taken = inbox.version(s)
        assert taken != before
    # The job returning an idle chat to the bot writes an audit row: the marker moves too.
    municipality_returning = MUNICIPALITY.model_copy(update={"inbox": MUNICIPALITY.inbox.model_copy(
        update={"return_to_ai_when_idle": True})})
    with db.session() as s, s.begin():
        released = inbox.release_idle(s, municipality_returning, now=datetime.now(UTC) + timedelta(hours=5))
    assert released
    with db.session() as s:
        assert inbox.version(s) != taken
        assert [r.detail for r in audit_rows(s, "chat_idle_returned")] == ["ไม่มีเจ้าหน้าที่ตอบภายใน 4 ชั่วโมง"]


def test_search_finds_names_and_words_and_takes_wildcards_as_typed(db):
    with db.session() as s, s.begin():
        admin = staff(s, "admin1", "admin")
        rent = waiting_chat(s, name="สมชาย 100%")
        other = waiting_chat(s, name="สมหญิง")
    with db.session() as s:
        def found(query: str) -> set[int]:
            return {row.id for row in inbox.chat_list(s, admin, MUNICIPALITY, view="all", query=query).rows}
        assert found("สมชาย") == {rent}
        assert found("100%") == {rent}
        assert found("%") == {rent}  # a percent sign, not "anything"
        assert found("สม_") == set()
        assert found("เจ้าหน้าที่") == {rent, other}  # what they wrote


# -- answering --------------------------------------------------------------------
def test_a_reply_is_one_push_per_form_and_starts_the_handling(db):
    with db.session() as s, s.begin():
        officer = staff(s, "fin1", "finance", ["finance"])
        chat = waiting_chat(s, channel="tax_fee_notice")
    first = T0 + timedelta(minutes=2)
    for _ in range(2):  # the same form twice: a double click
        with db.session() as s, s.begin():
            inbox.reply(s, officer, MUNICIPALITY, chat, [{"type": "text", "text": "สวัสดีครับ กองคลังรับเรื่องแล้ว"}],
                        nonce="form-1", now=first)
    with db.session() as s, s.begin():
        inbox.reply(s, officer, MUNICIPALITY, chat, [{"type": "text", "text": "ขอเลขที่ใบแจ้งหนี้ด้วยครับ"}],
                    nonce="form-2", now=first + timedelta(minutes=3))
    with db.session() as s:
        conv = s.get(Conversation, chat)
        pushes = list(s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        handling = s.get(ChatHandling, conv.handling_id)
        assert [(p.reason, p.staff_id, p.line_user_id, p.messages[0]["text"]) for p in pushes] == [
            ("staff", officer.id, conv.line_user_id, "สวัสดีครับ กองคลังรับเรื่องแล้ว"),
            ("staff", officer.id, conv.line_user_id, "ขอเลขที่ใบแจ้งหนี้ด้วยครับ")]
        assert (conv.status, conv.mode, conv.assigned_staff_id) == ("in_progress", "manual", officer.id)
        assert (handling.status, handling.first_response_by) == ("in_progress", officer.id)
        assert as_utc(handling.first_response_at) == first  # set once, by the first reply
        replies = audit_rows(s, "chat_reply")
        assert [r.detail for r in replies] == ["สวัสดีครับ กองคลังรับเรื่องแล้ว", "ขอเลขที่ใบแจ้งหนี้ด้วยครับ"]
        assert replies[0].before == {"status": "new", "assigned_staff_id": None}
        assert replies[0].after == {"status": "in_progress", "assigned_staff_id": officer.id}
        assert replies[0].record_id == str(chat)


@pytest.mark.parametrize(("messages", "nonce", "problem"), [
    ([], "n", "กรุณาพิมพ์ข้อความ"),
    ([{"type": "text", "text": "   "}], "n", "ต้องไม่ว่าง"),
    ([{"type": "text", "text": "ก" * 2001}], "n", "ยาวไม่เกิน 2,000"),
    ([{"type": "text", "text": "สวัสดีครับ"}], " ", "โหลดหน้านี้ใหม่"),
])
def test_a_reply_that_cannot_go_says_why_and_leaves_nothing(db, messages, nonce, problem):
    with db.session() as s, s.begin():
        officer = staff(s, "fin1", "finance", ["finance"])
        chat = waiting_chat(s, channel="tax_fee_notice")
    with db.session() as s, pytest.raises(inbox.InboxError, match=problem), s.begin():
        inbox.reply(s, officer, MUNICIPALITY, chat, messages, nonce=nonce)
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == 0
        assert not audit_rows(s, "chat_reply")
        assert s.get(Conversation, chat).status == "new"


def test_done_hands_the_chat_back_to_the_bot_and_says_goodbye_once(db):
    with db.session() as s, s.begin():
        officer = staff(s, "fin1", "finance", ["finance"])
        chat = waiting_chat(s, channel="tax_fee_notice")
    goodbye = [{"type": "text", "text": "เจ้าหน้าที่ดำเนินการเรื่องของคุณเสร็จสิ้นแล้วครับ"}]
    with db.session() as s, s.begin():
        inbox.take(s, officer, MUNICIPALITY, chat, now=T0 + timedelta(minutes=1))
    for _ in range(2):  # a second click finds it finished
        with db.session() as s, s.begin():
            inbox.set_status(s, officer, MUNICIPALITY, chat, "done", goodbye=goodbye, now=T0 + timedelta(minutes=9))
    with db.session() as s:
        conv = s.get(Conversation, chat)
        handlings = list(s.scalars(select(ChatHandling)))
        assert (conv.status, conv.mode, conv.handling_id, conv.manual_since) == ("done", "auto", None, None)
        assert [(h.status, h.closed_by, as_utc(h.closed_at)) for h in handlings] == [
            ("done", officer.id, T0 + timedelta(minutes=9))]
        told = list(s.scalars(select(OutboxMessage)))
        assert [(p.reason, p.messages) for p in told] == [("staff_done", goodbye)]
        assert len(audit_rows(s, "chat_done")) == 1
        admin = staff(s, "admin1", "admin")
        assert inbox.counts(s, admin, MUNICIPALITY)["per_status"]["done"] == 1
        assert [row.id for row in inbox.chat_list(s, admin, MUNICIPALITY, view="all", status="done").rows] == [chat]


def test_staff_writing_to_a_finished_chat_open_it_again(db):
    with db.session() as s, s.begin():
        officer = staff(s, "fin1", "finance", ["finance"])
        chat = waiting_chat(s, channel="tax_fee_notice")
        inbox.set_status(s, officer, MUNICIPALITY, chat, "done")
    with db.session() as s, s.begin():
        inbox.reply(s, officer, MUNICIPALITY, chat, [{"type": "text", "text": "ขอแจ้งเพิ่มเติมครับ"}], nonce="later")
    with db.session() as s:
        conv = s.get(Conversation, chat)
        assert (conv.status, conv.mode) == ("in_progress", "manual")  # in "mine", not lost as done
        assert s.get(ChatHandling, conv.handling_id).reason == "staff"
        assert [row.id for row in inbox.chat_list(s, officer, MUNICIPALITY, view="mine").rows] == [chat]


def test_taking_a_finished_chat_is_no_take_over(db):
    with db.session() as s, s.begin():
        first, second = staff(s, "fin1", "finance", ["finance"]), staff(s, "fin2", "finance", ["finance"])
        chat = waiting_chat(s, channel="tax_fee_notice")
        inbox.take(s, first, MUNICIPALITY, chat)
        inbox.set_status(s, first, MUNICIPALITY, chat, "done")
    with db.session() as s, s.begin():
        inbox.take(s, second, MUNICIPALITY, chat)
    with db.session() as s:
        assert [r.username for r in audit_rows(s, "chat_taken")] == ["fin1", "fin2"]
        assert not audit_rows(s, "chat_taken_over")


# -- forwarding ---------------------------------------------------------------------
def test_forwarding_to_a_unit_or_a_person(db):
    with db.session() as s, s.begin():
        treasurer = staff(s, "fin1", "finance", ["finance"])
        engineer = staff(s, "eng1", "cases", ["engineering"])
        colleague = staff(s, "eng2", "cases", ["engineering"])
        counter = staff(s, "counter1", "counter")
        chat = waiting_chat(s, name="ถนนพัง")
    with db.session() as s, s.begin():
        inbox.forward(s, treasurer, MUNICIPALITY, chat, unit="engineering", note="เรื่องถนน ไม่ใช่กองคลัง")
    with db.session() as s:
        conv = s.get(Conversation, chat)
        assert (conv.unit, conv.status, conv.assigned_staff_id) == ("engineering", "new", None)
        assert [row.id for row in inbox.chat_list(s, engineer, MUNICIPALITY, view="waiting").rows] == [chat]
        with pytest.raises(inbox.OutOfScope):
            inbox.chat_view(s, treasurer, MUNICIPALITY, chat)  # sorted away from กองคลัง
        assert [n[1:] for n in inbox.chat_view(s, engineer, MUNICIPALITY, chat).notes] == [
            ("ส่งต่อ", "คุณfin1", "ส่งต่อถึง กองช่าง: เรื่องถนน ไม่ใช่กองคลัง")]
        assert audit_rows(s, "chat_forwarded")[0].after == {"unit": "engineering"}
    with db.session() as s, s.begin():
        inbox.forward(s, engineer, MUNICIPALITY, chat, staff_id=colleague.id)
    with db.session() as s:
        assert s.get(Conversation, chat).assigned_staff_id == colleague.id
        assert [row.id for row in inbox.chat_list(s, colleague, MUNICIPALITY, view="mine").rows] == [chat]
    for wrong, problem in (({"staff_id": counter.id}, "ไม่มีสิทธิ์ตอบแชท"), ({"unit": "nowhere"}, "ไม่พบหน่วยงาน"),
                           ({}, "กรุณาเลือก"), ({"unit": "finance", "staff_id": colleague.id}, "กรุณาเลือก")):
        with db.session() as s, pytest.raises(inbox.InboxError, match=problem), s.begin():
            inbox.forward(s, engineer, MUNICIPALITY, chat, **wrong)
    with db.session() as s:
        assert s.get(Conversation, chat).assigned_staff_id == colleague.id
        assert len(audit_rows(s, "chat_forwarded")) == 2


def test_forwarding_to_a_division_officer_keeps_the_section(db):
    with db.session() as s, s.begin():
        admin = staff(s, "admin1", "admin")
        clerk = staff(s, "palad1", "cases", ["palad"])
        chat = waiting_chat(s, channel="petition")  # งานนิติการ, inside สำนักปลัด
    with db.session() as s, s.begin():
        inbox.forward(s, admin, MUNICIPALITY, chat, staff_id=clerk.id)
    with db.session() as s:
        assert s.get(Conversation, chat).unit == "legal"


# -- figures ------------------------------------------------------------------------
def test_figures_and_the_report_read_the_handlings(db):
    first_responses = [1, 2, 3, 4, 10]  # minutes from waiting to the first answer
    to_done = [10, 20, 30, 40, 100]  # minutes from waiting to เสร็จสิ้น
    with db.session() as s, s.begin():
        officer = staff(s, "fin1", "finance", ["finance"])
        for n, (answer, done) in enumerate(zip(first_responses, to_done, strict=True)):
            opened = T0 + timedelta(hours=n)
            chat = waiting_chat(s, channel="tax_fee_notice", name=f"ผู้ชำระภาษี {n}", at=opened)
            inbox.take(s, officer, MUNICIPALITY, chat, now=opened + timedelta(seconds=30))
            inbox.reply(s, officer, MUNICIPALITY, chat, [{"type": "text", "text": "รับเรื่องแล้วครับ"}],
                        nonce=f"n{n}", now=opened + timedelta(minutes=answer))
            inbox.set_status(s, officer, MUNICIPALITY, chat, "done", now=opened + timedelta(minutes=done))
        waiting_chat(s, name="ยังรออยู่", at=T0 + timedelta(hours=1))
        waiting_chat(s, name="เมื่อวาน", at=T0 - timedelta(days=1))  # outside the period
    with db.session() as s:
        by_unit, by_staff = inbox.figures(s, MUNICIPALITY, since=T0, until=T0 + timedelta(days=1))
        report = inbox.report(s, MUNICIPALITY, since=T0, until=T0 + timedelta(days=1))
        only_finance = inbox.figures(s, MUNICIPALITY, since=T0, until=T0 + timedelta(days=1), units=["finance"])
    minutes = timedelta(minutes=1)
    finance = inbox.Figures("กองคลัง", 5, 3 * minutes, 10 * minutes, 30 * minutes, 100 * minutes)
    # Units in the profile's order, the chats not sorted yet last.
    assert by_unit == [finance, inbox.Figures("ยังไม่ระบุหน่วยงาน", 1, None, None, None, None)]
    assert by_staff == [dataclasses.replace(finance, name="คุณfin1")]
    assert only_finance == ([finance], by_staff)
    none = dict.fromkeys(inbox.STATUS_NAMES, 0)
    assert report == [("กองคลัง", {**none, "done": 5}), ("ยังไม่ระบุหน่วยงาน", {**none, "new": 1})]


# -- idle manual chats ----------------------------------------------------------------
def test_an_idle_manual_chat_returns_to_the_bot_keeping_its_status(db):
    hours = TENANT.inbox.manual_idle_hours
    with db.session() as s, s.begin():
        officer = staff(s, "staff1", "admin", profile=TENANT)
        untouched = waiting_chat(s, profile=TENANT, name="ไม่มีใครรับ")
        answered = waiting_chat(s, profile=TENANT, name="ตอบแล้ว")
        inbox.reply(s, officer, TENANT, answered, [{"type": "text", "text": "กำลังตรวจสอบให้ครับ"}], nonce="a",
                    now=T0 + timedelta(hours=3))
    with db.session() as s, s.begin():
        assert inbox.release_idle(s, TENANT, now=T0 + timedelta(hours=hours) - timedelta(minutes=1)) == []
    with db.session() as s, s.begin():
        released = inbox.release_idle(s, TENANT, now=T0 + timedelta(hours=hours, minutes=1))
    with db.session() as s:
        assert released == [s.get(Conversation, untouched).line_user_id]
        assert [(c.mode, c.status) for c in (s.get(Conversation, untouched), s.get(Conversation, answered))] == [
            ("auto", "new"), ("manual", "in_progress")]
        assert s.get(Conversation, untouched).handling_id is not None  # still waiting in the list
        assert [row.id for row in inbox.chat_list(s, officer, TENANT, view="waiting").rows] == [untouched]
    with db.session() as s, s.begin():
        inbox.release_idle(s, TENANT, now=T0 + timedelta(hours=3 + hours, minutes=1))
    with db.session() as s:
        assert (s.get(Conversation, answered).mode, s.get(Conversation, answered).status) == ("auto", "in_progress")


def test_a_staff_message_of_an_earlier_handling_does_not_count(db):
    with db.session() as s, s.begin():
        officer = staff(s, "staff1", "admin", profile=TENANT)
        chat = waiting_chat(s, profile=TENANT, at=T0 - timedelta(days=10))
        inbox.reply(s, officer, TENANT, chat, [{"type": "text", "text": "สวัสดีครับ"}], nonce="old",
                    now=T0 - timedelta(days=10))
        inbox.set_status(s, officer, TENANT, chat, "done", now=T0 - timedelta(days=10))
        inbox.start_waiting(s, TENANT, s.get(Conversation, chat).line_user_id, reason="asked", now=T0)
    with db.session() as s, s.begin():
        assert inbox.release_idle(s, TENANT, now=T0 + timedelta(hours=1)) == []


def test_the_municipality_keeps_manual_chats_until_done(db):
    with db.session() as s, s.begin():
        chat = waiting_chat(s)
    with db.session() as s, s.begin():
        assert inbox.release_idle(s, MUNICIPALITY, now=T0 + timedelta(days=30)) == []
    with db.session() as s:
        assert s.get(Conversation, chat).mode == "manual"


@pytest.mark.parametrize("name", bundled_profiles())
def test_every_organisation_runs_the_idle_job(name):
    jobs = [job.name for module in modules.enabled(load_profile(name)) for job in module.jobs]
    assert "idle_manual_chats" in jobs


def test_the_job_process_returns_idle_chats(db):
    with db.session() as s, s.begin():
        chat = waiting_chat(s, profile=TENANT)
    services = dataclasses.replace(
        Services.make(db, TENANT, public_base_url="http://127.0.0.1", secret_key="k" * 32),
        clock=lambda: T0 + timedelta(hours=TENANT.inbox.manual_idle_hours, minutes=1))
    jobs = [job for module in modules.enabled(TENANT) for job in module.jobs if job.name == "idle_manual_chats"]

    def released() -> bool:
        with db.session() as s:
            return s.get(Conversation, chat).mode == "auto"

    with running(services, jobs):
        wait_until(released)
