"""`smartservice staff`: units from the profile the bot runs (ORG_PROFILE), shown by
`staff list`, and each account change in the audit log."""
from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import select

from bot.cli import main
from models.db import Database
from models.staff import AuditEntry


def _run(*args: str):
    return CliRunner().invoke(main, ["staff", *args])


def test_staff_add_takes_units_of_the_profile(database_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("ORG_PROFILE", "municipality")
    added = _run("add", "somsri", "--name", "นางสมศรี ใจดี", "--role", "cases", "--unit", "legal", "--unit",
                 "engineering", "--password", "ทะเลสาบ2569")
    assert added.exit_code == 0, added.output
    assert "สร้างผู้ใช้ somsri (นางสมศรี ใจดี, เรื่องร้องเรียน/คำร้อง) หน่วยงาน engineering, legal แล้ว" in added.output
    unknown = _run("add", "somchai", "--name", "นายสมชาย", "--role", "cases", "--unit", "moon",
                   "--password", "ทะเลสาบ2569")
    assert unknown.exit_code != 0 and "ไม่มีหน่วยงาน moon ในโปรไฟล์ขององค์กร" in unknown.output
    listed = _run("list")
    assert "somsri  นางสมศรี ใจดี  [เรื่องร้องเรียน/คำร้อง]  หน่วยงาน: engineering, legal  ยังไม่เคยเข้าระบบ" in (
        listed.output)
    assert "somchai" not in listed.output
    assert _run("password", "somsri", "--password", "น้ำประปา-ใส").exit_code == 0
    db = Database(database_url)
    try:
        with db.session() as s:
            rows = s.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    finally:
        db.engine.dispose()
    assert [(r.action, r.username, r.detail) for r in rows] == [("staff_added", "cli", "somsri"),
                                                                ("password_reset", "cli", "somsri")]
    assert rows[0].after["units"] == ["engineering", "legal"] and rows[1].record_id == rows[0].record_id


def test_a_unit_needs_a_profile_that_has_it(database_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("ORG_PROFILE", "tenant")  # no units at all
    refused = _run("add", "somsri", "--name", "นางสมศรี", "--unit", "legal", "--password", "ทะเลสาบ2569")
    assert refused.exit_code != 0 and "ไม่มีหน่วยงาน legal" in refused.output
    monkeypatch.setenv("ORG_PROFILE", "no-such-profile")
    broken = _run("add", "somsri", "--name", "นางสมศรี", "--unit", "legal", "--password", "ทะเลสาบ2569")
    assert broken.exit_code != 0 and "ORG_PROFILE" in broken.output and "no-such-profile" in broken.output
    # Without units the profile is not needed.
    assert _run("add", "somsri", "--name", "นางสมศรี", "--password", "ทะเลสาบ2569").exit_code == 0


def test_help_says_what_the_options_do():
    helped = _run("add", "--help")
    assert helped.exit_code == 0
    text = " ".join(helped.output.split())
    assert "--unit KEY" in text and "ORG_PROFILE" in text and "Repeat for more than one" in text
    assert "[admin|finance|water|counter|cases|pr|executive]" in text
    assert "list Every staff login with its role, units (keys) and last login." in " ".join(
        _run("--help").output.split())
