"""Registration by OTP: what a resident and an attacker can and cannot do."""
from __future__ import annotations

import hashlib
import threading
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from models.chat import LineUser
from models.identity import OtpChallenge, SmsMessage
from services.identity.linking import active_customer_id, linked_accounts
from services.identity.otp import start_registration, verify_otp
from services.identity.sms import DevSmsProvider
from tests.identity.helpers import CONSENT, NOW, POLICY, last_code, two_customers


@pytest.fixture
def registered(db):
    with db.session() as s, s.begin():
        two_customers(s)
    return db


def start(s, code, phone, user="Uaaa", at=NOW):
    return start_registration(s, customer_code=code, phone=phone, line_user_id=user, policy=POLICY,
                              sms=DevSmsProvider(s), now=at)


def verify(s, code, user="Uaaa", at=NOW):
    return verify_otp(s, line_user_id=user, code=code, policy=POLICY, consent_version=CONSENT, now=at)


def sms_count(s) -> int:
    return s.scalar(select(func.count(SmsMessage.id)))


def test_the_right_pair_gets_an_sms_and_the_code_links_the_account_with_consent(registered):
    with registered.session() as s, s.begin():
        answer = start(s, " t0001 ", "081-000-0001")
        assert answer.status == "sent" and answer.expires_at == NOW + timedelta(minutes=5)
        assert "081-xxx-0001" in answer.message and "5 นาที" in answer.message
        sms = s.scalars(select(SmsMessage)).one()
        code = last_code(s, "0810000001")
        assert sms.text == f"รหัส OTP ของคุณคือ {code} (ใช้ได้ 5 นาที) อย่าบอกรหัสนี้กับผู้อื่น"
        assert sms.sender == "OSS-LOCAL"
        result = verify(s, code, at=NOW + timedelta(minutes=4))
        assert result.status == "verified" and "เรียบร้อย" in result.message
        assert [a.code for a in linked_accounts(s, "Uaaa")] == ["T0001"]
        user = s.scalar(select(LineUser).where(LineUser.line_user_id == "Uaaa"))
        assert user.consent_version == CONSENT
        assert verify(s, code).status == "no_challenge"  # a code works once


def test_unknown_code_and_wrong_phone_get_exactly_the_same_answer(registered):
    with registered.session() as s, s.begin():
        unknown = start(s, "T9999", "0899999999", user="U1")
        wrong_phone = start(s, "T0001", "0899999999", user="U2")
        landline_on_file = start(s, "T0002", "025201234", user="U3")
        right = start(s, "T0001", "0810000001", user="U4")
        assert unknown == wrong_phone
        assert right.status == unknown.status and right.expires_at == unknown.expires_at
        assert right.message == unknown.message.replace("089-xxx-9999", "081-xxx-0001")
        assert landline_on_file.status == "invalid_phone"  # a landline cannot take an SMS, whoever asks
        assert sms_count(s) == 1
        # Guessing against a challenge that has no code looks like guessing a real one.
        wrong = f"{(int(last_code(s, '0810000001')) + 1) % 10**6:06d}"
        assert verify(s, wrong, user="U1") == verify(s, wrong, user="U2") == verify(s, wrong, user="U4")


def test_the_code_is_kept_only_as_a_keyed_hash(registered):
    with registered.session() as s, s.begin():
        start(s, "T0001", "0810000001")
        code = last_code(s, "0810000001")
        rows = s.execute(text("SELECT * FROM otp_challenges")).mappings().all()
        assert len(rows) == 1
        assert all(code not in str(value) for value in rows[0].values())
        assert len(rows[0]["code_hash"]) == 64
        assert rows[0]["code_hash"] != hashlib.sha256(code.encode()).hexdigest()


def test_five_wrong_tries_lock_the_code_and_the_sixth_is_refused_even_when_right(registered):
    with registered.session() as s, s.begin():
        start(s, "T0001", "0810000001")
        code = last_code(s, "0810000001")
        wrong = f"{(int(code) + 1) % 10**6:06d}"
        answers = [verify(s, wrong) for _ in range(5)]
        assert [a.status for a in answers] == ["wrong_code"] * 4 + ["locked"]
        assert [a.attempts_left for a in answers[:4]] == [4, 3, 2, 1]
        assert "อีก 1 ครั้ง" in answers[3].message and "ขอรหัส OTP ใหม่" in answers[4].message
        sixth = verify(s, code)
        assert sixth.status == "locked" and sixth.customer_id is None
        assert linked_accounts(s, "Uaaa") == []
        challenge = s.scalars(select(OtpChallenge)).one()
        assert challenge.attempts == 5 and challenge.locked_at is not None


def test_the_right_code_on_the_fifth_try_still_links(registered):
    with registered.session() as s, s.begin():
        start(s, "T0001", "0810000001")
        code = last_code(s, "0810000001")
        for _ in range(4):
            assert verify(s, "999999" if code != "999999" else "000000").status == "wrong_code"
        assert verify(s, code).status == "verified"


