"""Benchmark: bank report parse + match (SPEC §6.1: 100,000 lines < 10 s) and
Thai QR payloads / PNG cards per second.

Run: .venv/bin/python bench/payments.py [--lines 100000]
The baseline in the same run is the bare cost of reading the file (split and
decode every line), so the ratio says what parsing and matching add to it.
"""
from __future__ import annotations

import argparse
import platform
import random
import time
from datetime import date, datetime, timedelta
from decimal import Decimal

from services.payments.bank_reports import ReportPayment, build_bill_payment_report, parse_bill_payment_report
from services.payments.matching import OpenInvoice, match_payments
from services.payments.qrimage import payment_card_png
from services.payments.thaiqr import bill_payment_payload, promptpay_payload


def _data(count: int) -> tuple[bytes, list[OpenInvoice]]:
    rng = random.Random(2569)
    start = datetime(2026, 12, 1, 8, 0)
    invoices, payments = [], []
    for n in range(count):
        amount = Decimal(rng.randrange(5_000, 500_000)) / 100
        invoice = OpenInvoice(f"INV-2569-{n:06d}", f"W{n:06d}", amount, date(2026, 12, 31), date(2026, 12, 1))
        invoices.append(invoice)
        paid_at = start + timedelta(seconds=n * 7)
        roll = rng.random()
        if roll < 0.70:  # bill payment with the invoice number as ref1
            payments.append(ReportPayment(paid_at, amount, f"INV2569{n:06d}", "256912"))
        elif roll < 0.85:  # customer code as ref1
            payments.append(ReportPayment(paid_at, amount, f"W{n:06d}"))
        elif roll < 0.95:  # unknown reference: amount and time window decide
            payments.append(ReportPayment(paid_at, amount, f"X{n:09d}"))
        else:  # wrong amount: goes to staff
            payments.append(ReportPayment(paid_at, amount + Decimal("1.00"), f"INV2569{n:06d}"))
    report = build_bill_payment_report(bank_code="006", company_account="1234567890", company_name="BENCH",
                                       effective=date(2026, 12, 31), service_code="WATER",
                                       biller_id="012345678901200", payments=payments)
    return report, invoices


def _timed(func):
    began = time.perf_counter()
    result = func()
    elapsed = time.perf_counter() - began
    return result, elapsed


def bench_reports(count: int) -> None:
    report, invoices = _data(count)
    _, baseline = _timed(lambda: [line.decode("cp874") for line in report.split(b"\r\n")])
    parsed, parse_s = _timed(lambda: parse_bill_payment_report(report))
    results, match_s = _timed(lambda: match_payments(parsed.lines, invoices))
    again, rematch_s = _timed(lambda: match_payments(
        parsed.lines, invoices, already_imported={r.line.dedupe_key for r in results}))
    statuses: dict[str, int] = {}
    for result in results:
        statuses[result.status] = statuses.get(result.status, 0) + 1
    total = parse_s + match_s
    print(f"bank report: {count:,} lines, {len(report) / 1e6:.1f} MB")
    print(f"  baseline read+decode: {baseline:.3f} s")
    print(f"  parse: {parse_s:.2f} s   match: {match_s:.2f} s   parse+match: {total:.2f} s "
          f"({total / baseline:.0f}x baseline; target < 10 s: {'PASS' if total < 10 else 'FAIL'})")
    print(f"  outcome: {statuses}")
    duplicates = sum(r.status == "duplicate" for r in again)
    print(f"  same file imported again: {duplicates:,} of {len(again):,} lines recognised as duplicates "
          f"in {rematch_s:.2f} s")


def bench_qr(seconds: float = 3.0) -> None:
    count = 0
    began = time.perf_counter()
    while time.perf_counter() - began < seconds:
        promptpay_payload("0812345678", Decimal(count % 100000) / 100 + 1)
        bill_payment_payload("012345678901200", f"INV2569{count:06d}", "256912", "1234.50")
        count += 2
    payload_rate = count / (time.perf_counter() - began)
    payment_card_png(promptpay_payload("0812345678", "1"), payee="warm-up")
    count = 0
    began = time.perf_counter()
    while time.perf_counter() - began < seconds:
        payload = bill_payment_payload("012345678901200", f"INV2569{count:06d}", "256912", "1234.50")
        payment_card_png(payload, payee="เทศบาลตำบลบ้านน้ำใส", caption=f"ใบแจ้งหนี้ INV-2569-{count:06d}")
        count += 1
    png_rate = count / (time.perf_counter() - began)
    print(f"Thai QR: {payload_rate:,.0f} payloads/s; payload + PNG card: {png_rate:,.1f} cards/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=100_000)
    args = parser.parse_args()
    print(f"python {platform.python_version()} on {platform.machine()}, {platform.system()}")
    bench_reports(args.lines)
    bench_qr()


if __name__ == "__main__":
    main()
