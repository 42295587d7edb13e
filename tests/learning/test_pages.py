"""Learning from use, the office's side: the page lists what the bot missed, newest
first; staff label a text in one click (a suggested intent) or two (the chooser),
audited; the labels download as `nlu.yml` that the NLU's reader takes back, the same
as `smartservice nlu export-labels`; only roles with the permission get in; a
redelivered event is kept once; retention removes old texts like the transcript."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from click.testing import CliRunner
from sqlalchemy import func, select, update

from flows.texts import intent_label
from models.db import Database
from models.learning import MissedMessage
from models.staff import AuditEntry
from nlu.data import load_yaml
from services import learning, retention
from tests.accounts.conftest import db  # noqa: F401
from tests.backoffice.conftest import csrf, office, signed_in, staffed, text_of  # noqa: F401

OLDER, NEWER = "น้ำประปาบ้านป้าไม่ไหลมาสามวันแล้วเจ้า", "ขอ QR จ่ายค่าน้ำหน่อย"


def keep(db: Database, event_id: str, text: str, reason: str = "not_understood", guess: str | None = "water_service",
         confidence: float = 0.31) -> None:
    learning.record_miss(db, event_id=event_id, line_user_id="U-resident", text=text, reason=reason,
                         guess=SimpleNamespace(intent=guess, confidence=confidence) if guess else None)


def listed(html: str) -> list[str]:
    """The texts in the page's table, top to bottom."""
    return re.findall(r'<td class="said">([^<]*)</td>', html)


def rows(db: Database) -> list[MissedMessage]:
    with db.session() as session:
        return list(session.scalars(select(MissedMessage).order_by(MissedMessage.id)))


def test_a_redelivered_event_is_kept_once(db):
    keep(db, "ev-1", OLDER)
    keep(db, "ev-1", OLDER)
    assert [r.text for r in rows(db)] == [OLDER]


def test_staff_see_the_missed_texts_newest_first_and_label_one_in_a_click(staffed, signed_in):
    keep(staffed, "ev-1", OLDER)
    keep(staffed, "ev-2", NEWER, reason="clarify", guess="pay_bill", confidence=0.48)
    admin = signed_in("admin")
    page = admin.get("/admin/learning")
    assert page.status_code == 200
    shown = text_of(page.text)
    assert "ข้อความที่บอทยังไม่เข้าใจ" in shown and "ยังไม่ระบุเรื่อง 2 ข้อความ" in shown
    assert listed(page.text) == [NEWER, OLDER]
    assert f"{intent_label('pay_bill')} (48%)" in shown and learning.REASON_NAMES["clarify"] in shown
    assert "<script" not in page.text  # the chooser is a <details>: nothing for the CSP to block

    newer = rows(staffed)[1]
    # The bot's guess is a button of its own: one click.
    assert re.search(rf'name="intent" value="pay_bill" class="chip">{intent_label("pay_bill")}', page.text)
    labelled = admin.post(f"/admin/learning/{newer.id}/label", data={"csrf_token": csrf(admin, "/admin/learning"),
                                                                      "intent": "pay_bill"})
    assert labelled.status_code == 303 and labelled.headers["Location"].endswith("/admin/learning")
    newer = rows(staffed)[1]
    assert newer.label == "pay_bill" and newer.labelled_by is not None and newer.labelled_at is not None
    with staffed.session() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "miss_labelled")).one()
    assert (entry.username, entry.record_id, entry.before, entry.after) == (
        "admin", str(newer.id), {"label": None}, {"label": "pay_bill"})

    after = admin.get("/admin/learning").text  # unlabelled only, by default
    assert listed(after) == [OLDER] and "ยังไม่ระบุเรื่อง 1 ข้อความ" in text_of(after)
    assert f"ระบุเรื่อง \"{intent_label('pay_bill')}\" ให้ข้อความ" in text_of(after).replace("&#34;", '"')
    assert listed(admin.get("/admin/learning?view=all").text) == [NEWER, OLDER]


def test_an_intent_the_organisation_does_not_have_is_refused(staffed, signed_in):
    keep(staffed, "ev-1", OLDER)
    admin = signed_in("admin")
    refused = admin.post(f"/admin/learning/{rows(staffed)[0].id}/label",
                         data={"csrf_token": csrf(admin, "/admin/learning"), "intent": "no_such_intent"},
                         follow_redirects=True)
    assert "กรุณาเลือกจากรายการ" in refused.text and rows(staffed)[0].label is None
    with staffed.session() as session:
        assert session.scalar(select(func.count()).select_from(AuditEntry)
                              .where(AuditEntry.action == "miss_labelled")) == 0


def test_a_finance_only_login_is_refused(staffed, signed_in):
    keep(staffed, "ev-1", OLDER)
    finance = signed_in("finance")
    assert finance.get("/admin/learning").status_code == 403
    assert finance.get("/admin/learning/nlu.yml").status_code == 403
    token = csrf(finance, "/admin/")
    assert finance.post(f"/admin/learning/{rows(staffed)[0].id}/label",
                        data={"csrf_token": token, "intent": "water_service"}).status_code == 403
    assert rows(staffed)[0].label is None
    assert "ข้อความที่บอทยังไม่เข้าใจ" not in finance.get("/admin/").text  # neither menu nor tile


def test_the_labels_download_as_nlu_yml_the_nlu_reads_back(staffed, signed_in, tmp_path, monkeypatch):
    texts = {"ev-1": (OLDER, "complaint"), "ev-2": (NEWER, "pay_bill"),
             "ev-3": ("ท่อ [แตก](หน้าบ้าน)\nน้ำนอง", "complaint"), "ev-4": ("ยังไม่มีใครดู", None)}
    for event_id, (said, _) in texts.items():
        keep(staffed, event_id, said)
    admin = signed_in("admin")
    token = csrf(admin, "/admin/learning")
    for row in rows(staffed):
        intent = texts[row.event_id][1]
        if intent:
            admin.post(f"/admin/learning/{row.id}/label", data={"csrf_token": token, "intent": intent})

    download = admin.get("/admin/learning/nlu.yml")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"] == "attachment; filename=nlu.yml"
    exported = tmp_path / "labels.yml"
    exported.write_bytes(download.data)
    assert sorted(load_yaml(exported).examples) == sorted([
        (OLDER, "complaint"), (NEWER, "pay_bill"), ("ท่อ แตก(หน้าบ้าน) น้ำนอง", "complaint")])

    from bot.cli import main
    monkeypatch.setenv("DATABASE_URL", str(staffed.engine.url.render_as_string(hide_password=False)))
    out = tmp_path / "cli.yml"
    result = CliRunner().invoke(main, ["nlu", "export-labels", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == download.data


def test_retention_removes_old_texts_labelled_or_not(db):
    now = datetime.now(UTC)
    for event_id in ("old", "old-labelled", "recent"):
        keep(db, event_id, f"ข้อความ {event_id}")
    with db.session() as session, session.begin():
        session.execute(update(MissedMessage).where(MissedMessage.event_id.like("old%"))
                        .values(created_at=now - timedelta(days=61)))
        session.execute(update(MissedMessage).where(MissedMessage.event_id == "old-labelled")
                        .values(label="complaint"))
    assert retention.old_missed_messages(db, before=now - timedelta(days=60)) == 2
    assert [r.event_id for r in rows(db)] == ["recent"]
