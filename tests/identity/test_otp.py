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
from tests.identity.helpers import NOW, POLICY, code_sent_to, sms_count, start, two_customers, verify


@pytest.fixture
def registered(db):
    with db.session() as s, s.begin():
        two_customers(s)
    return db


def wrong_for(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def test_the_right_pair_gets_an_sms_and_the_code_links_the_account_with_consent(registered):
    answer = start(registered, " t0001 ", "081-000-0001")
    assert answer.status == "sent" and answer.expires_at == NOW + timedelta(minutes=5)
    assert "081-xxx-0001" in answer.message and "5 นาที" in answer.message
    code = code_sent_to(registered, "0810000001")
    with registered.session() as s:
        sms = s.scalars(select(SmsMessage)).one()
    assert sms.text == f"รหัส OTP ของคุณคือ {code} (ใช้ได้ 5 นาที) อย่าบอกรหัสนี้กับผู้อื่น"
    assert sms.sender == "OSS-LOCAL"
    result = verify(registered, code, at=NOW + timedelta(minutes=4))
    assert result.status == "verified" and "เรียบร้อย" in result.message
    with registered.session() as s:
        assert [a.code for a in linked_accounts(s, "Uaaa")] == ["T0001"]
        assert s.scalar(select(LineUser.consent_version).where(LineUser.line_user_id == "Uaaa")) == "e-notice-2026-11"
    assert verify(registered, code).status == "no_challenge"  # a code works once


def test_unknown_code_and_wrong_phone_get_exactly_the_same_answer(registered):
    unknown = start(registered, "T9999", "0899999999", user="U1")
    wrong_phone = start(registered, "T0001", "0899999999", user="U2")
    landline_on_file = start(registered, "T0002", "025201234", user="U3")
    right = start(registered, "T0001", "0810000001", user="U4")
    assert unknown == wrong_phone
    assert right.status == unknown.status and right.expires_at == unknown.expires_at
    assert right.message == unknown.message.replace("089-xxx-9999", "081-xxx-0001")
    assert landline_on_file.status == "invalid_phone"  # a landline cannot take an SMS, whoever asks
    assert sms_count(registered) == 1
    # Guessing against a challenge that has no code looks like guessing a real one.
    wrong = wrong_for(code_sent_to(registered, "0810000001"))
    assert verify(registered, wrong, user="U1") == verify(registered, wrong, user="U2") == verify(
        registered, wrong, user="U4")


def test_the_code_is_kept_only_as_a_keyed_hash_and_leaves_the_outbox_once_sent(registered):
    start(registered, "T0001", "0810000001")
    code = code_sent_to(registered, "0810000001")
    with registered.session() as s:
        rows = s.execute(text("SELECT * FROM otp_challenges")).mappings().all()
        outbox = s.execute(text("SELECT * FROM sms_outbox")).mappings().all()
    assert len(rows) == 1
    assert all(code not in str(value) for value in rows[0].values())
    assert len(rows[0]["code_hash"]) == 64
    assert rows[0]["code_hash"] != hashlib.sha256(code.encode()).hexdigest()
    assert [(r["status"], r["text"], r["attempts"]) for r in outbox] == [("sent", None, 1)]


def test_five_wrong_tries_lock_the_code_and_the_sixth_is_refused_even_when_right(registered):
    start(registered, "T0001", "0810000001")
    code = code_sent_to(registered, "0810000001")
    answers = [verify(registered, wrong_for(code)) for _ in range(5)]
    assert [a.status for a in answers] == ["wrong_code"] * 4 + ["locked"]
    assert [a.attempts_left for a in answers[:4]] == [4, 3, 2, 1]
    assert "อีก 1 ครั้ง" in answers[3].message and "ขอรหัส OTP ใหม่" in answers[4].message
    sixth = verify(registered, code)
    assert sixth.status == "locked" and sixth.customer_id is None
    with registered.session() as s:
        assert linked_accounts(s, "Uaaa") == []
        challenge = s.scalars(select(OtpChallenge)).one()
        assert challenge.attempts == 5 and challenge.locked_at is not None


def test_the_right_code_on_the_fifth_try_still_links(registered):
    start(registered, "T0001", "0810000001")
    code = code_sent_to(registered, "0810000001")
    for _ in range(4):
        assert verify(registered, wrong_for(code)).status == "wrong_code"
    assert verify(registered, code).status == "verified"


def test_malformed_codes_do_not_use_up_tries(registered):
    start(registered, "T0001", "0810000001")
    code = code_sent_to(registered, "0810000001")
    for junk in ("12345", "abcdef", "1234567", ""):
        assert verify(registered, junk).status == "invalid_format"
    thai = code.translate(str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙"))
    assert verify(registered, f" {thai[:3]} {thai[3:]} ").status == "verified"


def test_a_code_expires_after_five_minutes(registered):
    start(registered, "T0001", "0810000001")
    code = code_sent_to(registered, "0810000001")
    expired = verify(registered, code, at=NOW + timedelta(minutes=5))
    assert expired.status == "expired" and "หมดอายุ" in expired.message
    start(registered, "T0001", "0810000001", at=NOW + timedelta(minutes=6))
    fresh = code_sent_to(registered, "0810000001")
    assert verify(registered, fresh, at=NOW + timedelta(minutes=10, seconds=59)).status == "verified"


def test_resend_cooldown_holds_and_only_the_newest_code_counts(registered):
    start(registered, "T0001", "0810000001")
    old = code_sent_to(registered, "0810000001")
    early = start(registered, "T0001", "0810000001", at=NOW + timedelta(seconds=30))
    assert early.status == "cooldown" and early.retry_after_seconds == 30 and "30 วินาที" in early.message
    assert sms_count(registered) == 1
    # The cooldown is the same for a pair that does not match: it says nothing about the data.
    start(registered, "T9999", "0810000001", user="Ubbb")
    assert start(registered, "T9999", "0810000001", user="Ubbb", at=NOW + timedelta(seconds=30)).status == "cooldown"
    assert start(registered, "T0001", "0810000001", at=NOW + timedelta(seconds=60)).status == "sent"
    new = code_sent_to(registered, "0810000001")
    assert sms_count(registered) == 2
    if new != old:
        assert verify(registered, old, at=NOW + timedelta(seconds=70)).status == "wrong_code"
    assert verify(registered, new, at=NOW + timedelta(seconds=80)).status == "verified"


def test_one_line_user_gets_at_most_five_requests_an_hour(registered):
    answers = [start(registered, "T0001", f"08900000{n:02d}", at=NOW + timedelta(minutes=n)) for n in range(6)]
    assert [a.status for a in answers] == ["sent"] * 5 + ["rate_limited"]
    assert "55 นาที" in answers[5].message
    assert start(registered, "T0001", "0810000001", user="Uother", at=NOW + timedelta(minutes=6)).status == "sent"
    assert start(registered, "T0001", "0810000001", at=NOW + timedelta(minutes=60)).status == "sent"


@pytest.mark.parametrize("code", ["T9999", "T0001"])
def test_another_users_requests_do_not_use_up_the_owners_allowance(registered, code):
    """Someone else typing the owner's phone, with wrong codes or even the right one,
    runs into his own limit; the owner still gets a code and registers."""
    intruder = [start(registered, code, "0810000001", user="Uintruder", at=NOW + timedelta(minutes=n))
                for n in range(6)]
    assert [a.status for a in intruder] == ["sent"] * 5 + ["rate_limited"]
    texted = sms_count(registered)
    owner = start(registered, "T0001", "0810000001", user="Uowner", at=NOW + timedelta(minutes=7))
    assert owner.status == "sent" and sms_count(registered) == texted + 1
    code_ = code_sent_to(registered, "0810000001")
    assert verify(registered, code_, user="Uowner", at=NOW + timedelta(minutes=8)).status == "verified"


def test_another_users_wrong_codes_do_not_lock_the_owners_code(registered):
    start(registered, "T0001", "0810000001", user="Uowner")
    owners = code_sent_to(registered, "0810000001")
    start(registered, "T0001", "0810000001", user="Uintruder")
    assert [verify(registered, wrong_for(owners), user="Uintruder").status for _ in range(5)][-1] == "locked"
    assert verify(registered, owners, user="Uintruder").status == "locked"
    assert verify(registered, owners, user="Uowner").status == "verified"


def test_a_phone_gets_at_most_fifteen_sms_an_hour_and_the_answer_does_not_show_it(registered):
    answers = [start(registered, "T0001", "0810000001", user=f"U{n}", at=NOW + timedelta(minutes=n))
               for n in range(16)]
    assert {a.status for a in answers} == {"sent"} and answers[15].message == answers[14].message
    assert sms_count(registered) == 15
    # The sixteenth asker got a challenge with no code: any try at it is wrong.
    assert verify(registered, code_sent_to(registered, "0810000001"), user="U15",
                  at=NOW + timedelta(minutes=16)).status == "wrong_code"
    start(registered, "T0001", "0810000001", user="U99", at=NOW + timedelta(minutes=61))
    assert sms_count(registered) == 16


@pytest.mark.parametrize("code, phone, status", [
    ("T0001", "12345", "invalid_phone"), ("T0001", "025201234", "invalid_phone"), ("   ", "0810000001", "invalid_code"),
])
def test_bad_input_is_answered_with_what_to_type(registered, code, phone, status):
    answer = start(registered, code, phone)
    assert answer.status == status and answer.message.endswith("ค่ะ")
    with registered.session() as s:
        assert s.scalar(select(func.count(OtpChallenge.id))) == 0


def test_the_polite_particle_follows_the_profile(registered):
    answer = start(registered, "T0001", "0810000001", user="U1", policy=replace(POLICY, polite="ครับ"))
    assert "แล้วครับ" in answer.message


def test_parallel_guesses_get_no_more_than_five_tries(registered):
    start(registered, "T0001", "0810000001")
    code = code_sent_to(registered, "0810000001")
    workers = 12 if registered.is_postgres else 6
    barrier, statuses = threading.Barrier(workers), []

    def guess() -> None:
        barrier.wait()
        statuses.append(verify(registered, wrong_for(code)).status)

    threads = [threading.Thread(target=guess) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert statuses.count("wrong_code") == 4 and statuses.count("locked") == workers - 4
    with registered.session() as s:
        assert s.scalars(select(OtpChallenge)).one().attempts == 5
        assert active_customer_id(s, "Uaaa") is None
    assert verify(registered, code).status == "locked"
