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
"""
from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Literal

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from models.base import as_utc
from models.staff import STAFF_ROLES, StaffLoginAttempt, StaffUser
from services.ids import parse_id

LOGIN_WINDOW = timedelta(minutes=15)
MAX_FAILURES = 5
MAX_CLIENT_FAILURES = 10
SESSION_IDLE = timedelta(minutes=30)
SESSION_LIMIT = timedelta(hours=8)
MIN_PASSWORD_LENGTH = 8
ROLE_NAMES = {"finance": "การเงิน", "admin": "ผู้ดูแลระบบ"}

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


@dataclass(frozen=True)
class StaffIdentity:
    id: int
    username: str
    display_name: str
    role: str
    token: str  # what a login session keeps; changes at logout and with the password

    @property
    def role_name(self) -> str:
        return ROLE_NAMES[self.role]


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


def _identity(user: StaffUser) -> StaffIdentity:
    return StaffIdentity(id=user.id, username=user.username, display_name=user.display_name, role=user.role,
                         token=_token(user))


def _check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise StaffError(f"รหัสผ่านต้องยาวอย่างน้อย {MIN_PASSWORD_LENGTH} ตัวอักษร")


def create_staff(session: Session, *, username: str, display_name: str, role: str, password: str) -> StaffIdentity:
    name = normalise_username(username)
    if not _USERNAME.fullmatch(name):
        raise StaffError("ชื่อผู้ใช้ต้องเป็นตัวอักษรอังกฤษพิมพ์เล็ก ตัวเลข หรือ . _ - ยาว 3–64 ตัว")
    if role not in STAFF_ROLES:
        raise StaffError(f"บทบาทต้องเป็น {' หรือ '.join(STAFF_ROLES)}")
    if not display_name.strip():
        raise StaffError("กรุณาระบุชื่อที่แสดง")
    _check_password_rules(password)
    if session.scalar(select(StaffUser.id).where(StaffUser.username == name)) is not None:
        raise StaffError(f"มีชื่อผู้ใช้ {name} อยู่แล้ว")
    user = StaffUser(username=name, display_name=display_name.strip(), role=role,
                     password_hash=generate_password_hash(password))
    session.add(user)
    session.flush()
    return _identity(user)


def set_password(session: Session, username: str, password: str) -> None:
    """New password; sessions opened with the old one end at their next request."""
    _check_password_rules(password)
    user = session.scalar(select(StaffUser).where(StaffUser.username == normalise_username(username)))
    if user is None:
        raise StaffError(f"ไม่พบชื่อผู้ใช้ {normalise_username(username)}")
    user.password_hash = generate_password_hash(password)
    session.flush()
    end_sessions(session, user.id)


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
    return LoginResult("ok", "เข้าสู่ระบบแล้ว", _identity(user))


def staff_by_token(session: Session, token: str) -> StaffIdentity | None:
    """The active staff member a login session belongs to, or None when the
    account was switched off, or logged out or had its password changed since."""
    user_id = parse_id(token.partition(":")[0])
    if user_id is None:
        return None
    user = session.get(StaffUser, user_id)
    if user is None or not user.active or not hmac.compare_digest(_token(user), token):
        return None
    return _identity(user)


def list_staff(session: Session) -> list[StaffUser]:
    return list(session.scalars(select(StaffUser).order_by(StaffUser.username)))


def ensure_demo_staff(session: Session) -> bool:
    """The demo's finance login (finance / demo1234); False when it exists already."""
    if session.scalar(select(StaffUser.id).where(StaffUser.username == DEMO_USERNAME)) is not None:
        return False
    create_staff(session, username=DEMO_USERNAME, display_name="เจ้าหน้าที่การเงิน (ทดลอง)", role="finance",
                 password=DEMO_PASSWORD)
    return True
