"""Back-office staff: accounts, passwords and logging in.

Passwords are stored as werkzeug's salted scrypt hashes. A wrong username and a
wrong password get the same answer after the same work (a dummy hash is
checked when nobody has that name), and five failures within 15 minutes lock
that username — also a name nobody has, so the lock tells nothing either. Ten
failures within 15 minutes from one address, whatever the names, make that
address wait: one client cannot try name after name. Both count the rows of
``staff_login_attempts`` that every try writes anyway, in the login's own
transaction, so they hold across processes with or without Redis and there is
no second store to keep in step.

A login session keeps a token made of the staff id and a fingerprint of the
password hash and the account's session generation. Logging out and setting a
new password raise the generation, so every session opened before ends at its
next request, wherever its cookie is. A generation, not a table of sessions:
the check reads the staff row the session needs anyway (no write per request,
no table to clean), and ending all of a person's sessions at logout is what a
shared counter computer wants. Sessions also end after 30 idle minutes and 8
hours in all (``session_alive``).

What a staff member may do is the permissions of their role (``PERMISSIONS``),
checked on every route and action; which chats and records they see is the units
they work in (``StaffIdentity.units``, services/inbox.py reads it).
"""
from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Literal

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from models.base import as_utc
from models.staff import STAFF_ROLES, StaffLoginAttempt, StaffUnit, StaffUser
from services.ids import parse_id

LOGIN_WINDOW = timedelta(minutes=15)
MAX_FAILURES = 5
MAX_CLIENT_FAILURES = 10
SESSION_IDLE = timedelta(minutes=30)
SESSION_LIMIT = timedelta(hours=8)
MIN_PASSWORD_LENGTH = 8
ROLE_NAMES = {"admin": "ผู้ดูแลระบบ", "finance": "การเงิน", "water": "งานประปา", "counter": "เคาน์เตอร์บริการ",
              "cases": "เรื่องร้องเรียน/คำร้อง", "pr": "ประชาสัมพันธ์", "executive": "ผู้บริหาร"}

# Which roles hold each permission. A route or an action names the permission it
# needs; the menu shows only what the role holds, and the route refuses the rest.
PERMISSIONS: Mapping[str, frozenset[str]] = {
    "dashboard": frozenset(STAFF_ROLES),
    "finance": frozenset({"finance", "admin"}),  # slips, cash, receipts
    "inbox": frozenset({"admin", "finance", "water", "cases", "pr", "executive"}),  # read chats
    "chat": frozenset({"admin", "finance", "water", "cases", "pr"}),  # take, reply, status, forward
    "remark": frozenset({"executive", "admin"}),  # ความเห็น / ข้อสั่งการ on a chat
    "reports": frozenset({"admin", "executive"}),
    "staff": frozenset({"admin"}),  # accounts, roles, units
    "audit": frozenset({"admin"}),
    "operations": frozenset({"admin"}),  # what the system could not answer
    "training": frozenset({"admin"}),  # label what the bot did not understand (services/learning.py)
}
# Roles that see every unit's chats and records.
ALL_UNITS_ROLES = frozenset({"admin"})

# Passwords people pick first; a longer list would only be a different guesser's.
COMMON_PASSWORDS = frozenset({"12345678", "123456789", "1234567890", "password", "password1", "qwerty123",
                              "11111111", "00000000", "87654321", "iloveyou", "admin1234", "abcd1234"})

WRONG_LOGIN = "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง กรุณาลองใหม่"
LOCKED_LOGIN = ("เข้าสู่ระบบไม่สำเร็จเกิน 5 ครั้งใน 15 นาที กรุณารอ 15 นาทีแล้วลองใหม่ "
                "หรือให้ผู้ดูแลระบบตั้งรหัสผ่านใหม่")

DEMO_USERNAME = "finance"
DEMO_PASSWORD = "demo1234"

_USERNAME = re.compile(r"[a-z0-9._-]{3,64}")


def client_limited_message(minutes: int) -> str:
    return (f"มีการเข้าสู่ระบบไม่สำเร็จจากเครื่องนี้หลายครั้งเกินไป กรุณารออีก {minutes} นาทีแล้วลองใหม่ "
            "หากลืมรหัสผ่าน กรุณาติดต่อผู้ดูแลระบบ")


class StaffError(ValueError):
    """A staff account cannot be made or changed as asked; the message is Thai."""