def test_malformed_codes_do_not_use_up_tries(registered):
    with registered.session() as s, s.begin():
        start(s, "T0001", "0810000001")
        code = last_code(s, "0810000001")
        for junk in ("12345", "abcdef", "1234567", ""):
            assert verify(s, junk).status == "invalid_format"
        thai = code.translate(str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙"))
        assert verify(s, f" {thai[:3]} {thai[3:]} ").status == "verified"


def test_a_code_expires_after_five_minutes(registered):
    with registered.session() as s, s.begin():
        start(s, "T0001", "0810000001")
        code = last_code(s, "0810000001")
        expired = verify(s, code, at=NOW + timedelta(minutes=5))
        assert expired.status == "expired" and "หมดอายุ" in expired.message
        start(s, "T0001", "0810000001", at=NOW + timedelta(minutes=6))
        fresh = last_code(s, "0810000001")
        assert verify(s, fresh, at=NOW + timedelta(minutes=10, seconds=59)).status == "verified"


def test_resend_cooldown_holds_and_only_the_newest_code_counts(registered):
    with registered.session() as s, s.begin():
        start(s, "T0001", "0810000001")
        old = last_code(s, "0810000001")
        early = start(s, "T0001", "0810000001", at=NOW + timedelta(seconds=30))
        assert early.status == "cooldown" and early.retry_after_seconds == 30 and "30 วินาที" in early.message
        assert sms_count(s) == 1
        # The cooldown is the same for a pair that does not match: it says nothing about the data.
        start(s, "T9999", "0810000001", user="Ubbb")
        assert start(s, "T9999", "0810000001", user="Ubbb", at=NOW + timedelta(seconds=30)).status == "cooldown"
        assert start(s, "T0001", "0810000001", at=NOW + timedelta(seconds=60)).status == "sent"
        new = last_code(s, "0810000001")
        assert sms_count(s) == 2
        if new != old:
            assert verify(s, old, at=NOW + timedelta(seconds=70)).status == "wrong_code"
        assert verify(s, new, at=NOW + timedelta(seconds=80)).status == "verified"


@pytest.mark.parametrize("code", ["T0001", "T9999"])
def test_one_phone_gets_at_most_five_requests_an_hour_whoever_asks(registered, code):
    with registered.session() as s, s.begin():
        answers = [start(s, code, "0810000001", user=f"U{n}", at=NOW + timedelta(minutes=n)) for n in range(6)]
        assert [a.status for a in answers] == ["sent"] * 5 + ["rate_limited"]
        assert "55 นาที" in answers[5].message
        assert start(s, code, "0810000001", user="U9", at=NOW + timedelta(minutes=60)).status == "sent"


def test_one_line_user_gets_at_most_five_requests_an_hour(registered):
    with registered.session() as s, s.begin():
        answers = [start(s, "T0001", f"08900000{n:02d}", at=NOW + timedelta(minutes=n)) for n in range(6)]
        assert [a.status for a in answers] == ["sent"] * 5 + ["rate_limited"]
        assert start(s, "T0001", "0810000001", user="Uother", at=NOW + timedelta(minutes=6)).status == "sent"


@pytest.mark.parametrize("code, phone, status", [
    ("T0001", "12345", "invalid_phone"), ("T0001", "025201234", "invalid_phone"), ("   ", "0810000001", "invalid_code"),
])
def test_bad_input_is_answered_with_what_to_type(registered, code, phone, status):
    with registered.session() as s, s.begin():
        answer = start(s, code, phone)
        assert answer.status == status and answer.message.endswith("ค่ะ")
        assert s.scalar(select(func.count(OtpChallenge.id))) == 0


def test_the_polite_particle_follows_the_profile(registered):
    with registered.session() as s, s.begin():
        answer = start_registration(s, customer_code="T0001", phone="0810000001", line_user_id="U1",
                                    policy=replace(POLICY, polite="ครับ"), sms=DevSmsProvider(s), now=NOW)
        assert "แล้วครับ" in answer.message


def test_parallel_guesses_get_no_more_than_five_tries(registered):
    with registered.session() as s, s.begin():
        start(s, "T0001", "0810000001")
        code = last_code(s, "0810000001")
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    workers = 12 if registered.is_postgres else 6
    barrier, statuses = threading.Barrier(workers), []

    def guess() -> None:
        barrier.wait()
        with registered.session() as s, s.begin():
            statuses.append(verify(s, wrong).status)

    threads = [threading.Thread(target=guess) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert statuses.count("wrong_code") == 4 and statuses.count("locked") == workers - 4
    with registered.session() as s:
        assert s.scalars(select(OtpChallenge)).one().attempts == 5
        assert verify(s, code).status == "locked" and active_customer_id(s, "Uaaa") is None
