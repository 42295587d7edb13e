"""Payment dates within sane bounds, whoever records them: not after today, not
before 1 January five years back. A date like 0001-01-01 used to reach the books
(or fail converting to UTC) from the back office's slip form."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from models.accounts import Payment, Receipt
from models.slips import Slip
from services.billing.errors import BillingError
from services.billing.payments import earliest_payment_day, record_cash_payment, record_payment
from services.billing.slips import approve_slip, submit_slip
from tests.accounts.helpers import RECEIPT_FORMAT, at, bill, customer
from tests.slip_images import slip_png
from thai.dates import BANGKOK

TODAY = date(2026, 12, 15)
NOW = at(TODAY, 14)

TOO_EARLY = [date(1, 1, 1), date(1999, 12, 31), date(2020, 12, 31)]
IN_THE_FUTURE = [TODAY + timedelta(days=1), date(2569, 12, 15), date(9999, 12, 31)]  # 2569: a Buddhist year


def _count(s, model) -> int:
    return s.scalar(select(func.count()).select_from(model))


def test_the_bounds():
    assert earliest_payment_day(TODAY) == date(2021, 1, 1)
    assert earliest_payment_day(date(2028, 2, 29)) == date(2023, 1, 1)


@pytest.mark.parametrize("day", TOO_EARLY + IN_THE_FUTURE, ids=str)
def test_a_payment_dated_out_of_bounds_is_refused_and_nothing_written(db, day):
    message = "อนาคต" if day > TODAY else "ย้อนหลังได้ไม่เกิน 5 ปี"
    with db.session() as s, s.begin():
        owner = customer(s)
        bill(s, owner, "500.00", issued=date(2026, 12, 1), due=date(2026, 12, 20))
        owner_id = owner.id
    for zone in (BANGKOK, UTC):
        paid_at = datetime.combine(day, time(23, 30) if day.year == 9999 else time(0), tzinfo=zone)
        for record in (
            lambda s: record_payment(s, owner_id, amount="500.00", paid_at=paid_at, method="transfer",
                                     reference="KB1", today=TODAY),
            lambda s: record_cash_payment(s, owner_id, amount="500.00", paid_at=paid_at,
                                          receipt_number_format=RECEIPT_FORMAT, today=TODAY),
        ):
            with pytest.raises(BillingError, match=message), db.session() as s, s.begin():
                record(s)
    with db.session() as s:
        assert (_count(s, Payment), _count(s, Receipt)) == (0, 0)


def test_the_first_and_last_days_are_accepted(db):
    with db.session() as s, s.begin():
        owner = customer(s)
        first = record_payment(s, owner.id, amount="1.00", paid_at=at(date(2021, 1, 1), 0), method="transfer",
                               today=TODAY)
        last = record_payment(s, owner.id, amount="1.00", paid_at=datetime.combine(TODAY, time(23, 59), BANGKOK),
                              method="transfer", today=TODAY)
        assert first.id and last.id


def test_without_today_the_clock_decides(db):
    with db.session() as s, s.begin():
        owner = customer(s)
        tomorrow = datetime.now(BANGKOK) + timedelta(days=1)
        with pytest.raises(BillingError, match="อนาคต"):
            record_payment(s, owner.id, amount="1.00", paid_at=tomorrow, method="cash")


@pytest.mark.parametrize("day", [date(1, 1, 1), date(2020, 6, 30)], ids=str)
def test_a_slip_approved_with_an_impossible_date_stays_pending(db, store, day):
    with db.session() as s, s.begin():
        owner = customer(s)
        slip_id = submit_slip(s, customer_id=owner.id, image=slip_png(), source="chat", line_user_id=None,
                              store=store, now=NOW).slip_id
    with pytest.raises(BillingError, match="ย้อนหลังได้ไม่เกิน 5 ปี"), db.session() as s, s.begin():
        approve_slip(s, slip_id, amount=Decimal("100.00"), paid_at=at(day, 9), invoice_id=None,
                     reviewed_by="มาลี", receipt_number_format=RECEIPT_FORMAT, now=NOW)
    with db.session() as s:
        assert s.get(Slip, slip_id).status == "pending"
        assert (_count(s, Payment), _count(s, Receipt)) == (0, 0)


@pytest.mark.parametrize("day", [date(1, 1, 1), TODAY + timedelta(days=1)], ids=str)
def test_a_slip_declaring_an_impossible_date_is_refused_with_nothing_stored(db, store, day):
    with db.session() as s, s.begin():
        owner_id = customer(s).id
    with pytest.raises(BillingError, match="วันที่ชำระเงิน"), db.session() as s, s.begin():
        submit_slip(s, customer_id=owner_id, image=slip_png(), source="web", line_user_id=None, store=store,
                    now=NOW, declared_amount=Decimal("100.00"), declared_paid_on=day)
    with db.session() as s:
        assert _count(s, Slip) == 0
    assert not store.root.exists() or not any(p.is_file() for p in store.root.rglob("*"))