def permits(role: str, permission: str) -> bool:
    return role in PERMISSIONS[permission]


@dataclass(frozen=True)
class StaffIdentity:
    id: int
    username: str
    display_name: str
    role: str
    token: str  # what a login session keeps; changes at logout and with the password
    units: tuple[str, ...] = ()  # the profile's unit keys they work in

    @property
    def role_name(self) -> str:
        return ROLE_NAMES[self.role]

    def may(self, permission: str) -> bool:
        return permits(self.role, permission)

    @property
    def all_units(self) -> bool:
        return self.role in ALL_UNITS_ROLES


@dataclass(frozen=True)
class LoginResult:
    status: Literal["ok", "wrong", "locked", "client_limited"]
    message: str
    staff: StaffIdentity | None = None
    retry_after_seconds: int = 0


def normalise_username(raw: str) -> str:
    return raw.strip().lower()


def _token(user: StaffUser) -> str:
    # The hash as well as the generation: a forged cookie (a leaked SECRET_KEY) would
    # also need the password hash from the database.
    fingerprint = hashlib.sha256(f"{user.session_generation}:{user.password_hash}".encode()).hexdigest()[:20]
    return f"{user.id}:{fingerprint}"


def units_of(session: Session, staff_id: int) -> tuple[str, ...]:
    return tuple(session.scalars(select(StaffUnit.unit).where(StaffUnit.staff_id == staff_id)
                                 .order_by(StaffUnit.unit)))


def _identity(session: Session, user: StaffUser) -> StaffIdentity:
    return StaffIdentity(id=user.id, username=user.username, display_name=user.display_name, role=user.role,
                         token=_token(user), units=units_of(session, user.id))


