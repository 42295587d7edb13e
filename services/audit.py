"""The audit log: one append-only row per staff action that changed something
(SPEC §4.9), and per change the system made to staff's work by itself (a chat
returned to the bot when nobody answered). Written in the action's own transaction, so an action and its row
commit or roll back together; nothing here (or anywhere) updates or deletes a row,
and the database refuses it too (migration 0005)."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from models.base import as_utc, utcnow
from models.staff import AuditEntry

# What each action is called on the audit page.
ACTION_NAMES: Mapping[str, str] = {
    "login": "เข้าสู่ระบบ",
    "login_failed": "เข้าสู่ระบบไม่สำเร็จ",
    "logout": "ออกจากระบบ",
    "slip_approved": "อนุมัติสลิป",
    "slip_rejected": "ปฏิเสธสลิป",
    "cash_received": "รับชำระเงินสด",
    "receipt_downloaded": "ดาวน์โหลดใบเสร็จ",
    "chat_taken": "รับเรื่องแชท",
    "chat_taken_over": "รับเรื่องแชทต่อจากผู้อื่น",
    "chat_reply": "ตอบแชท",
    "chat_status": "เปลี่ยนสถานะแชท",
    "chat_mode": "เปลี่ยนโหมดแชท",
    "chat_done": "ปิดเรื่องแชท (เสร็จสิ้น)",
    "chat_forwarded": "ส่งต่อแชท",
    "chat_idle_returned": "คืนแชทให้ AI ตอบ (ไม่มีเจ้าหน้าที่ตอบตามเวลาที่กำหนด)",
    "note_added": "เพิ่มบันทึก",
    "remark_added": "เพิ่มความเห็น/ข้อสั่งการ",
    "tag_added": "เพิ่มป้ายกำกับ",
    "tag_removed": "ลบป้ายกำกับ",
    "staff_added": "เพิ่มเจ้าหน้าที่",
    "staff_changed": "แก้ไขเจ้าหน้าที่",
    "password_reset": "ตั้งรหัสผ่านใหม่",
    "report_exported": "ส่งออกรายงาน",
    "miss_labelled": "ระบุเรื่องของข้อความที่บอทยังไม่เข้าใจ",
    "forbidden": "พยายามเข้าถึงรายการนอกสิทธิ์",
}


# Who the rows of what the system itself did are written under (no staff member).
SYSTEM = "ระบบ"


class Actor(Protocol):
    """Who acted: a logged-in staff member (services.staff.StaffIdentity)."""

    @property
    def id(self) -> int: ...

    @property
    def username(self) -> str: ...


def record(session: Session, actor: Actor | None, action: str, *, record_type: str | None = None,
           record_id: object = None, before: Mapping[str, Any] | None = None,
           after: Mapping[str, Any] | None = None, detail: str | None = None, client: str | None = None,
           username: str | None = None, at: datetime | None = None) -> None:
    """One row, in the caller's transaction. `username` names who tried when there
    is no actor (a failed login)."""
    if action not in ACTION_NAMES:
        raise ValueError(f"unknown audit action {action!r}")
    session.add(AuditEntry(
        at=as_utc(at or utcnow()), staff_id=actor.id if actor else None,
        username=(actor.username if actor else username or "-")[:64], action=action, record_type=record_type,
        record_id=None if record_id is None else str(record_id)[:64],
        before=dict(before) if before else None, after=dict(after) if after else None,
        detail=detail[:2000] if detail else None, client=client[:64] if client else None))


@dataclass(frozen=True)
class AuditQuery:
    """What the audit page searches by; every field may be left out."""

    username: str = ""
    action: str = ""
    record: str = ""  # "chat 12", or a record id alone
    text: str = ""  # anywhere in the detail
    since: datetime | None = None
    until: datetime | None = None


def search(session: Session, query: AuditQuery, *, offset: int = 0, limit: int = 50) -> tuple[list[AuditEntry], int]:
    """Matching rows, newest first, a page at a time; and how many match."""
    where = []
    if query.username:
        where.append(AuditEntry.username == query.username.strip().lower())
    if query.action in ACTION_NAMES:
        where.append(AuditEntry.action == query.action)
    if query.record:
        kind, _, ident = query.record.strip().rpartition(" ")
        where.append(AuditEntry.record_id == ident)
        if kind:
            where.append(AuditEntry.record_type == kind)
    if query.text:
        like = f"%{query.text.strip()}%"
        where.append(or_(AuditEntry.detail.like(like), AuditEntry.record_id.like(like)))
    if query.since:
        where.append(AuditEntry.at >= as_utc(query.since))
    if query.until:
        where.append(AuditEntry.at < as_utc(query.until))
    total = session.scalar(select(func.count()).select_from(AuditEntry).where(*where)) or 0
    rows = session.scalars(select(AuditEntry).where(*where).order_by(AuditEntry.id.desc())
                           .offset(offset).limit(limit))
    return list(rows), total
