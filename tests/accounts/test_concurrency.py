"""Many payments against one invoice at the same time never over-allocate it."""
from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from models.accounts import Allocation, Receipt
from services.billing.allocation import allocate_payment
from services.billing.balance import outstanding_of_invoice
from services.billing.errors import BillingError
from services.billing.payments import record_cash_payment, record_payment
from tests.accounts.helpers import RECEIPT_FORMAT, at, bill, customer

TODAY = date(2026, 11, 25)


def _race(db, workers: int, work) -> tuple[list, list]:
    start = threading.Barrier(workers)
    results, errors = [], []

    def run(n: int) -> None:
        start.wait()
        try:
            with db.session() as s, s.begin():
                results.append(work(s, n))
        except BillingError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results, errors


def _threads(db) -> int:
    return 50 if db.is_postgres else 10


def test_concurrent_cash_payments_never_over_allocate_one_invoice(db):
    workers = _threads(db)
    with db.session() as s, s.begin():
        c = customer(s)
        inv = bill(s, c, str(workers * 20) + ".00", issued=TODAY, due=TODAY)
        cid, inv_id = c.id, inv.id
    receipts, refused = _race(db, workers, lambda s, n: record_cash_payment(
        s, cid, amount="100.00", paid_at=at(TODAY), invoice_id=inv_id, receipt_number_format=RECEIPT_FORMAT).number)
    assert len(receipts) == workers // 5 and len(refused) == workers - workers // 5
    assert sorted(receipts) == [f"RC-2570-{n:06d}" for n in range(1, workers // 5 + 1)]
    with db.session() as s:
        assert s.scalar(select(func.sum(Allocation.amount)).where(Allocation.invoice_id == inv_id)) == workers * 20
        assert outstanding_of_invoice(s, inv_id) == Decimal("0.00")
        assert s.scalar(select(func.count(Receipt.id))) == workers // 5


def test_concurrent_allocation_of_transfers_fills_the_invoice_exactly(db):
    workers = _threads(db)
    with db.session() as s, s.begin():
        c = customer(s)
        inv = bill(s, c, "1000.00", issued=TODAY, due=TODAY)
        payments = [record_payment(s, c.id, amount="30.00", paid_at=at(TODAY), method="transfer",
                                   reference=f"TX{n}").id for n in range(workers)]
        inv_id = inv.id
    made, _ = _race(db, workers, lambda s, n: sum((a.amount for a in allocate_payment(s, payments[n])), Decimal("0")))
    assert sum(made, Decimal("0")) == min(Decimal("1000.00"), Decimal("30.00") * workers)
    with db.session() as s:
        per_payment = s.execute(select(Allocation.payment_id, func.sum(Allocation.amount)).group_by(Allocation.payment_id))
        assert all(amount <= Decimal("30.00") for _, amount in per_payment)
        assert outstanding_of_invoice(s, inv_id) == Decimal("1000.00") - sum(made, Decimal("0"))