def check_password_rules(password: str, username: str = "") -> None:
    """The password policy: long enough, not the username, not one everybody tries."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise StaffError(f"รหัสผ่านต้องยาวอย่างน้อย {MIN_PASSWORD_LENGTH} ตัวอักษร")
    if len(password) > 200:
        raise StaffError("รหัสผ่านยาวเกิน 200 ตัวอักษร")
    lowered = password.lower()
    if username and normalise_username(username) in lowered:
        raise StaffError("รหัสผ่านต้องไม่มีชื่อผู้ใช้อยู่ในนั้น")
    if lowered in COMMON_PASSWORDS or len(set(password)) < 4:
        raise StaffError("รหัสผ่านนี้เดาง่ายเกินไป กรุณาตั้งรหัสผ่านอื่น")


def _check_role_and_units(role: str, units: Collection[str], known_units: Collection[str] | None) -> None:
    if role not in STAFF_ROLES:
        raise StaffError(f"บทบาทต้องเป็น {' หรือ '.join(STAFF_ROLES)}")
    unknown = sorted(set(units) - set(known_units)) if known_units is not None else []
    if unknown:
        raise StaffError(f"ไม่มีหน่วยงาน {', '.join(unknown)} ในโปรไฟล์ขององค์กร")


def create_staff(session: Session, *, username: str, display_name: str, role: str, password: str,
                 units: Collection[str] = (), known_units: Collection[str] | None = None) -> StaffIdentity:
    """A new login; `known_units` (the profile's unit keys) checks `units` when given."""
    name = normalise_username(username)
    if not _USERNAME.fullmatch(name):
        raise StaffError("ชื่อผู้ใช้ต้องเป็นตัวอักษรอังกฤษพิมพ์เล็ก ตัวเลข หรือ . _ - ยาว 3–64 ตัว")
    _check_role_and_units(role, units, known_units)
    if not display_name.strip():
        raise StaffError("กรุณาระบุชื่อที่แสดง")
    check_password_rules(password, name)
    if session.scalar(select(StaffUser.id).where(StaffUser.username == name)) is not None:
        raise StaffError(f"มีชื่อผู้ใช้ {name} อยู่แล้ว")
    user = StaffUser(username=name, display_name=display_name.strip()[:200], role=role,
                     password_hash=generate_password_hash(password))
    session.add(user)
    session.flush()
    session.add_all(StaffUnit(staff_id=user.id, unit=unit) for unit in sorted(set(units)))
    session.flush()
    return _identity(session, user)


def _user(session: Session, username: str) -> StaffUser:
    user = session.scalar(select(StaffUser).where(StaffUser.username == normalise_username(username)))
    if user is None:
        raise StaffError(f"ไม่พบชื่อผู้ใช้ {normalise_username(username)}")
    return user


def set_password(session: Session, username: str, password: str) -> None:
    """New password; sessions opened with the old one end at their next request."""
    user = _user(session, username)
    check_password_rules(password, user.username)
    user.password_hash = generate_password_hash(password)
    session.flush()
    end_sessions(session, user.id)


def update_staff(session: Session, username: str, *, display_name: str, role: str, units: Collection[str],
                 active: bool, known_units: Collection[str] | None = None) -> tuple[dict, dict]:
    """Change a login's name, role, units or whether it may log in; returns the
    (before, after) of what changed, for the audit log. A role, unit or switch-off
    change ends the person's open sessions: they start again with what they now may do."""
    user = _user(session, username)
    _check_role_and_units(role, units, known_units)
    if not display_name.strip():
        raise StaffError("กรุณาระบุชื่อที่แสดง")
    name, new_units = display_name.strip()[:200], sorted(set(units))
    old: dict[str, object] = {"display_name": user.display_name, "role": user.role,
                              "units": list(units_of(session, user.id)), "active": user.active}
    new: dict[str, object] = {"display_name": name, "role": role, "units": new_units, "active": active}
    if old == new:
        return {}, {}
    user.display_name, user.role, user.active = name, role, active
    session.execute(delete(StaffUnit).where(StaffUnit.staff_id == user.id))
    session.add_all(StaffUnit(staff_id=user.id, unit=unit) for unit in new_units)
    session.flush()
    if (old["role"], old["units"], old["active"]) != (role, new_units, active):
        end_sessions(session, user.id)
    changed = [k for k in old if old[k] != new[k]]
    return {k: old[k] for k in changed}, {k: new[k] for k in changed}


def end_sessions(session: Session, staff_id: int) -> None:
    """Every login session of this staff member ends at its next request."""
    session.execute(update(StaffUser).where(StaffUser.id == staff_id)
                    .values(session_generation=StaffUser.session_generation + 1),
                    execution_options={"synchronize_session": "fetch"})


def session_alive(started_at: datetime, seen_at: datetime, now: datetime) -> bool:
    """Whether a login session may go on: used within the idle time, and younger than
    a working day, so a stolen or forgotten cookie stops working on its own."""
    return now - seen_at < SESSION_IDLE and now - started_at < SESSION_LIMIT


@cache
def _dummy_hash() -> str:
    return generate_password_hash(secrets.token_hex(16))


def _recent_failures(session: Session, name: str, now: datetime) -> int:
    since = as_utc(now - LOGIN_WINDOW)
    last_success = session.scalar(select(func.max(StaffLoginAttempt.attempted_at)).where(
        StaffLoginAttempt.username == name, StaffLoginAttempt.succeeded.is_(True)))
    if last_success is not None:
        since = max(since, as_utc(last_success))
    return session.scalar(select(func.count()).select_from(StaffLoginAttempt).where(
        StaffLoginAttempt.username == name, StaffLoginAttempt.succeeded.is_(False),
        StaffLoginAttempt.attempted_at > since)) or 0


def _client_wait(session: Session, client: str, now: datetime) -> int:
    """Seconds until this address may try again; 0 when it may now. The limit lifts
    when the MAX_CLIENT_FAILURES-th newest failure in the window leaves it. A success
    from the address does not clear it: a guesser with one account of his own could."""
    newest = session.scalar(
        select(StaffLoginAttempt.attempted_at)
        .where(StaffLoginAttempt.client == client, StaffLoginAttempt.succeeded.is_(False),
               StaffLoginAttempt.attempted_at > as_utc(now - LOGIN_WINDOW))
        .order_by(StaffLoginAttempt.attempted_at.desc()).offset(MAX_CLIENT_FAILURES - 1).limit(1))
    return 0 if newest is None else max(1, math.ceil((as_utc(newest) + LOGIN_WINDOW - as_utc(now)).total_seconds()))


def authenticate(session: Session, username: str, password: str, *, now: datetime,
                 client: str | None = None) -> LoginResult:
    """Check a login from ``client`` (the remote address) and record the attempt in
    the caller's transaction (commit it also when the answer is no: that is what
    counts the failures). Refused tries are not recorded, so a wait ends when it says."""
    name = normalise_username(username)[:64]
    client = client[:64] if client else None
    wait = _client_wait(session, client, now) if client else 0
    if wait:
        return LoginResult("client_limited", client_limited_message(-(-wait // 60)), retry_after_seconds=wait)
    if _recent_failures(session, name, now) >= MAX_FAILURES:
        return LoginResult("locked", LOCKED_LOGIN)
    user = session.scalar(select(StaffUser).where(StaffUser.username == name))
    matches = check_password_hash(user.password_hash if user else _dummy_hash(), password)
    ok = matches and user is not None and user.active
    session.add(StaffLoginAttempt(username=name, attempted_at=as_utc(now), succeeded=ok, client=client))
    if user is None or not ok:
        session.flush()
        return LoginResult("wrong", WRONG_LOGIN)
    user.last_login_at = as_utc(now)
    session.flush()
    return LoginResult("ok", "เข้าสู่ระบบแล้ว", _identity(session, user))


def staff_by_token(session: Session, token: str) -> StaffIdentity | None:
    """The active staff member a login session belongs to, or None when the
    account was switched off, or logged out or had its password changed since."""
    user_id = parse_id(token.partition(":")[0])
    if user_id is None:
        return None
    user = session.get(StaffUser, user_id)
    if user is None or not user.active or not hmac.compare_digest(_token(user), token):
        return None
    return _identity(session, user)


@dataclass(frozen=True)
class StaffRow:
    id: int
    username: str
    display_name: str
    role: str
    units: tuple[str, ...]
    active: bool
    last_login_at: datetime | None

    @property
    def role_name(self) -> str:
        return ROLE_NAMES[self.role]


def list_staff(session: Session) -> list[StaffRow]:
    units: dict[int, list[str]] = {}
    for staff_id, unit in session.execute(select(StaffUnit.staff_id, StaffUnit.unit).order_by(StaffUnit.unit)):
        units.setdefault(staff_id, []).append(unit)
    return [StaffRow(u.id, u.username, u.display_name, u.role, tuple(units.get(u.id, ())), u.active,
                     as_utc(u.last_login_at) if u.last_login_at else None)
            for u in session.scalars(select(StaffUser).order_by(StaffUser.username))]


def names_of(session: Session, staff_ids: Collection[int]) -> dict[int, str]:
    """Display names by id, for lists that show who did what."""
    ids = {i for i in staff_ids if i is not None}
    if not ids:
        return {}
    return dict(session.execute(select(StaffUser.id, StaffUser.display_name)
                                .where(StaffUser.id.in_(ids))).tuples().all())


# The demo's logins, one per role (username: role, name, units by profile kind).
DEMO_STAFF: tuple[tuple[str, str, str, dict[str, tuple[str, ...]]], ...] = (
    ("admin", "admin", "ผู้ดูแลระบบ (ทดลอง)", {}),
    (DEMO_USERNAME, "finance", "เจ้าหน้าที่การเงิน (ทดลอง)", {"municipality": ("finance",),
                                                              "waterworks": ("finance",)}),
    ("water", "water", "เจ้าหน้าที่ประปา (ทดลอง)", {"waterworks": ("water",)}),
    ("counter", "counter", "เจ้าหน้าที่เคาน์เตอร์ (ทดลอง)", {}),
    ("cases", "cases", "เจ้าหน้าที่นิติการ (ทดลอง)", {"municipality": ("legal",), "waterworks": ("palad",)}),
    ("pr.news", "pr", "เจ้าหน้าที่ประชาสัมพันธ์ (ทดลอง)", {"municipality": ("pr",)}),
    ("executive", "executive", "ผู้บริหาร (ทดลอง)", {"municipality": ("palad", "finance"),
                                                      "waterworks": ("palad", "finance")}),
)


def ensure_demo_staff(session: Session, kind: str, known_units: Collection[str]) -> list[str]:
    """The demo's logins (password demo1234) that were missing, now made; the
    usernames made."""
    made = []
    for username, role, name, units in DEMO_STAFF:
        if session.scalar(select(StaffUser.id).where(StaffUser.username == username)) is None:
            create_staff(session, username=username, display_name=name, role=role, password=DEMO_PASSWORD,
                         units=[u for u in units.get(kind, ()) if u in known_units], known_units=known_units)
            made.append(username)
    return made
