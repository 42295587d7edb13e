import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from config.profile import bundled_profiles, load_profile
from models.accounts import CreditNote, Customer, Invoice, Payment, Receipt
from models.base import Base
from models.db import Database
from services.billing.accounts import customer_by_code, customer_info
from services.billing.balance import statement
from services.billing.receipts import recent_receipts
from services.demo import seed_demo, seed_demo_cli

TODAY = date(2026, 11, 25)


def _counts(s) -> tuple[int, ...]:
    return tuple(s.scalar(select(func.count(m.id))) for m in (Customer, Invoice, CreditNote, Payment, Receipt))


def test_tenant_demo_has_the_scripted_t0001(db):
    with db.session() as s, s.begin():
        seed_demo(s, load_profile("tenant"), today=TODAY)
    with db.session() as s:
        t0001 = customer_by_code(s, "T0001")
        info = customer_info(s, t0001.id)
        assert "0810000001" in info.phones
        assert [(c.kind, c.unit_no, c.monthly_rent) for c in info.contracts] == [("lease", "A-12", Decimal("8500.00"))]
        st = statement(s, t0001.id, today=TODAY)
        assert st.outstanding == Decimal("22327.50")
        assert st.current.outstanding == Decimal("11537.50") and st.current.due_date > TODAY
        assert [(i.total, i.credited, i.outstanding) for i in st.overdue] == [
            (Decimal("11290.00"), Decimal("500.00"), Decimal("10790.00"))]
        assert [n.amount for n in st.credit_notes] == [Decimal("500.00")]
        receipts = recent_receipts(s, t0001.id, now=datetime(2026, 11, 25, 5, tzinfo=UTC))
        assert [r.amount for r in receipts] == [Decimal("11185.00")]


@pytest.mark.parametrize("profile", bundled_profiles())
def test_every_profile_seeds_once_with_codes_of_its_pattern(db, profile):
    org = load_profile(profile)
    with db.session() as s, s.begin():
        first = seed_demo(s, org, today=TODAY)
    with db.session() as s, s.begin():
        before = _counts(s)
        again = seed_demo(s, org, today=TODAY)
        assert _counts(s) == before
    assert first.created and again.created == [] and again.skipped == first.created
    assert all(re.fullmatch(org.customer_code_pattern, code) for code in first.created)
    with db.session() as s:
        assert all(statement(s, customer_by_code(s, code).id, today=TODAY).current for code in first.created)


def test_seed_demo_command_reports_progress_and_is_idempotent(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    database = Database(url)
    Base.metadata.create_all(database.engine)
    monkeypatch.setenv("DATABASE_URL", url)
    runner = CliRunner()
    first = runner.invoke(seed_demo_cli, ["--profile", "waterworks"])
    assert first.exit_code == 0, first.output
    assert "สร้างแล้ว W00001" in first.output and "สร้างใหม่ 3 ราย" in first.output
    second = runner.invoke(seed_demo_cli, ["--profile", "waterworks"])
    assert "มีอยู่แล้ว W00001" in second.output and "สร้างใหม่ 0 ราย, มีอยู่แล้ว 3 ราย" in second.output
    with database.session() as s:
        assert s.scalar(select(func.count(Customer.id))) == 3
    database.engine.dispose()
