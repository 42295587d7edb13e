"""The live chat inbox (SPEC §4.9, seed 003 S3-7): a resident who asks for a person,
or whom the bot could not understand twice, waits for staff; staff take the chat,
answer it from the back office and hand it back to the bot. Every organisation has it.

Its parts: the resident's side (`chat`), the staff screens (`pages`), the rules in
services/inbox.py, and the job that returns idle manual chats to the bot."""
from __future__ import annotations

from datetime import timedelta

from admin.pages import Tile
from modules.descriptor import MenuEntry, Module
from modules.inbox import chat, pages
from scheduler.jobs import Job
from services import inbox
from services.container import Services
from services.staff import StaffIdentity


def release_idle(services: Services) -> int:
    with services.db.session() as session, session.begin():
        return len(inbox.release_idle(session, services.profile, now=services.clock()))


def waiting(services: Services, viewer: StaffIdentity) -> int:
    with services.db.session() as session:
        return int(inbox.counts(session, viewer, services.profile)["waiting"])


MODULE = Module(
    key="inbox",
    title="กล่องข้อความและติดต่อเจ้าหน้าที่",
    intents={"talk_to_staff": chat.talk_to_staff},
    escalate=chat.not_understood_twice,
    menu=(MenuEntry("talk_to_staff", "ติดต่อเจ้าหน้าที่", position=1000),),
    jobs=(Job("idle_manual_chats", timedelta(minutes=1), release_idle),),
    staff_pages=(pages.PAGES,),
    tiles=(Tile("แชทรอเจ้าหน้าที่", "inbox", waiting, "admin.inbox.chats", {"view": "waiting"}),),
)
