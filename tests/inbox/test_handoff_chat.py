"""The bot's side of the inbox through the real bot and the LINE emulator, with the
municipality's profile (and a LINE group for staff alerts): asking for a person,
office hours, the topic's unit, the bot keeping quiet, the hand-over after two texts
it could not understand, and a reply to a resident who blocked the OA."""
from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import yaml
from sqlalchemy import select

import nlu
from config.profile import load_profile
from models import migrate
from models.chat import ChatHandling, Conversation, LineUser, OutboxMessage
from modules.inbox.chat import channel_of
from services import inbox
from tests.conftest import Stack, _truncate, make_stack
from tests.inbox.test_inbox_rules import MUNICIPALITY, staff
from tests.scheduler.test_runner import wait_until

GROUP = "C" + uuid.uuid4().hex  # the staff's LINE group
MONDAY_10 = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)  # 10:00 in Bangkok: the office is open
SUNDAY_10 = datetime(2026, 3, 1, 3, 0, tzinfo=UTC)
HOURS = "วันจันทร์–ศุกร์ 08:30–16:30 น."
UNSURE = "ระบบยังไม่เข้าใจข้อความของคุณ จึงส่งต่อให้เจ้าหน้าที่แล้ว"


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def bot(request, tmp_path_factory) -> Iterator[Stack]:
    """One bot per database for the module, its profile the municipality's with a
    staff group; each test's residents are new LINE users."""
    profile = load_profile("municipality").model_dump(mode="json")
    profile["inbox"]["staff_group_id"] = GROUP
    path = tmp_path_factory.mktemp("profile") / "municipality-with-group.yml"
    path.write_text(yaml.safe_dump(profile, allow_unicode=True), encoding="utf-8")
    if request.param == "postgres":
        url = request.getfixturevalue("pg_url")
        _truncate(url)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('handoff') / 'test.db'}"
        migrate.upgrade(url)
    stack = make_stack(url, org_profile=str(path))
    yield stack
    stack.close()


def at(bot: Stack, moment: datetime) -> None:
    """The bot's clock from now on (the dispatcher hands its Services to every turn)."""
    bot.dispatcher.services = dataclasses.replace(bot.dispatcher.services, clock=lambda: moment)


def conversation(bot: Stack, user: str) -> tuple[Conversation, ChatHandling | None]:
    with bot.bot_app.assembly.services.db.session() as session:
        conv = session.scalars(select(Conversation).where(Conversation.line_user_id == user)).one()
        return conv, session.get(ChatHandling, conv.handling_id) if conv.handling_id else None


def alerts(bot: Stack, name: str) -> list[str]:
    """What the staff group was told about a resident."""
    texts = [m["text"] for d in bot.control("GET", "/deliveries")["deliveries"] if d["userId"] == GROUP
             for m in d["messages"]]
    return [t for t in texts if name in t]


def test_asking_for_a_person_in_office_hours(bot):
    at(bot, MONDAY_10)
    user = bot.new_user("ป้าแดง ในเวลา")
    answer = bot.say(user, "ขอคุยกับเจ้าหน้าที่ครับ")
    assert len(answer) == 1
    assert "รับเรื่องแล้วครับ" in answer[0]["text"] and f"(เวลาทำการ {HOURS})" in answer[0]["text"]
    assert "นอกเวลาทำการ" not in answer[0]["text"]
    conv, handling = conversation(bot, user)
    assert (conv.status, conv.mode, conv.unit, conv.assigned_staff_id) == ("new", "manual", None, None)
    assert handling is not None and (handling.reason, handling.status) == ("asked", "new")
    wait_until(lambda: alerts(bot, "ป้าแดง ในเวลา"))

    count = len(bot.messages(user))
    bot.send(user, {"type": "text", "text": "สอบถามเรื่องค่าเช่าแผงตลาดครับ"}, expect_answer=False)
    bot.send(user, {"type": "text", "text": "ขอคุยกับเจ้าหน้าที่อีกทีครับ"}, expect_answer=False)
    assert len(bot.messages(user)) == count  # staff have the chat: the bot keeps quiet
    emergency = bot.say(user, "ช่วยด้วย ไฟไหม้บ้าน")
    assert emergency and emergency[0]["type"] == "flex"  # except for an emergency

    assert alerts(bot, "ป้าแดง ในเวลา") == [
        "มีแชทรอเจ้าหน้าที่ (ขอคุยกับเจ้าหน้าที่): ป้าแดง ในเวลา · ยังไม่ระบุหน่วยงาน · “ขอคุยกับเจ้าหน้าที่ครับ”"
        " — เปิดดูได้ที่เมนูกล่องข้อความในระบบหลังบ้าน"]  # once per waiting chat
    with bot.bot_app.assembly.services.db.session() as session:
        # The group is no resident: no conversation of its own in the inbox.
        assert session.scalar(select(LineUser.id).where(LineUser.line_user_id == GROUP)) is None


