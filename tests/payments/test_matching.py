from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from services.payments.bank_reports import PaymentLine, parse_bill_payment_report
from services.payments.matching import MatchWindow, OpenInvoice, match_payments

SAMPLE = (Path(__file__).parent / "vectors" / "bill_payment_sample_tis620.txt").read_bytes()


def _line(n, amount, ref1="", ref2="", when=datetime(2026, 12, 15, 10, 0), kind="credit"):
    return PaymentLine(line=n, paid_at=when, amount=Decimal(amount), ref1=ref1, ref2=ref2, kind=kind,
                       dedupe_key=f"k{n}")


def _invoice(number, customer, amount, due=date(2026, 12, 31), **kw):
    return OpenInvoice(number=number, customer_code=customer, amount_outstanding=Decimal(amount), due_date=due, **kw)


def _summary(results):
    return [(r.line.line, r.status, tuple((a.invoice_number, str(a.amount)) for a in r.allocations), r.candidates)
            for r in results]


def test_sample_report_matches_by_invoice_number_in_ref1():
    report = parse_bill_payment_report(SAMPLE)
    invoices = [_invoice("INV-2568-000123", "W001", "350.00", due=date(2025, 5, 31)),
                _invoice("INV-2568-000124", "W002", "12345.67", due=date(2025, 5, 31)),
                _invoice("INV-2568-000125", "W003", "350.00", due=date(2025, 5, 31))]
    results = match_payments(report.lines, invoices)
    assert _summary(results) == [(2, "matched", (("INV-2568-000123", "350.00"),), ()),
                                 (3, "matched", (("INV-2568-000124", "12345.67"),), ())]
    assert "INV-2568-000123" in results[0].reason


def test_importing_the_same_file_twice_changes_nothing():
    report = parse_bill_payment_report(SAMPLE)
    invoices = [_invoice("INV2568000123", "W001", "350.00", due=date(2025, 5, 31))]
    first = match_payments(report.lines, invoices)
    imported = {r.line.dedupe_key for r in first if r.status != "duplicate"}
    again = match_payments(parse_bill_payment_report(SAMPLE).lines, invoices, already_imported=imported)
    assert [r.status for r in again] == ["duplicate", "duplicate"]
    assert all(r.allocations == () for r in again)
    # The same line twice in one batch counts once.
    doubled = match_payments(list(report.lines) * 2, invoices)
    assert sorted(r.status for r in doubled) == ["duplicate", "duplicate", "matched", "unmatched"]


def test_reference_with_wrong_amount_goes_to_staff():
    results = match_payments([_line(1, "300", "INV-2569-000001")], [_invoice("INV-2569-000001", "W1", "350")])
    assert _summary(results) == [(1, "ambiguous", (), ("INV-2569-000001",))]
    assert "300.00" in results[0].reason and "350.00" in results[0].reason


def test_ref_pair_on_the_invoice_qr():
    invoices = [_invoice("A", "W1", "150", ref1="W1", ref2="256911"),
                _invoice("B", "W1", "150", ref1="W1", ref2="256912")]
    results = match_payments([_line(1, "150", "W1", "256912")], invoices)
    assert _summary(results) == [(1, "matched", (("B", "150.00"),), ())]


def test_customer_code_pays_the_oldest_bill_or_all_of_them():
    invoices = [_invoice("N2", "W7", "150", due=date(2026, 12, 31)),
                _invoice("N1", "W7", "150", due=date(2026, 11, 30)),
                _invoice("N3", "W8", "90")]
    results = match_payments([_line(1, "150", "W7"), _line(2, "150", "w-7", when=datetime(2026, 12, 16))], invoices)
    assert _summary(results) == [(1, "matched", (("N1", "150.00"),), ()), (2, "matched", (("N2", "150.00"),), ())]
    everything = match_payments([_line(1, "300", "W7")], invoices)
    assert _summary(everything) == [(1, "matched", (("N1", "150.00"), ("N2", "150.00")), ())]
    odd = match_payments([_line(1, "200", "W7")], invoices)
    assert _summary(odd) == [(1, "ambiguous", (), ("N1", "N2"))]


def test_amount_and_time_window_when_no_reference():
    invoices = [_invoice("A", "W1", "432.10", due=date(2026, 12, 31)),
                _invoice("B", "W2", "500.00", due=date(2026, 12, 31)),
                _invoice("C", "W3", "500.00", due=date(2026, 12, 31)),
                _invoice("D", "W4", "777.00", due=date(2026, 6, 30))]
    lines = [_line(1, "432.10", "UNKNOWNREF"), _line(2, "500"), _line(3, "777"), _line(4, "12.34")]
    results = match_payments(lines, invoices)
    assert _summary(results) == [(1, "matched", (("A", "432.10"),), ()), (2, "ambiguous", (), ("B", "C")),
                                 (3, "unmatched", (), ()), (4, "unmatched", (), ())]
    # A wider grace period lets the late payment of D through.
    late = match_payments([lines[2]], invoices, window=MatchWindow(grace_days=200))
    assert _summary(late) == [(3, "matched", (("D", "777.00"),), ())]


def test_invoice_is_settled_only_once():
    invoices = [_invoice("A", "W1", "100")]
    results = match_payments([_line(1, "100", "A"), _line(2, "100", "A", when=datetime(2026, 12, 15, 11))], invoices)
    assert [r.status for r in results] == ["matched", "unmatched"]


def test_reversal_lines_are_never_applied():
    results = match_payments([_line(1, "100", "A", kind="debit")], [_invoice("A", "W1", "100")])
    assert results[0].status == "unmatched" and "กลับรายการ" in results[0].reason
