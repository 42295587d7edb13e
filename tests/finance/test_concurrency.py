"""Reviewers and residents racing each other on PostgreSQL: a slip is decided
once, a transfer is queued once."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from models.accounts import Payment, Receipt
from models.slips import Slip
from services.billing.slips import approve_slip, reject_slip, submit_slip
from tests.accounts.helpers import RECEIPT_FORMAT, at, bill, customer
from tests.accounts.test_concurrency import _race
from tests.slip_images import slip_png

pytestmark = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)

TODAY = date(2026, 12, 15)
NOW = at(TODAY, 14)
WORKERS = 8


def _approve(s, slip_id: int, n: int):
    return approve_slip(s, slip_id, amount=Decimal("1000.00"), paid_at=at(TODAY, 9), invoice_id=None,
                        reviewed_by=f"เจ้าหน้าที่ {n}", receipt_number_format=RECEIPT_FORMAT, now=NOW)


def test_reviewers_approving_one_slip_at_once_record_one_payment(db, store):
    with db.session() as s, s.begin():
        owner = customer(s)
        bill(s, owner, "1000.00", issued=date(2026, 12, 1), due=date(2026, 12, 20))
        slip_ids = [submit_slip(s, customer_id=owner.id, image=slip_png(f"RACE{i}"), source="chat",
                                line_user_id=None, store=store, now=NOW).slip_id for i in range(3)]
    for slip_id in slip_ids:
        approved, refused = _race(db, WORKERS, lambda s, n: _approve(s, slip_id, n))
        assert len(approved) == 1 and len(refused) == WORKERS - 1
        assert all("ถูกอนุมัติไปแล้วโดย" in str(r) for r in refused)
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Payment)) == 3
        assert sorted(s.scalars(select(Receipt.number))) == [f"RC-2570-00000{i}" for i in (1, 2, 3)]


def test_approve_and_reject_at_once_leave_one_decision(db, store):
    with db.session() as s, s.begin():
        owner = customer(s)
        slip_id = submit_slip(s, customer_id=owner.id, image=slip_png(), source="chat", line_user_id=None,
                              store=store, now=NOW).slip_id

    def decide(s, n: int):
        if n % 2:
            return _approve(s, slip_id, n)
        return reject_slip(s, slip_id, reason="ยอดไม่ตรง", reviewed_by=f"เจ้าหน้าที่ {n}", now=NOW)

    decided, refused = _race(db, WORKERS, decide)
    assert len(decided) == 1 and len(refused) == WORKERS - 1
    with db.session() as s:
        slip = s.get(Slip, slip_id)
        payments = s.scalar(select(func.count()).select_from(Payment))
    assert (slip.status, payments) in {("approved", 1), ("rejected", 0)}


def test_the_same_picture_sent_at_once_is_queued_once(db, store):
    with db.session() as s, s.begin():
        owners = [customer(s, f"T000{i}", phones=(f"081000000{i}",)) for i in range(1, 3)]
    image = slip_png()
    results, refused = _race(db, WORKERS, lambda s, n: submit_slip(
        s, customer_id=owners[n % 2].id, image=image, source="chat", line_user_id=None, store=store, now=NOW))
    assert refused == []
    assert sorted(r.status for r in results) == ["duplicate"] * (WORKERS - 1) + ["pending"]
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Slip)) == 1
