"""Registration by one-time password (S0-1, SPEC §6.3).

The caller never learns whether a customer code exists: an unknown code, a
phone that is not on file and a correct pair all get the same answer, and all
leave a challenge row. Only a correct pair gets a code (and an SMS); the other
challenges have no code, so every guess against them is simply wrong and they
lock after the same five tries. The SMS is queued in the same transaction and
sent after the commit, off the answer's path (services/identity/sms.py), so a
matching pair is answered as fast as any other.

Limits count per requester (the LINE user), so nobody can use up someone
else's allowance: a LINE user gets 5 requests an hour, and the cooldown is per
LINE user, code and phone; wrong tries only ever count against the requester's
own challenge. A phone gets at most 15 SMS an hour, far more than one requester
can ask for; when that cap is reached the answer is still the same and the
challenge simply gets no code. None of this looks at whether the data matched
in a way the answer shows, so the limits leak nothing either.

Codes are 6 digits from ``secrets``, kept only as HMAC-SHA256 under the
server secret with a per-challenge salt, valid 5 minutes, 5 tries. The try
counter is raised by one conditional UPDATE, so parallel guesses cannot get
more than five between them. The clock is a parameter (``now``) for tests.
"""
from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session

from models.accounts import CustomerPhone
from models.base import as_utc
from models.db import affected_rows
from models.identity import OtpChallenge
from services.billing.accounts import customer_by_code, normalise_code
from services.identity.linking import link_account
from services.identity.sms import queue_sms
from thai.phones import is_mobile, mask_phone, normalise_phone

PURPOSE_REGISTER = "register"
_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
_RATE_WINDOW = timedelta(hours=1)


@dataclass(frozen=True)
class OtpPolicy:
    secret: str  # the server secret (settings.secret_key)
    lifetime: timedelta = timedelta(minutes=5)
    max_attempts: int = 5
    resend_cooldown: timedelta = timedelta(seconds=60)
    per_user_per_hour: int = 5  # requests by one LINE user, whatever the phone
    sms_per_phone_per_hour: int = 15  # SMS to one phone, whoever asks: three times one requester's allowance
    polite: str = "ค่ะ"  # the profile's polite particle


@dataclass(frozen=True)
class StartResult:
    """``sent`` is the answer for a matching pair *and* for a wrong one."""

    status: Literal["sent", "cooldown", "rate_limited", "invalid_phone", "invalid_code"]
    message: str
    retry_after_seconds: int = 0
    expires_at: datetime | None = None


@dataclass(frozen=True)
class VerifyResult:
    status: Literal["verified", "wrong_code", "locked", "expired", "no_challenge", "invalid_format"]
    message: str
    customer_id: int | None = None
    attempts_left: int = 0


def otp_sms_text(code: str, lifetime: timedelta) -> str:
    return f"รหัส OTP ของคุณคือ {code} (ใช้ได้ {int(lifetime.total_seconds() // 60)} นาที) อย่าบอกรหัสนี้กับผู้อื่น"


def _hash(policy: OtpPolicy, salt: str, code: str) -> str:
    return hmac.new(policy.secret.encode(), f"{salt}:{code}".encode(), hashlib.sha256).hexdigest()