def test_asking_out_of_office_hours(bot):
    at(bot, SUNDAY_10)
    user = bot.new_user("ลุงดำ วันอาทิตย์")
    answer = bot.say(user, "ขอคุยกับเจ้าหน้าที่")
    assert f"ขณะนี้อยู่นอกเวลาทำการ ({HOURS})" in answer[0]["text"]
    assert conversation(bot, user)[0].mode == "manual"


def test_a_request_about_a_topic_goes_to_the_unit_that_owns_it(bot):
    at(bot, MONDAY_10)
    assert channel_of(nlu.parse("ขอคุยกับเจ้าหน้าที่เรื่องภาษีขยะ")) == "tax_fee_notice"
    assert channel_of(nlu.parse("ขอคุยกับเจ้าหน้าที่")) is None
    user = bot.new_user("นายภาษี ขยะ")
    answer = bot.say(user, "ขอคุยกับเจ้าหน้าที่เรื่องภาษีขยะ")
    assert f"(เวลาทำการ {HOURS})" in answer[0]["text"]
    conv, handling = conversation(bot, user)
    assert (conv.unit, conv.channel, conv.topic) == ("finance", "tax_fee_notice", "ขอคุยกับเจ้าหน้าที่เรื่องภาษีขยะ")
    assert handling is not None and handling.unit == "finance"
    wait_until(lambda: alerts(bot, "นายภาษี ขยะ"))
    assert "กองคลัง" in alerts(bot, "นายภาษี ขยะ")[0]


def test_two_texts_in_a_row_the_bot_cannot_understand_go_to_a_person(bot):
    at(bot, MONDAY_10)
    user = bot.new_user("น้องฟ้า พิมพ์ผิด")
    assert UNSURE not in bot.say(user, "กขฃคฅ zzqx")[-1].get("text", "")
    assert bot.say(user, "สวัสดีครับ")  # understood: the count starts again
    assert UNSURE not in bot.say(user, "asdf qwer")[-1].get("text", "")
    assert bot.say(user, "เมนู")  # so does the menu
    assert UNSURE not in bot.say(user, "xyzzy plugh")[-1].get("text", "")
    assert conversation(bot, user)[0].mode == "auto"

    handed_over = bot.say(user, "ฟหกดเาสว่า")
    assert len(handed_over) == 1 and handed_over[0]["text"].startswith(f"ขออภัยครับ {UNSURE}ครับ")
    assert f"(เวลาทำการ {HOURS})" in handed_over[0]["text"]
    conv, handling = conversation(bot, user)
    assert (conv.status, conv.mode, conv.unit) == ("new", "manual", None)
    assert handling is not None and handling.reason == "not_understood"
    wait_until(lambda: alerts(bot, "น้องฟ้า พิมพ์ผิด"))
    assert alerts(bot, "น้องฟ้า พิมพ์ผิด")[0].startswith("มีแชทรอเจ้าหน้าที่ (ระบบตอบไม่ได้)")


def test_a_reply_to_a_resident_who_blocked_the_oa_shows_as_not_delivered(bot):
    at(bot, MONDAY_10)
    user = bot.new_user("คุณบล็อก แล้ว")
    bot.say(user, "ขอคุยกับเจ้าหน้าที่")
    services = bot.bot_app.assembly.services
    with services.db.session() as s, s.begin():
        officer = staff(s, f"admin{uuid.uuid4().hex[:8]}", "admin")
        chat = s.scalars(select(Conversation.id).where(Conversation.line_user_id == user)).one()
    bot.control("POST", "/faults", json={"endpoint": "push", "status": 403})  # what LINE says to a blocked OA
    with services.db.session() as s, s.begin():
        push = inbox.reply(s, officer, MUNICIPALITY, chat, [{"type": "text", "text": "เจ้าหน้าที่ตอบแล้วครับ"}],
                           nonce="blocked-1")
    services.sender.wake()
    bot.settle()
    bot.dispatcher.sweep()  # the job process's round: a refused push is not tried again

    with services.db.session() as s:
        row = s.get(OutboxMessage, push.id)
        assert (row.status, row.attempts) == ("failed", 1)
        assert "403" in (row.last_error or "")
        lines = inbox.chat_view(s, officer, MUNICIPALITY, chat).lines
    assert [(line.text, line.delivery, line.by) for line in lines if line.delivery != "sent"] == [
        ("เจ้าหน้าที่ตอบแล้วครับ", "failed", officer.display_name)]
    calls = [c for c in bot.control("GET", "/calls")["calls"] if c["retryKey"] == push.retry_key]
    assert [c["status"] for c in calls] == [403]
    assert all(m["message"].get("text") != "เจ้าหน้าที่ตอบแล้วครับ" for m in bot.messages(user))
