"""The live chat inbox (SPEC §4.9, seed 003 S3-7): which chats a staff member sees,
taking, answering, forwarding and finishing them, and what the bot does meanwhile.

A chat has two controls, as the seed's staff know them: its status (ใหม่ →
ดำเนินการ / เลิกดำเนินการ / ดำเนินการแล้ว → เสร็จสิ้น) and its mode (แมนนวล: staff
answer and the bot keeps quiet, emergencies aside; or ข้อความตอบกลับอัตโนมัติโดย AI).
"รับเรื่อง" sets both at once; "เสร็จสิ้น" returns the chat to the bot. Each time a
chat is with staff is a handling (models.chat.ChatHandling): when it started to
wait, was taken, first answered and closed. The figures and reports read those.

Who sees what: an admin sees every chat; anyone else with the inbox permission
sees the chats of their units (a division also its sections'), every chat of a
channel their unit owns (งานนิติการ: complaints), the chats assigned to them, and
every chat not sorted to a unit yet. Every action checks it; an action on a chat
outside it raises `OutOfScope` (the caller audits it and answers 403).

Every change is written with its audit row and, where the resident is told
something, its outbox row, in one transaction; the caller wakes the sender after
the commit.
"""
from __future__ import annotations

import hashlib
import io
import re
import statistics
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps
from sqlalchemy import and_, exists, false, func, or_, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from config.profile import OrgProfile
from models.accounts import AccountLink, Customer
from models.base import as_utc, utcnow
from models.chat import ChatHandling, ChatMessage, Conversation, LineUser, OutboxMessage, ResidentTag, StaffNote
from models.staff import AuditEntry, StaffUnit, StaffUser
from services import audit, conversations
from services.billing.documents import write_atomically
from services.messaging import outbox
from services.payments.slip_reader import MAX_PIXELS, MAX_SIDE, picture_format
from services.staff import PERMISSIONS, StaffIdentity, names_of

STATUS_NAMES = {"new": "ใหม่", "in_progress": "ดำเนินการ", "paused": "เลิกดำเนินการ",
                "resolved": "ดำเนินการแล้ว", "done": "เสร็จสิ้น"}
# The status control offers these (ใหม่ is where a waiting chat starts, not a choice).
STATUS_CHOICES = ("in_progress", "paused", "resolved", "done")
MODE_NAMES = {"manual": "แมนนวล", "auto": "ข้อความตอบกลับอัตโนมัติโดย AI"}
FILTERS = {"waiting": "รอเจ้าหน้าที่", "mine": "ของฉัน", "unit": "หน่วยงานของฉัน", "all": "ทั้งหมด"}
REASON_NAMES = {"asked": "ขอคุยกับเจ้าหน้าที่", "not_understood": "ระบบตอบไม่ได้", "staff": "เจ้าหน้าที่เปิดเรื่อง"}
NOTE_KINDS = {"note": "บันทึก", "remark": "ความเห็น", "order": "ข้อสั่งการ", "forward": "ส่งต่อ"}
PER_PAGE = 30
UNSORTED = "none"  # the list's unit filter for chats not sorted to a unit yet
MAX_REPLY_CHARS = 2000  # well inside LINE's 5,000 for a text message
MAX_TAG_CHARS = 40


class InboxError(ValueError):
    """The action cannot be done as asked; the message is Thai, for the staff member."""


class OutOfScope(InboxError):
    """The chat is not in the staff member's units, or their role may not do this
    (`role`: the role's Thai name)."""

    def __init__(self, what: str = "แชทนี้", *, role: str | None = None) -> None:
        super().__init__(f"บทบาท{role}ไม่มีสิทธิ์ทำรายการนี้" if role else f"{what}อยู่นอกหน่วยงานของคุณ")


class AlreadyTaken(InboxError):
    def __init__(self, holder: str) -> None:
        super().__init__(f"{holder} รับเรื่องนี้ไปแล้ว หากต้องการรับต่อ กรุณากด \"รับเรื่องต่อ\"")
        self.holder = holder


# -- who sees what ------------------------------------------------------------
def units_below(profile: OrgProfile, units: Iterable[str]) -> set[str]:
    """The units with their sections (a division's staff see what its sections see)."""
    return set().union(*(profile.unit_and_below(u) for u in units))


def my_units(viewer: StaffIdentity, profile: OrgProfile) -> set[str]:
    return units_below(profile, viewer.units)


def _of_my_units(viewer: StaffIdentity, profile: OrgProfile) -> ColumnElement[bool]:
    """Chats of the viewer's units, and every chat of a channel those units own
    (งานนิติการ: every complaint, whichever unit it was sent on to)."""
    units = my_units(viewer, profile)
    channels = [i for u in profile.units if u.key in units for i in u.intents]
    return or_(Conversation.unit.in_(units) if units else false(),
               Conversation.channel.in_(channels) if channels else false())


def _scope(viewer: StaffIdentity, profile: OrgProfile) -> ColumnElement[bool]:
    if not viewer.may("inbox"):
        return false()
    if viewer.all_units or not profile.units:
        return true()
    return or_(Conversation.unit.is_(None), _of_my_units(viewer, profile), Conversation.assigned_staff_id == viewer.id)


def unit_name(profile: OrgProfile, key: str | None) -> str:
    unit = profile.unit(key)
    if unit is None:
        return "ยังไม่ระบุหน่วยงาน"
    parent = profile.unit(unit.parent)
    return f"{unit.name} ({parent.name})" if parent else unit.name


# -- the list -----------------------------------------------------------------
class _Controls:
    """The Thai names of a chat's two controls, for the list and the chat alike."""

    status: str
    mode: str

    @property
    def status_name(self) -> str:
        return STATUS_NAMES[self.status]

    @property
    def mode_name(self) -> str:
        return MODE_NAMES[self.mode]


