"""Staff accounts: hashed passwords, one answer for every wrong login, a lock
after five failures of a name and ten of an address, sessions that end at logout
and on their own, and the command line that makes them."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from bot.cli import main
from models.staff import StaffUser
from services.staff import (
    LOCKED_LOGIN,
    WRONG_LOGIN,
    StaffError,
    authenticate,
    create_staff,
    end_sessions,
    session_alive,
    set_password,
    staff_by_token,
)

NOW = datetime(2026, 12, 15, 7, 0, tzinfo=UTC)


def _login(db, username: str, password: str, now: datetime = NOW, client: str | None = None):
    with db.session() as s, s.begin():
        return authenticate(s, username, password, now=now, client=client)


@pytest.fixture
def malee(db):
    with db.session() as s, s.begin():
        return create_staff(s, username="Malee", display_name="นางสาวมาลี ศรีสุข", role="finance",
                            password="correct horse")


def test_password_is_stored_hashed_and_checked(db, malee):
    with db.session() as s:
        user = s.scalar(select(StaffUser))
    assert user.username == "malee" and "correct horse" not in user.password_hash
    ok = _login(db, " MALEE ", "correct horse")
    assert ok.status == "ok" and ok.staff.display_name == "นางสาวมาลี ศรีสุข" and ok.staff.role_name == "การเงิน"
    with db.session() as s:
        assert staff_by_token(s, ok.staff.token) == ok.staff
        assert s.scalar(select(StaffUser.last_login_at)) is not None


def test_wrong_user_and_wrong_password_get_the_same_answer(db, malee):
    unknown = _login(db, "somchai", "correct horse")
    wrong = _login(db, "malee", "not it")
    assert (unknown.status, unknown.message, unknown.staff) == (wrong.status, wrong.message, wrong.staff) == (
        "wrong", WRONG_LOGIN, None)


def test_five_failures_lock_the_username_for_fifteen_minutes(db, malee):
    for minute in range(5):
        assert _login(db, "malee", "guess", NOW + timedelta(minutes=minute)).status == "wrong"
    locked = _login(db, "malee", "correct horse", NOW + timedelta(minutes=5))
    assert (locked.status, locked.message) == ("locked", LOCKED_LOGIN)
    # Locked by name: a username nobody has locks the same way, so the lock tells nothing.
    for minute in range(5):
        _login(db, "nobody", "guess", NOW + timedelta(minutes=minute))
    assert _login(db, "nobody", "guess", NOW + timedelta(minutes=5)).status == "locked"
    # Another user is not affected; after the window the right password works and clears the count.
    assert _login(db, "malee", "correct horse", NOW + timedelta(minutes=20)).status == "ok"
    assert _login(db, "malee", "guess", NOW + timedelta(minutes=21)).status == "wrong"


def test_a_switched_off_account_cannot_log_in(db, malee):
    with db.session() as s, s.begin():
        s.scalar(select(StaffUser)).active = False
    assert _login(db, "malee", "correct horse").status == "wrong"
    with db.session() as s:
        assert staff_by_token(s, malee.token) is None


def test_a_new_password_ends_old_sessions(db, malee):
    with db.session() as s, s.begin():
        set_password(s, "malee", "battery staple")
    with db.session() as s:
        assert staff_by_token(s, malee.token) is None
    assert _login(db, "malee", "correct horse").status == "wrong"
    assert _login(db, "malee", "battery staple").status == "ok"


def test_logging_out_ends_every_session_of_that_person_only(db, malee):
    with db.session() as s, s.begin():
        somchai = create_staff(s, username="somchai", display_name="นายสมชาย", role="admin", password="river-stone")
    second = _login(db, "malee", "correct horse").staff  # the same person at another computer
    assert second.token == malee.token
    with db.session() as s, s.begin():
        end_sessions(s, malee.id)
    with db.session() as s:
        assert staff_by_token(s, malee.token) is None and staff_by_token(s, second.token) is None
        assert staff_by_token(s, somchai.token) == somchai
    fresh = _login(db, "malee", "correct horse").staff
    with db.session() as s:
        assert fresh.token != malee.token and staff_by_token(s, fresh.token) == fresh


@pytest.mark.parametrize("token", ["²:x", "๑:x", "-1:x", "99999999999999999999:x", ":x", "1 :x"])
def test_tokens_with_odd_ids_are_refused(db, malee, token):
    with db.session() as s:
        assert staff_by_token(s, token) is None


def test_a_session_lasts_30_idle_minutes_and_8_hours_at_most():
    assert session_alive(NOW, NOW + timedelta(minutes=29), NOW + timedelta(minutes=58))
    assert not session_alive(NOW, NOW, NOW + timedelta(minutes=30))
    assert session_alive(NOW, NOW + timedelta(hours=7, minutes=50), NOW + timedelta(hours=7, minutes=59))
    assert not session_alive(NOW, NOW + timedelta(hours=7, minutes=50), NOW + timedelta(hours=8))


def test_ten_failures_from_one_address_make_it_wait_whatever_the_names(db, malee):
    guesser, office = "198.51.100.7", "203.0.113.20"
    for n in range(10):
        assert _login(db, f"name{n}", "guess", NOW + timedelta(minutes=n), client=guesser).status == "wrong"
    waiting = _login(db, "malee", "correct horse", NOW + timedelta(minutes=10), client=guesser)
    assert (waiting.status, waiting.staff, waiting.retry_after_seconds) == ("client_limited", None, 5 * 60)
    assert "จากเครื่องนี้" in waiting.message and "กรุณารออีก 5 นาที" in waiting.message
    # Another address is not held up, and a success there does not free the guesser.
    assert _login(db, "malee", "correct horse", NOW + timedelta(minutes=10), client=office).status == "ok"
    assert _login(db, "malee", "correct horse", NOW + timedelta(minutes=14), client=guesser).status == "client_limited"
    # The oldest failure leaves the 15-minute window: one more try, and one more failure holds it again.
    assert _login(db, "malee", "correct horse", NOW + timedelta(minutes=15), client=guesser).status == "ok"
    assert _login(db, "name10", "guess", NOW + timedelta(minutes=15), client=guesser).status == "wrong"
    again = _login(db, "malee", "correct horse", NOW + timedelta(minutes=15), client=guesser)
    assert (again.status, again.retry_after_seconds) == ("client_limited", 60)


def test_bad_accounts_are_refused_in_thai(db, malee):
    cases = [
        (dict(username="malee", display_name="ซ้ำ", role="finance", password="river-stone"), "มีชื่อผู้ใช้ malee อยู่แล้ว"),
        (dict(username="a b", display_name="x", role="finance", password="river-stone"), "ชื่อผู้ใช้ต้องเป็น"),
        (dict(username="somchai", display_name="x", role="wizard", password="river-stone"), "บทบาทต้องเป็น"),
        (dict(username="somchai", display_name="x", role="admin", password="short"), "อย่างน้อย 8 ตัวอักษร"),
        (dict(username="somchai", display_name="x", role="admin", password="12345678"), "เดาง่ายเกินไป"),
        (dict(username="somchai", display_name="x", role="admin", password="aaaaaaaaaa"), "เดาง่ายเกินไป"),
        (dict(username="somchai", display_name="x", role="admin", password="somchai2026"), "ไม่มีชื่อผู้ใช้"),
        (dict(username="somchai", display_name=" ", role="admin", password="river-stone"), "ชื่อที่แสดง"),
        (dict(username="somchai", display_name="x", role="cases", password="river-stone", units=["nowhere"],
              known_units=["legal"]), "ไม่มีหน่วยงาน nowhere"),
    ]
    for kwargs, message in cases:
        with pytest.raises(StaffError, match=message), db.session() as s, s.begin():
            create_staff(s, **kwargs)


def test_staff_command(database_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", database_url)
    runner = CliRunner()
    added = runner.invoke(main, ["staff", "add", "somsri", "--name", "นางสมศรี ใจดี", "--role", "finance"],
                          input="secret-pass\nsecret-pass\n")
    assert added.exit_code == 0, added.output
    assert "สร้างผู้ใช้ somsri (นางสมศรี ใจดี, การเงิน) แล้ว" in added.output
    again = runner.invoke(main, ["staff", "add", "somsri", "--name", "x", "--password", "another-pass"])
    assert again.exit_code != 0 and "มีชื่อผู้ใช้ somsri อยู่แล้ว" in again.output
    changed = runner.invoke(main, ["staff", "password", "somsri", "--password", "new-secret-pass"])
    assert changed.exit_code == 0 and "ตั้งรหัสผ่านใหม่ให้ somsri แล้ว" in changed.output
    listed = runner.invoke(main, ["staff", "list"])
    assert "somsri  นางสมศรี ใจดี  [การเงิน]  ยังไม่เคยเข้าระบบ" in listed.output