def _minutes(seconds: int) -> int:
    return max(1, -(-seconds // 60))


def _recent(session: Session, condition: ColumnElement[bool], since: datetime) -> tuple[int, datetime | None]:
    count, oldest = session.execute(
        select(func.count(OtpChallenge.id), func.min(OtpChallenge.created_at))
        .where(condition, OtpChallenge.created_at > since)
    ).one()
    return count, (as_utc(oldest) if oldest is not None else None)


def start_registration(session: Session, *, customer_code: str, phone: str, line_user_id: str,
                       policy: OtpPolicy, now: datetime) -> StartResult:
    """Step one of registering: queue an OTP SMS to ``phone`` if, and only if, it is
    on file for ``customer_code``. The answer is the same either way. The caller
    commits, then starts the sending (``sms.send_soon``)."""
    p = policy.polite
    now = as_utc(now)
    typed_phone = normalise_phone(phone)
    if typed_phone is None or not is_mobile(typed_phone):
        return StartResult("invalid_phone", f"กรุณากรอกเบอร์โทรศัพท์มือถือ 10 หลัก เช่น 0812345678 {p}")
    code = normalise_code(customer_code)
    if not code or len(code) > 20:
        return StartResult("invalid_code", f"กรุณากรอกรหัสลูกค้าตามที่ระบุในใบแจ้งหนี้หรือสัญญา{p}")

    last = session.scalar(
        select(func.max(OtpChallenge.created_at)).where(
            OtpChallenge.line_user_id == line_user_id, OtpChallenge.phone == typed_phone,
            OtpChallenge.customer_code == code)
    )
    if last is not None and as_utc(last) + policy.resend_cooldown > now:
        wait = math.ceil((as_utc(last) + policy.resend_cooldown - now).total_seconds())
        return StartResult("cooldown", f"ระบบเพิ่งส่งคำขอรหัส OTP ไป กรุณารอ {wait} วินาทีแล้วขอใหม่อีกครั้ง{p}",
                           retry_after_seconds=wait)

    count, oldest = _recent(session, OtpChallenge.line_user_id == line_user_id, now - _RATE_WINDOW)
    if count >= policy.per_user_per_hour and oldest is not None:  # a count above zero has an oldest
        wait = math.ceil((oldest + _RATE_WINDOW - now).total_seconds())
        return StartResult(
            "rate_limited",
            f"ขออภัย{p} มีการขอรหัส OTP หลายครั้งเกินไป กรุณาลองใหม่ในอีก {_minutes(wait)} นาที",
            retry_after_seconds=wait,
        )
    # Challenges with a code are the SMS this phone was sent.
    texted, _ = _recent(session, (OtpChallenge.phone == typed_phone) & OtpChallenge.code_hash.is_not(None),
                        now - _RATE_WINDOW)

    customer = customer_by_code(session, code)
    on_file = customer is not None and session.scalar(
        select(CustomerPhone.id).where(CustomerPhone.customer_id == customer.id, CustomerPhone.phone == typed_phone)
    ) is not None
    send = on_file and texted < policy.sms_per_phone_per_hour
    salt = secrets.token_hex(16)
    otp = f"{secrets.randbelow(10**6):06d}"
    code_hash = _hash(policy, salt, otp)  # made either way: the same work whatever matched
    challenge = OtpChallenge(
        purpose=PURPOSE_REGISTER, line_user_id=line_user_id, customer_code=code, phone=typed_phone,
        customer_id=customer.id if send and customer else None, code_hash=code_hash if send else None,
        salt=salt, expires_at=now + policy.lifetime, attempts=0, max_attempts=policy.max_attempts, created_at=now,
    )
    session.add(challenge)
    session.flush()
    if send:
        queue_sms(session, typed_phone, otp_sms_text(otp, policy.lifetime), now=now, expires_at=challenge.expires_at)
    minutes = int(policy.lifetime.total_seconds() // 60)
    return StartResult(
        "sent",
        f"หากรหัสลูกค้าและเบอร์โทรศัพท์ตรงกับข้อมูลที่ลงทะเบียนไว้ ระบบได้ส่งรหัส OTP 6 หลักทาง SMS "
        f"ไปที่เบอร์ {mask_phone(typed_phone)} แล้ว{p} กรุณากรอกรหัสภายใน {minutes} นาที",
        expires_at=challenge.expires_at,
    )


def verify_otp(session: Session, *, line_user_id: str, code: str, policy: OtpPolicy, now: datetime,
               consent_version: str | None = None) -> VerifyResult:
    """Check a code against the LINE user's latest challenge. On success the
    account is linked (and made active), with the consent version when one is given."""
    p = policy.polite
    now = as_utc(now)
    typed = "".join(code.split()).translate(_THAI_DIGITS)
    if not (len(typed) == 6 and typed.isascii() and typed.isdigit()):
        return VerifyResult("invalid_format", f"กรุณากรอกรหัส OTP เป็นตัวเลข 6 หลัก{p}")
    challenge = session.scalar(
        select(OtpChallenge).where(OtpChallenge.line_user_id == line_user_id, OtpChallenge.purpose == PURPOSE_REGISTER)
        .order_by(OtpChallenge.id.desc()).limit(1)
    )
    if challenge is None or challenge.consumed_at is not None:
        return VerifyResult("no_challenge", f"ไม่มีรหัส OTP ที่รอยืนยัน กรุณาเริ่มลงทะเบียนใหม่{p}")
    locked = VerifyResult("locked", f"กรอกรหัสไม่ถูกต้องครบ {challenge.max_attempts} ครั้งแล้ว "
                                    f"รหัสนี้ใช้ไม่ได้อีก กรุณาขอรหัส OTP ใหม่{p}")
    if challenge.locked_at is not None:
        return locked
    if now >= as_utc(challenge.expires_at):
        return VerifyResult("expired", f"รหัส OTP หมดอายุแล้ว กรุณาขอรหัสใหม่{p}")

    attempts = session.execute(
        update(OtpChallenge)
        .where(OtpChallenge.id == challenge.id, OtpChallenge.attempts < OtpChallenge.max_attempts,
               OtpChallenge.locked_at.is_(None), OtpChallenge.consumed_at.is_(None))
        .values(attempts=OtpChallenge.attempts + 1)
        .returning(OtpChallenge.attempts),
        execution_options={"synchronize_session": False},
    ).scalar_one_or_none()
    if attempts is None:
        return locked
    right = hmac.compare_digest(_hash(policy, challenge.salt, typed), challenge.code_hash or "")
    if right and challenge.customer_id is not None:
        consumed = affected_rows(session.execute(
            update(OtpChallenge).where(OtpChallenge.id == challenge.id, OtpChallenge.consumed_at.is_(None))
            .values(consumed_at=now), execution_options={"synchronize_session": False},
        ))
        if consumed == 1:
            link_account(session, line_user_id, challenge.customer_id, consent_version=consent_version, now=now)
            return VerifyResult("verified", f"ยืนยันตัวตนเรียบร้อยแล้ว{p}", customer_id=challenge.customer_id)
    if attempts >= challenge.max_attempts:
        session.execute(
            update(OtpChallenge).where(OtpChallenge.id == challenge.id).values(locked_at=now),
            execution_options={"synchronize_session": False},
        )
        return locked
    left = challenge.max_attempts - attempts
    return VerifyResult("wrong_code", f"รหัส OTP ไม่ถูกต้อง กรอกได้อีก {left} ครั้ง{p}", attempts_left=left)