@dataclass(frozen=True)
class ChatRow(_Controls):
    id: int
    line_user_id: str
    display_name: str
    picture_url: str | None
    accounts: tuple[str, ...]
    last_text: str
    last_direction: str
    last_at: datetime | None
    unit: str | None
    unit_name: str
    status: str
    mode: str
    assigned: str | None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class ChatList:
    rows: list[ChatRow]
    total: int
    page: int
    pages: int
    counts: dict[str, int]  # per filter, for the tabs


def _filter(name: str, viewer: StaffIdentity, profile: OrgProfile) -> ColumnElement[bool]:
    if name == "waiting":
        return and_(Conversation.status == "new", Conversation.handling_id.is_not(None))
    if name == "mine":
        return and_(Conversation.assigned_staff_id == viewer.id, Conversation.status != "done")
    if name == "unit":
        return _of_my_units(viewer, profile)
    return or_(Conversation.last_message_at.is_not(None), Conversation.handling_id.is_not(None))


def _status_is(status: str) -> ColumnElement[bool]:
    """A conversation starts as เสร็จสิ้น without staff ever having seen it; the
    chats staff finished are those done that had a handling."""
    if status != "done":
        return Conversation.status == status
    return and_(Conversation.status == "done",
                exists().where(ChatHandling.line_user_id == Conversation.line_user_id))


def _search(text: str) -> ColumnElement[bool]:
    # What staff type is looked for as it is: % and _ are not wildcards here.
    like = "%" + re.sub(r"([/%_])", r"/\1", text.strip()) + "%"
    user = Conversation.line_user_id

    def matches(column: Any) -> ColumnElement[bool]:
        return column.ilike(like, escape="/")

    def any_of(*where: ColumnElement[bool]) -> ColumnElement[bool]:
        # Correlated on the conversation alone: the list's query joins line_users too,
        # which would otherwise be taken out of the display-name subquery.
        return exists().where(*where).correlate(Conversation)

    return or_(
        any_of(LineUser.line_user_id == user, matches(LineUser.display_name)),
        any_of(ChatMessage.line_user_id == user, matches(ChatMessage.text)),
        any_of(ResidentTag.line_user_id == user, matches(ResidentTag.tag)),
        any_of(StaffNote.line_user_id == user, matches(StaffNote.text)),
        any_of(AccountLink.line_user_id == user, AccountLink.customer_id == Customer.id,
               or_(matches(Customer.code), matches(Customer.name))),
    )


def chat_list(session: Session, viewer: StaffIdentity, profile: OrgProfile, *, view: str = "waiting",
              query: str = "", unit: str | None = None, status: str | None = None, page: int = 1) -> ChatList:
    """A page of the chats this staff member sees, newest activity first."""
    view = view if view in FILTERS else "waiting"
    scope = [_scope(viewer, profile)]
    if query.strip():
        scope.append(_search(query[:100]))
    if unit:
        scope.append(Conversation.unit.is_(None) if unit == UNSORTED else Conversation.unit == unit)
    if status in STATUS_NAMES:
        scope.append(_status_is(status))
    counts = {name: session.scalar(select(func.count()).select_from(Conversation)
                                   .where(*scope, _filter(name, viewer, profile))) or 0 for name in FILTERS}
    total = counts[view]
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(1, page), pages)
    convs = session.execute(
        select(Conversation, LineUser.display_name, LineUser.picture_url)
        .join(LineUser, LineUser.line_user_id == Conversation.line_user_id)
        .where(*scope, _filter(view, viewer, profile))
        .order_by(Conversation.last_message_at.desc().nulls_last(), Conversation.id.desc())
        .offset((page - 1) * PER_PAGE).limit(PER_PAGE)).all()
    users = [c.line_user_id for c, _, _ in convs]
    last = _last_messages(session, users)
    accounts = _accounts(session, users)
    tags = _tags(session, users)
    names = names_of(session, [c.assigned_staff_id for c, _, _ in convs if c.assigned_staff_id])
    rows = []
    for conv, display_name, picture in convs:
        text, direction = last.get(conv.line_user_id, ("", "in"))
        rows.append(ChatRow(conv.id, conv.line_user_id, display_name or "ผู้ใช้ LINE", picture,
                            tuple(accounts.get(conv.line_user_id, ())), text, direction,
                            as_utc(conv.last_message_at) if conv.last_message_at else None, conv.unit,
                            unit_name(profile, conv.unit), conv.status, conv.mode,
                            names.get(conv.assigned_staff_id) if conv.assigned_staff_id else None,
                            tuple(tags.get(conv.line_user_id, ()))))
    return ChatList(rows, total, page, pages, counts)


def _last_messages(session: Session, users: Sequence[str]) -> dict[str, tuple[str, str]]:
    if not users:
        return {}
    newest = (select(func.max(ChatMessage.id)).where(ChatMessage.line_user_id.in_(users))
              .group_by(ChatMessage.line_user_id))
    rows = session.execute(select(ChatMessage.line_user_id, ChatMessage.direction, ChatMessage.payload,
                                  ChatMessage.unsent).where(ChatMessage.id.in_(newest)))
    return {user: (summary(payload, unsent=unsent), direction) for user, direction, payload, unsent in rows}


def _accounts(session: Session, users: Sequence[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    if users:
        for user, code in session.execute(select(AccountLink.line_user_id, Customer.code)
                                          .join(Customer, Customer.id == AccountLink.customer_id)
                                          .where(AccountLink.line_user_id.in_(users)).order_by(Customer.code)):
            found.setdefault(user, []).append(code)
    return found


def _tags(session: Session, users: Sequence[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    if users:
        for user, tag in session.execute(select(ResidentTag.line_user_id, ResidentTag.tag)
                                         .where(ResidentTag.line_user_id.in_(users)).order_by(ResidentTag.tag)):
            found.setdefault(user, []).append(tag)
    return found


def version(session: Session) -> str:
    """Changes whenever anything an inbox page shows may have: a message in or out,
    a staff action or an idle chat returning to the bot (each writes an audit row), a
    chat starting to wait, a push failing. Cheap enough to ask every few seconds:
    each part is an index lookup. One for every page: it says nothing of any chat."""
    parts = [
        session.scalar(select(func.max(ChatMessage.id))),
        session.scalar(select(func.max(AuditEntry.id))),
        session.scalar(select(func.max(ChatHandling.id))),
        session.scalar(select(func.max(OutboxMessage.id))),
        session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "failed")),
    ]
    return ".".join(str(p or 0) for p in parts)


# -- one chat -----------------------------------------------------------------
def _conversation(session: Session, viewer: StaffIdentity, profile: OrgProfile, conversation_id: int, *,
                  lock: bool = False) -> Conversation:
    query = select(Conversation).where(Conversation.id == conversation_id)
    if lock:
        # Two staff pressing รับเรื่อง together: the second waits here, then sees the
        # first's (read again from the row, not from what this session held before).
        query = query.with_for_update().execution_options(populate_existing=True)
    conv = session.scalars(query).one_or_none()
    if conv is None:
        raise InboxError("ไม่พบแชทนี้")
    visible = session.scalar(select(Conversation.id).where(Conversation.id == conversation_id,
                                                           _scope(viewer, profile)))
    if visible is None:
        raise OutOfScope()
    return conv


@dataclass(frozen=True)
class Line:
    """One message of a transcript as staff read it: what the resident saw."""

    id: str
    at: datetime
    direction: str  # in / out
    kind: str  # text, image, sticker, location, card, file, other
    text: str = ""
    lines: tuple[str, ...] = ()  # a card's title and key lines, or buttons offered
    image_id: str | None = None  # a resident's picture, fetched from LINE by the office
    image_url: str | None = None  # a picture we sent
    location: tuple[str, float, float] | None = None  # (address, latitude, longitude)
    by: str | None = None  # "ระบบตอบอัตโนมัติ" or the staff member's name
    delivery: str = "sent"  # sent / pending / failed
    unsent: bool = False


@dataclass(frozen=True)
class ChatView(_Controls):
    id: int
    line_user_id: str
    display_name: str
    picture_url: str | None
    following: bool
    status: str
    mode: str
    unit: str | None
    unit_name: str
    channel: str | None
    topic: str | None
    assigned_id: int | None
    assigned: str | None
    waiting_since: datetime | None
    reason: str | None
    lines: list[Line]
    notes: list[tuple[datetime, str, str, str]]  # (when, kind name, by, text)
    tags: tuple[str, ...]
    accounts: list[tuple[str, str]]  # (code, name)
    canned: list[str] = field(default_factory=list)


def chat_view(session: Session, viewer: StaffIdentity, profile: OrgProfile, conversation_id: int, *,
              limit: int = 200) -> ChatView:
    conv = _conversation(session, viewer, profile, conversation_id)
    user = session.scalars(select(LineUser).where(LineUser.line_user_id == conv.line_user_id)).one()
    handling = session.get(ChatHandling, conv.handling_id) if conv.handling_id else None
    notes = session.execute(select(StaffNote, StaffUser.display_name)
                            .join(StaffUser, StaffUser.id == StaffNote.staff_id)
                            .where(StaffNote.line_user_id == conv.line_user_id)
                            .order_by(StaffNote.created_at)).all()
    accounts = [(code, name) for code, name in session.execute(
        select(Customer.code, Customer.name).join(AccountLink, AccountLink.customer_id == Customer.id)
        .where(AccountLink.line_user_id == conv.line_user_id).order_by(Customer.code))]
    unit = profile.unit(conv.unit)
    return ChatView(
        id=conv.id, line_user_id=conv.line_user_id, display_name=user.display_name or "ผู้ใช้ LINE",
        picture_url=user.picture_url, following=user.is_following, status=conv.status, mode=conv.mode,
        unit=conv.unit, unit_name=unit_name(profile, conv.unit), channel=conv.channel, topic=conv.topic,
        assigned_id=conv.assigned_staff_id,
        assigned=names_of(session, [conv.assigned_staff_id]).get(conv.assigned_staff_id)
        if conv.assigned_staff_id else None,
        waiting_since=as_utc(handling.opened_at) if handling else None,
        reason=handling.reason if handling else None,
        lines=transcript(session, conv.line_user_id, limit=limit),
        notes=[(as_utc(n.created_at), NOTE_KINDS[n.kind], name, n.text) for n, name in notes],
        tags=tuple(_tags(session, [conv.line_user_id]).get(conv.line_user_id, ())),
        accounts=accounts,
        canned=[*(unit.canned if unit else []), *profile.inbox.canned],
    )


def transcript(session: Session, line_user_id: str, *, limit: int = 200) -> list[Line]:
    """The newest `limit` messages in order, with the staff replies still being
    sent or that LINE refused (a resident who blocked the OA) at their place."""
    rows = conversations.transcript(session, line_user_id, limit=limit)
    staff_by_key = dict(session.execute(
        select(OutboxMessage.retry_key, StaffUser.display_name).join(StaffUser, StaffUser.id == OutboxMessage.staff_id)
        .where(OutboxMessage.line_user_id == line_user_id, OutboxMessage.retry_key.in_(
            [r.retry_key for r in rows if r.retry_key]))).tuples().all()) if rows else {}
    lines = [_line(str(r.id), as_utc(r.created_at), r.direction, r.payload, unsent=r.unsent,
                   by=staff_by_key.get(r.retry_key or "") or ("ระบบตอบอัตโนมัติ" if r.direction == "out" else None))
             for r in rows]
    unsent = (select(OutboxMessage, StaffUser.display_name).join(StaffUser, StaffUser.id == OutboxMessage.staff_id)
              .where(OutboxMessage.line_user_id == line_user_id, OutboxMessage.status != "sent")
              .order_by(OutboxMessage.id))
    if len(rows) == limit:  # the transcript is cut: older refused replies are cut with it
        unsent = unsent.where(OutboxMessage.created_at >= rows[0].created_at)
    waiting = session.execute(unsent).all()
    for push, name in waiting:
        for n, message in enumerate(push.messages):
            lines.append(_line(f"o{push.id}.{n}", as_utc(push.created_at), "out", message, by=name,
                               delivery="failed" if push.status == "failed" else "pending"))
    return sorted(lines, key=lambda line: line.at)


def _line(ident: str, at: datetime, direction: str, message: dict[str, Any], *, by: str | None = None,
          delivery: str = "sent", unsent: bool = False) -> Line:
    base: dict[str, Any] = {"id": ident, "at": at, "direction": direction, "by": by, "delivery": delivery,
                            "unsent": unsent}
    kind = message.get("type")
    replies = tuple(f"ปุ่ม: {item['action'].get('label', '')}" for item in
                    (message.get("quickReply") or {}).get("items", []) if isinstance(item, dict)
                    and isinstance(item.get("action"), dict))
    if unsent:
        return Line(kind="other", text="(ผู้ใช้ยกเลิกข้อความนี้)", **base)
    if kind == "text":
        return Line(kind="text", text=str(message.get("text", "")), lines=replies, **base)
    if kind == "sticker":
        return Line(kind="sticker", text="สติกเกอร์", **base)
    if kind == "image":
        if direction == "in":
            return Line(kind="image", text="รูปภาพ", image_id=str(message.get("id", "")), **base)
        return Line(kind="image", text="รูปภาพ", image_url=message.get("previewImageUrl"), **base)
    if kind == "location":
        try:
            where = (str(message.get("address") or message.get("title") or "ตำแหน่งที่ตั้ง"),
                     float(message.get("latitude", 0)), float(message.get("longitude", 0)))
        except (TypeError, ValueError):
            where = ("ตำแหน่งที่ตั้ง", 0.0, 0.0)
        return Line(kind="location", text="ตำแหน่งที่ตั้ง", location=where, **base)
    if kind in ("flex", "template", "imagemap"):
        return Line(kind="card", text=str(message.get("altText", "การ์ดข้อความ")),
                    lines=tuple(card_lines(message)) + replies, **base)
    if kind in ("file", "video", "audio"):
        names = {"file": "ไฟล์", "video": "วิดีโอ", "audio": "ข้อความเสียง"}
        return Line(kind="file", text=f"{names[kind]} {message.get('fileName', '')}".strip(), **base)
    return Line(kind="other", text="ข้อความชนิดอื่น", **base)


def card_lines(message: dict[str, Any], *, limit: int = 12) -> list[str]:
    """The texts of a Flex card or a template, in reading order, and its buttons:
    what the resident read, without the layout."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for child in node:
                walk(child)
            return
        if not isinstance(node, dict):
            return
        if node.get("type") == "text" and node.get("text"):
            found.append(str(node["text"]))
        for key in ("title", "text"):  # a template's (buttons, confirm, carousel column)
            if node.get("type") != "text" and isinstance(node.get(key), str) and node[key]:
                found.append(node[key])
        action = node.get("action") if node.get("type") == "button" else node if "label" in node \
            and node.get("type") in ("uri", "postback", "message") else None
        if isinstance(action, dict) and action.get("label"):
            found.append(f"ปุ่ม: {action['label']}")
        for key in ("header", "hero", "body", "footer", "contents", "template", "columns", "actions"):
            if key in node and not isinstance(node[key], str):
                walk(node[key])

    walk(message.get("contents") or message.get("template") or {})
    unique = [text for n, text in enumerate(found) if text not in found[:n]]
    return unique[:limit]


def summary(message: dict[str, Any], *, unsent: bool = False) -> str:
    """One line for the list: what the last message was."""
    return _line("", utcnow(), "in", message, unsent=unsent).text[:120]


# -- the bot's side -----------------------------------------------------------
@dataclass(frozen=True)
class Waiting:
    """A chat that began to wait for staff: whether it was waiting already, its
    unit, and whether the unit is in office hours now."""

    already: bool
    unit: str | None
    in_hours: bool
    hours: str


def start_waiting(session: Session, profile: OrgProfile, line_user_id: str, *, reason: str,
                  channel: str | None = None, topic: str | None = None, now: datetime | None = None) -> Waiting:
    """The resident asked for a person (or the bot could not understand them twice):
    the chat goes to manual mode, waiting, with the unit that owns the channel (none
    when unsure: every inbox officer then sees it, whichever unit had it last time).
    Staff are told in the inbox and, when the profile names a LINE group, by one
    push to it per waiting chat (an outbox row here)."""
    now = now or utcnow()
    conv = conversations.conversation(session, line_user_id)
    already = conv.handling_id is not None and conv.mode == conversations.MANUAL
    if conv.handling_id is None:
        unit = profile.unit_for_intent(channel)
        conv.unit = unit.key if unit else None
        conv.channel = channel
        conv.status = "new"
        conv.assigned_staff_id = None
        handling = ChatHandling(line_user_id=line_user_id, reason=reason, unit=conv.unit, channel=channel,
                                opened_at=as_utc(now), status="new")
        session.add(handling)
        session.flush()
        conv.handling_id = handling.id
        if profile.inbox.staff_group_id:
            name = session.scalar(select(LineUser.display_name).where(LineUser.line_user_id == line_user_id))
            about = f" · “{topic[:80]}”" if topic else ""
            outbox.enqueue(session, profile.inbox.staff_group_id, [{"type": "text", "text": (
                f"มีแชทรอเจ้าหน้าที่ ({REASON_NAMES[reason]}): {name or 'ผู้ใช้ LINE'} · "
                f"{unit_name(profile, conv.unit)}{about} — เปิดดูได้ที่เมนูกล่องข้อความในระบบหลังบ้าน")}],
                reason="staff_alert", retry_key=outbox.retry_key_for("staff_alert", str(handling.id)))
    if conv.mode != conversations.MANUAL:
        conv.mode = conversations.MANUAL
        conv.manual_since = as_utc(now)
    if topic and not already:
        conv.topic = topic[:200]
    hours = profile.hours_of(conv.unit)
    return Waiting(already, conv.unit, hours.is_open(now), hours.describe())


def release_idle(session: Session, profile: OrgProfile, *, now: datetime | None = None) -> list[str]:
    """Manual chats no staff member has written in for the profile's
    `inbox.manual_idle_hours` return to the bot, when the profile says so
    (`inbox.return_to_ai_when_idle`; the seed's municipality returns to the bot only
    at เสร็จสิ้น). Only the mode changes; the status stays as staff left it, and so
    does the handling: a chat nobody answered stays ใหม่ in the waiting list, one
    taken stays ดำเนินการ under its staff member, with the bot answering meanwhile,
    until someone ends it with เสร็จสิ้น."""
    if not profile.inbox.return_to_ai_when_idle:
        return []
    cutoff = as_utc((now or utcnow()) - timedelta(hours=profile.inbox.manual_idle_hours))
    # Idle since manual mode began and since the last staff message, whichever is
    # later (a staff message of an earlier handling says nothing about this one).
    convs = session.scalars(select(Conversation).where(
        Conversation.mode == conversations.MANUAL, Conversation.manual_since < cutoff,
        or_(Conversation.last_staff_message_at.is_(None), Conversation.last_staff_message_at < cutoff))).all()
    for conv in convs:
        conv.mode = conversations.AUTO
        conv.manual_since = None
        # Not a staff action, but one staff must be able to see: why the bot answers again.
        audit.record(session, None, "chat_idle_returned", username=audit.SYSTEM, record_type="chat",
                     record_id=conv.id, before={"mode": conversations.MANUAL}, after={"mode": conversations.AUTO},
                     detail=f"ไม่มีเจ้าหน้าที่ตอบภายใน {profile.inbox.manual_idle_hours} ชั่วโมง", at=now)
    return [c.line_user_id for c in convs]


# -- staff actions ------------------------------------------------------------
def _snapshot(conv: Conversation) -> dict[str, Any]:
    return {"status": conv.status, "mode": conv.mode, "unit": conv.unit, "assigned_staff_id": conv.assigned_staff_id}


def _changed(before: dict[str, Any], conv: Conversation) -> tuple[dict[str, Any], dict[str, Any]]:
    after = _snapshot(conv)
    keys = [k for k in before if before[k] != after[k]]
    return {k: before[k] for k in keys}, {k: after[k] for k in keys}


def _handling(session: Session, conv: Conversation, now: datetime) -> ChatHandling:
    """The chat's open handling, opened now when staff start one themselves; a
    finished chat staff open again is being worked on (ดำเนินการ), not เสร็จสิ้น
    and out of every list while the bot keeps quiet."""
    if conv.handling_id is not None:
        found = session.get(ChatHandling, conv.handling_id)
        if found is not None:
            return found
    if conv.status == "done":
        conv.status = "in_progress"
    handling = ChatHandling(line_user_id=conv.line_user_id, reason="staff", unit=conv.unit, channel=conv.channel,
                            opened_at=as_utc(now), status=conv.status)
    session.add(handling)
    session.flush()
    conv.handling_id = handling.id
    return handling


def _require(viewer: StaffIdentity, permission: str) -> None:
    if not viewer.may(permission):
        raise OutOfScope(role=viewer.role_name)


def take(session: Session, viewer: StaffIdentity, profile: OrgProfile, conversation_id: int, *,
         take_over: bool = False, client: str | None = None, now: datetime | None = None) -> Conversation:
    """รับเรื่อง: the chat is mine, in progress and manual. One held by someone else
    is taken only with `take_over` (audited as such)."""
    _require(viewer, "chat")
    now = now or utcnow()
    conv = _conversation(session, viewer, profile, conversation_id, lock=True)
    holder, over = conv.assigned_staff_id, False
    # Taking a finished chat again is a new handling, not taking it from anyone.
    if holder is not None and holder != viewer.id and conv.status != "done":
        if not take_over:
            raise AlreadyTaken(names_of(session, [holder]).get(holder, "เจ้าหน้าที่อื่น"))
        over = True
    before = _snapshot(conv)
    handling = _handling(session, conv, now)
    conv.assigned_staff_id = viewer.id
    conv.status = handling.status = "in_progress"
    if conv.mode != conversations.MANUAL:
        conv.mode = conversations.MANUAL
        conv.manual_since = as_utc(now)
    if handling.taken_at is None:
        handling.taken_at, handling.taken_by = as_utc(now), viewer.id
    old, new = _changed(before, conv)
    audit.record(session, viewer, "chat_taken_over" if over else "chat_taken", record_type="chat",
                 record_id=conv.id, before=old, after=new, client=client)
    return conv


def reply(session: Session, viewer: StaffIdentity, profile: OrgProfile, conversation_id: int,
          messages: Sequence[dict[str, Any]], *, nonce: str, client: str | None = None,
          now: datetime | None = None) -> outbox.Push:
    """Staff write to the resident: a push through the outbox. The form's nonce
    makes the retry key, so a double click or a resent form sends once and is
    audited once."""
    _require(viewer, "chat")
    now = now or utcnow()
    conv = _conversation(session, viewer, profile, conversation_id)
    if not messages:
        raise InboxError("กรุณาพิมพ์ข้อความหรือเลือกรูปภาพก่อนกดส่ง")
    for message in messages:
        if message.get("type") == "text" and not 0 < len(message.get("text", "").strip()) <= MAX_REPLY_CHARS:
            raise InboxError(f"ข้อความต้องไม่ว่างและยาวไม่เกิน {MAX_REPLY_CHARS:,} ตัวอักษร")
    if not nonce.strip():  # every reply would share one retry key, and only the first would go
        raise InboxError("แบบฟอร์มไม่สมบูรณ์ กรุณาโหลดหน้านี้ใหม่แล้วส่งอีกครั้ง")
    key = outbox.retry_key_for("staff", str(conv.id), nonce[:64])
    queued_before = session.scalar(select(OutboxMessage.id).where(OutboxMessage.retry_key == key)) is not None
    push = outbox.enqueue(session, conv.line_user_id, messages, reason="staff", retry_key=key)
    if queued_before:
        return push
    session.execute(OutboxMessage.__table__.update().where(OutboxMessage.id == push.id)
                    .values(staff_id=viewer.id))
    before = _snapshot(conv)
    handling = _handling(session, conv, now)
    if handling.first_response_at is None:
        handling.first_response_at, handling.first_response_by = as_utc(now), viewer.id
    if conv.mode != conversations.MANUAL:  # answering by hand: the bot stops talking over it
        conv.mode = conversations.MANUAL
        conv.manual_since = as_utc(now)
    if conv.status == "new":
        conv.status = handling.status = "in_progress"
    if conv.assigned_staff_id is None:
        conv.assigned_staff_id = viewer.id
    conv.last_staff_message_at = as_utc(now)
    old, new = _changed(before, conv)
    text = " / ".join(m.get("text", "[รูปภาพ]") if m.get("type") == "text" else "[รูปภาพ]" for m in messages)
    audit.record(session, viewer, "chat_reply", record_type="chat", record_id=conv.id, before=old, after=new,
                 detail=text[:500], client=client)
    return push


def set_status(session: Session, viewer: StaffIdentity, profile: OrgProfile, conversation_id: int, status: str,
               *, goodbye: Sequence[dict[str, Any]] = (), client: str | None = None,
               now: datetime | None = None) -> Conversation:
    """The status control. เสร็จสิ้น also hands the chat back to the bot, closes the
    handling and tells the resident (`goodbye`, sent through the outbox)."""
    _require(viewer, "chat")
    if status not in STATUS_CHOICES:
        raise InboxError("กรุณาเลือกสถานะจากรายการ")
    now = now or utcnow()
    conv = _conversation(session, viewer, profile, conversation_id, lock=True)
    if status == "done" and conv.status == "done" and conv.handling_id is None:
        return conv  # finished already (a second click): nothing to close, nobody to tell again
    before = _snapshot(conv)
    handling = _handling(session, conv, now)
    conv.status = handling.status = status
    if conv.assigned_staff_id is None:
        conv.assigned_staff_id = viewer.id
    action = "chat_status"
    if status == "done":
        action = "chat_done"
        handling.closed_at, handling.closed_by = as_utc(now), viewer.id
        conv.handling_id = None
        conv.mode = conversations.AUTO
        conv.manual_since = None
        if goodbye:
            outbox.enqueue(session, conv.line_user_id, goodbye, reason="staff_done",
                           retry_key=outbox.retry_key_for("staff_done", str(handling.id)))
    old, new = _changed(before, conv)
    audit.record(session, viewer, action, record_type="chat", record_id=conv.id, before=old, after=new,
                 client=client)
    return conv


def set_mode(session: Session, viewer: StaffIdentity, profile: OrgProfile, conversation_id: int, mode: str, *,
             client: str | None = None, now: datetime | None = None) -> Conversation:
    """The mode control: แมนนวล (the bot keeps quiet) or AI."""
    _require(viewer, "chat")
    if mode not in MODE_NAMES:
        raise InboxError("กรุณาเลือกโหมดจากรายการ")
    now = now or utcnow()
    conv = _conversation(session, viewer, profile, conversation_id, lock=True)
    before = _snapshot(conv)
    if mode == conversations.MANUAL and conv.mode != mode:
        _handling(session, conv, now)
        conv.manual_since = as_utc(now)
    if mode == conversations.AUTO:
        conv.manual_since = None
    conv.mode = mode
    old, new = _changed(before, conv)
    if old:
        audit.record(session, viewer, "chat_mode", record_type="chat", record_id=conv.id, before=old, after=new,
                     client=client)
    return conv


def forward(session: Session, viewer: StaffIdentity, profile: OrgProfile, conversation_id: int, *,
            unit: str | None = None, staff_id: int | None = None, note: str = "", client: str | None = None,
            now: datetime | None = None) -> Conversation:
    """ส่งต่อ: to another unit (which then sees the chat waiting) or to a person,
    with a note staff read beside the chat."""
    _require(viewer, "chat")
    now = now or utcnow()
    if (unit is None) == (staff_id is None):
        raise InboxError("กรุณาเลือกหน่วยงานหรือเจ้าหน้าที่ที่จะส่งต่อ")
    if unit is not None and profile.unit(unit) is None:
        raise InboxError("ไม่พบหน่วยงานนี้")
    conv = _conversation(session, viewer, profile, conversation_id, lock=True)
    before = _snapshot(conv)
    handling = _handling(session, conv, now)
    to_name = unit_name(profile, unit)
    if staff_id is not None:
        person = session.get(StaffUser, staff_id)
        if person is None or not person.active:
            raise InboxError("ไม่พบเจ้าหน้าที่ที่จะส่งต่อ หรือบัญชีถูกปิดใช้งาน")
        if person.role not in PERMISSIONS["chat"]:
            raise InboxError(f"{person.display_name} ไม่มีสิทธิ์ตอบแชท กรุณาเลือกเจ้าหน้าที่คนอื่น")
        to_name = person.display_name
        conv.assigned_staff_id = staff_id
        their_units = sorted(session.scalars(select(StaffUnit.unit).where(StaffUnit.staff_id == staff_id)))
        if their_units and conv.unit not in units_below(profile, their_units):
            conv.unit = handling.unit = their_units[0]
    else:
        conv.unit = handling.unit = unit
        conv.assigned_staff_id = None
    conv.status = handling.status = "new"
    session.add(StaffNote(line_user_id=conv.line_user_id, staff_id=viewer.id, kind="forward",
                          text=f"ส่งต่อถึง {to_name}" + (f": {note.strip()[:1000]}" if note.strip() else ""),
                          created_at=as_utc(now)))
    old, new = _changed(before, conv)
    audit.record(session, viewer, "chat_forwarded", record_type="chat", record_id=conv.id, before=old, after=new,
                 detail=note.strip()[:500] or None, client=client)
    return conv


def add_note(session: Session, viewer: StaffIdentity, profile: OrgProfile, conversation_id: int, kind: str,
             text: str, *, client: str | None = None, now: datetime | None = None) -> None:
    """A note (anyone who may answer chats), or an executive's remark or order."""
    if kind not in ("note", "remark", "order"):
        raise InboxError("ชนิดบันทึกไม่ถูกต้อง")
    _require(viewer, "chat" if kind == "note" else "remark")
    if not text.strip():
        raise InboxError("กรุณาพิมพ์ข้อความบันทึก")
    conv = _conversation(session, viewer, profile, conversation_id)
    session.add(StaffNote(line_user_id=conv.line_user_id, staff_id=viewer.id, kind=kind, text=text.strip()[:2000],
                          created_at=as_utc(now or utcnow())))
    audit.record(session, viewer, "note_added" if kind == "note" else "remark_added", record_type="chat",
                 record_id=conv.id, detail=f"{NOTE_KINDS[kind]}: {text.strip()[:500]}", client=client)


def set_tag(session: Session, viewer: StaffIdentity, profile: OrgProfile, conversation_id: int, tag: str, *,
            present: bool, client: str | None = None) -> None:
    _require(viewer, "chat")
    tag = " ".join(tag.split())[:MAX_TAG_CHARS]
    if not tag:
        raise InboxError("กรุณาพิมพ์ป้ายกำกับ")
    conv = _conversation(session, viewer, profile, conversation_id)
    existing = session.get(ResidentTag, (conv.line_user_id, tag))
    if present and existing is None:
        session.add(ResidentTag(line_user_id=conv.line_user_id, tag=tag))
    elif not present and existing is not None:
        session.delete(existing)
    else:
        return
    audit.record(session, viewer, "tag_added" if present else "tag_removed", record_type="chat", record_id=conv.id,
                 detail=tag, client=client)


def refuse(session: Session, viewer: StaffIdentity, what: str, record_id: object, *, client: str | None = None) -> None:
    """Audit an attempt on a record outside the staff member's scope."""
    audit.record(session, viewer, "forbidden", record_type="chat", record_id=record_id, detail=what, client=client)


def staff_to_forward_to(session: Session) -> list[tuple[int, str]]:
    """Active staff who answer chats, for the ส่งต่อ form."""
    return list(session.execute(select(StaffUser.id, StaffUser.display_name)
                                .where(StaffUser.active.is_(True), StaffUser.role.in_(PERMISSIONS["chat"]))
                                .order_by(StaffUser.display_name)).tuples())


# -- figures ------------------------------------------------------------------
@dataclass(frozen=True)
class Figures:
    """Handled chats of a unit or a staff member over a period."""

    name: str
    handled: int
    first_response_median: timedelta | None
    first_response_p90: timedelta | None
    to_done_median: timedelta | None
    to_done_p90: timedelta | None


def _p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, -(-len(ordered) * 9 // 10) - 1))]


def _figures(name: str, rows: Iterable[ChatHandling]) -> Figures:
    rows = list(rows)
    first = [(as_utc(r.first_response_at) - as_utc(r.opened_at)).total_seconds() for r in rows if r.first_response_at]
    done = [(as_utc(r.closed_at) - as_utc(r.opened_at)).total_seconds() for r in rows if r.closed_at]

    def td(value: float | None) -> timedelta | None:
        return None if value is None else timedelta(seconds=value)

    return Figures(name, len(rows), td(statistics.median(first)) if first else None, td(_p90(first)) if first else None,
                   td(statistics.median(done)) if done else None, td(_p90(done)) if done else None)


def figures(session: Session, profile: OrgProfile, *, since: datetime, until: datetime,
            units: Collection[str] | None = None) -> tuple[list[Figures], list[Figures]]:
    """Per unit and per staff member (who first answered), for chats that began to
    wait within the period: first response time, time to เสร็จสิ้น, chats handled."""
    query = select(ChatHandling).where(ChatHandling.opened_at >= as_utc(since), ChatHandling.opened_at < as_utc(until))
    if units is not None:
        query = query.where(ChatHandling.unit.in_(list(units)))
    rows = list(session.scalars(query))
    by_unit: dict[str | None, list[ChatHandling]] = {}
    by_staff: dict[int, list[ChatHandling]] = {}
    for row in rows:
        by_unit.setdefault(row.unit, []).append(row)
        who = row.first_response_by or row.taken_by
        if who is not None:
            by_staff.setdefault(who, []).append(row)
    names = names_of(session, list(by_staff))
    units_in_order = sorted(by_unit, key=lambda unit: _profile_order(profile, unit))
    return ([_figures(unit_name(profile, unit), by_unit[unit]) for unit in units_in_order],
            [_figures(names.get(who, str(who)), group) for who, group in sorted(by_staff.items())])


def report(session: Session, profile: OrgProfile, *, since: datetime, until: datetime,
           units: Collection[str] | None = None) -> list[tuple[str, dict[str, int]]]:
    """Chats per unit and status over a period (by when they began to wait):
    [(unit name, {status: count})], for the printable report and its Excel file."""
    query = (select(ChatHandling.unit, ChatHandling.status, func.count())
             .where(ChatHandling.opened_at >= as_utc(since), ChatHandling.opened_at < as_utc(until))
             .group_by(ChatHandling.unit, ChatHandling.status))
    if units is not None:
        query = query.where(ChatHandling.unit.in_(list(units)))
    table: dict[str | None, dict[str, int]] = {}
    for unit, status, count in session.execute(query):
        table.setdefault(unit, {s: 0 for s in STATUS_NAMES})[status] = count
    return [(unit_name(profile, unit), counts) for unit, counts in sorted(table.items(),
                                                                         key=lambda kv: _profile_order(profile, kv[0]))]


def _profile_order(profile: OrgProfile, unit: str | None) -> int:
    """Units as the profile lists them (a division, then its sections), unsorted last."""
    keys = [u.key for u in profile.units]
    return keys.index(unit) if unit in keys else len(keys)


def counts(session: Session, viewer: StaffIdentity, profile: OrgProfile) -> dict[str, Any]:
    """The dashboard's chat figures, of what this staff member sees: waiting; per
    status, each the number `chat_list(status=...)` lists (เสร็จสิ้น: chats staff
    finished, not those the bot alone ever answered); open chats per unit."""
    scope = _scope(viewer, profile)
    per_status = dict(session.execute(
        select(Conversation.status, func.count()).where(scope, or_(Conversation.handling_id.is_not(None),
                                                                   _status_is("done")))
        .group_by(Conversation.status)).tuples().all())
    per_unit = session.execute(select(Conversation.unit, func.count()).where(
        scope, Conversation.handling_id.is_not(None)).group_by(Conversation.unit)).all()
    waiting = session.scalar(select(func.count()).select_from(Conversation).where(scope, _filter("waiting", viewer,
                                                                                              profile))) or 0
    return {"waiting": waiting, "per_status": {s: per_status.get(s, 0) for s in STATUS_NAMES},
            "per_unit": [(unit, unit_name(profile, unit), n) for unit, n in per_unit]}


def resident_picture(session: Session, viewer: StaffIdentity, profile: OrgProfile, conversation_id: int,
                     message_id: str) -> str:
    """The LINE message id of a picture the resident sent in this chat, for the
    office to fetch from LINE: only within the viewer's scope (`OutOfScope`), and
    only a picture of this chat (an id from another chat is not found)."""
    conv = _conversation(session, viewer, profile, conversation_id)
    found = session.scalar(select(ChatMessage.line_message_id).where(
        ChatMessage.line_user_id == conv.line_user_id, ChatMessage.line_message_id == message_id[:64],
        ChatMessage.direction == "in", ChatMessage.type == "image", ChatMessage.unsent.is_(False)))
    if found is None:
        raise InboxError("ไม่พบรูปภาพนี้ในแชท")
    return found


# -- pictures staff send --------------------------------------------------------
MAX_PICTURE_BYTES = 10 * 1024 * 1024  # LINE's limit for an image message's original
PICTURE_SIDE = 2048  # plenty on a phone screen, and well under LINE's 10 MB as JPEG
PREVIEW_SIDE = 480  # the chat's thumbnail; LINE allows 1 MB
STAFF_MEDIA = "staff_media"  # under the deployment's data directory
_PICTURE_NAME = re.compile(r"[0-9a-f]{64}(\.preview)?\.jpg")


@dataclass(frozen=True)
class StaffPicture:
    """A picture a staff member sends, re-encoded: its original and its preview,
    named by the original's content hash (`name`, `preview_name`)."""

    digest: str
    original: bytes
    preview: bytes

    @property
    def name(self) -> str:
        return f"{self.digest}.jpg"

    @property
    def preview_name(self) -> str:
        return f"{self.digest}.preview.jpg"


def staff_picture(data: bytes) -> StaffPicture:
    """Check and re-encode an upload: JPEG or PNG as its first bytes say (never
    its name or declared type), at most 10 MB, turned upright and written again as
    JPEG, which leaves the EXIF (a phone's GPS position) behind."""
    if not data:
        raise InboxError("กรุณาเลือกไฟล์รูปภาพ")
    if len(data) > MAX_PICTURE_BYTES:
        raise InboxError(f"รูปภาพใหญ่เกิน {MAX_PICTURE_BYTES // (1024 * 1024)} MB กรุณาย่อขนาดรูปแล้วลองใหม่")
    if picture_format(data) is None:
        raise InboxError("ส่งได้เฉพาะรูปภาพ JPEG หรือ PNG กรุณาเลือกไฟล์รูปภาพอีกครั้ง")
    try:
        with Image.open(io.BytesIO(data)) as opened:
            width, height = opened.size
            if max(width, height) > MAX_SIDE or width * height > MAX_PIXELS:
                raise InboxError("รูปภาพมีความละเอียดสูงเกินไป กรุณาย่อรูปแล้วลองใหม่")
            opened.draft("RGB", (PICTURE_SIDE, PICTURE_SIDE))  # a JPEG decodes straight to about that size
            upright = ImageOps.exif_transpose(opened)
            if upright.mode in ("RGBA", "LA", "P"):  # transparency over white, as LINE would show it
                rgba = upright.convert("RGBA")
                upright = Image.new("RGB", rgba.size, "white")
                upright.paste(rgba, mask=rgba.getchannel("A"))
            picture = upright.convert("RGB")
    except (OSError, ValueError, Image.DecompressionBombError):
        raise InboxError("เปิดไฟล์นี้เป็นรูปภาพไม่ได้ ไฟล์อาจเสียหาย กรุณาเลือกรูปอื่น") from None

    def jpeg(side: int, quality: int) -> bytes:
        copy = picture.copy()
        copy.thumbnail((side, side))
        out = io.BytesIO()
        copy.save(out, format="JPEG", quality=quality, optimize=True)
        return out.getvalue()

    original = jpeg(PICTURE_SIDE, 88)
    return StaffPicture(hashlib.sha256(original).hexdigest(), original, jpeg(PREVIEW_SIDE, 80))


def keep_staff_picture(data_dir: Path, picture: StaffPicture) -> None:
    """Store both files where the public picture route finds them; the same
    picture sent twice is one pair of files."""
    for name, content in ((picture.name, picture.original), (picture.preview_name, picture.preview)):
        target = data_dir / STAFF_MEDIA / name
        if not target.exists():
            write_atomically(target, content)


def staff_picture_path(data_dir: Path, name: str) -> Path | None:
    """A stored staff picture by the name its link carries; None for any other name."""
    if not _PICTURE_NAME.fullmatch(name):
        return None
    path = data_dir / STAFF_MEDIA / name
    return path if path.is_file() else None
