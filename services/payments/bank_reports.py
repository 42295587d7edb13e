"""Bank reports of payments received: the 256-character bill-payment file
(H header, D details, T trailer; TIS-620/cp874) and CSV account statements.

Parsing is strict: a report that does not add up is refused as a whole, with
every bad line and field listed, because a half-imported report is worse than
none. Nothing is guessed (banks differ in details; see vectors/README.md).
"""
from __future__ import annotations

import csv
import hashlib
import io
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from thai.money import to_money

RECORD_LENGTH = 256

# (field, first column, last column), 1-based and inclusive as bank manuals print them.
Layout = tuple[tuple[str, int, int], ...]
HEADER: Layout = (
    ("record_type", 1, 1), ("seq", 2, 7), ("bank_code", 8, 10), ("company_account", 11, 20),
    ("company_name", 21, 60), ("effective_date_ddmmyyyy", 61, 68), ("service_code", 69, 76), ("spare", 77, 256),
)
DETAIL: Layout = (
    ("record_type", 1, 1), ("seq", 2, 7), ("bank_code", 8, 10), ("company_account", 11, 20),
    ("payment_date_ddmmyyyy", 21, 28), ("payment_time_hhmmss", 29, 34), ("customer_name", 35, 84),
    ("ref1", 85, 104), ("ref2", 105, 124), ("ref3", 125, 144), ("branch_no", 145, 148), ("teller_no", 149, 152),
    ("kind_of_transaction", 153, 153), ("transaction_code", 154, 156), ("cheque_no", 157, 163),
    ("amount_13_2implied", 164, 176), ("cheque_bank_code", 177, 179), ("spare1", 180, 196),
    ("biller_id", 197, 211), ("spare2", 212, 243), ("sending_bank_code", 244, 246), ("new_cheque_no", 247, 256),
)
TRAILER: Layout = (
    ("record_type", 1, 1), ("seq", 2, 7), ("bank_code", 8, 10), ("company_account", 11, 20),
    ("total_debit_amount", 21, 33), ("total_debit_count", 34, 39), ("total_credit_amount", 40, 52),
    ("total_credit_count", 53, 58), ("spare", 59, 256),
)
LAYOUTS = {"H": HEADER, "D": DETAIL, "T": TRAILER}


@dataclass(frozen=True)
class Problem:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"บรรทัด {self.line} ช่อง {self.field}: {self.message}"


class ReportError(ValueError):
    """The report is refused; ``problems`` lists every bad line and field."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        shown = "\n".join(str(p) for p in problems[:50])
        more = f"\n… และอีก {len(problems) - 50} รายการ" if len(problems) > 50 else ""
        super().__init__(f"ไฟล์รายงานไม่ถูกต้อง {len(problems)} จุด:\n{shown}{more}")


@dataclass(frozen=True)
class PaymentLine:
    """One payment received, from either kind of report."""

    line: int
    paid_at: datetime
    amount: Decimal
    ref1: str
    ref2: str
    kind: Literal["credit", "debit"]
    dedupe_key: str
    customer_name: str = ""
    ref3: str = ""
    bank_code: str = ""
    sending_bank_code: str = ""
    biller_id: str = ""
    branch_no: str = ""
    teller_no: str = ""
    transaction_code: str = ""
    description: str = ""


@dataclass(frozen=True)
class BillPaymentReport:
    bank_code: str
    company_account: str
    company_name: str
    effective_date: date
    service_code: str
    lines: tuple[PaymentLine, ...]


def _fields(record: str, layout: Layout) -> dict[str, str]:
    return {name: record[start - 1:end] for name, start, end in layout}


class _Checker:
    """Collects problems for one line so all of them are reported at once."""

    def __init__(self, problems: list[Problem], line: int) -> None:
        self.problems = problems
        self.line = line

    def fail(self, field: str, message: str) -> None:
        self.problems.append(Problem(self.line, field, message))

    def digits(self, fields: dict[str, str], name: str) -> str | None:
        value = fields[name]
        if not value.isascii() or not value.isdigit():
            self.fail(name, f"ต้องเป็นตัวเลข {len(value)} หลัก แต่พบ {value!r}")
            return None
        return value

    def optional_digits(self, fields: dict[str, str], name: str) -> str:
        value = fields[name].strip()
        if value and not (value.isascii() and value.isdigit()):
            self.fail(name, f"ต้องเป็นตัวเลขหรือเว้นว่าง แต่พบ {fields[name]!r}")
        return value

    def amount(self, fields: dict[str, str], name: str) -> Decimal | None:
        value = self.digits(fields, name)
        return None if value is None else to_money(Decimal(value).scaleb(-2))

    def timestamp(self, fields: dict[str, str], date_name: str, time_name: str | None = None) -> datetime | None:
        text = fields[date_name] + (fields[time_name] if time_name else "000000")
        try:
            stamp = datetime.strptime(text, "%d%m%Y%H%M%S")
        except ValueError:
            self.fail(date_name if time_name is None else f"{date_name}/{time_name}",
                      f"วันเวลาไม่ถูกต้อง {text!r} (ต้องเป็น ววดดปปปป ชชนนวว ปี ค.ศ.)")
            return None
        if not 2000 <= stamp.year <= 2100:
            self.fail(date_name, f"ปี {stamp.year} ไม่ใช่ปี ค.ศ. ที่เป็นไปได้")
            return None
        return stamp


def _dedupe_key(parts: Iterable[str], seen: Counter[str]) -> str:
    """Same payment → same key in any re-import; identical payments within one
    file are told apart by their order of appearance, not by sequence numbers a
    bank may renumber."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]
    seen[digest] += 1
    return f"{digest}#{seen[digest]}"


def _split_lines(data: bytes, encoding: str, problems: list[Problem]) -> tuple[list[tuple[int, str]], int]:
    """Decoded 256-character records with their line numbers, and the line count
    (a final newline or DOS end-of-file mark is not a line)."""
    raw_lines = data.split(b"\n")
    if raw_lines and raw_lines[-1].strip(b"\r\x1a") == b"":
        raw_lines.pop()
    lines = []
    for number, raw in enumerate(raw_lines, start=1):
        raw = raw.rstrip(b"\r")
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError as exc:
            problems.append(Problem(number, "encoding", f"อ่านด้วย {encoding} ไม่ได้ที่ตำแหน่ง {exc.start + 1}"))
            continue
        if len(text) != RECORD_LENGTH:
            problems.append(Problem(number, "record", f"ยาว {len(text)} ตัวอักษร ต้องยาว {RECORD_LENGTH}"))
            continue
        lines.append((number, text))
    return lines, len(raw_lines)


def parse_bill_payment_report(data: bytes, *, encoding: str = "cp874") -> BillPaymentReport:
    """Parse a bill-payment report; raises ReportError listing every problem."""
    problems: list[Problem] = []
    records, total_lines = _split_lines(data, encoding, problems)
    if total_lines == 0:
        raise ReportError([Problem(1, "record", "ไฟล์ว่าง ไม่มีข้อมูล")])
    header: dict[str, str] | None = None
    effective: datetime | None = None
    lines: list[PaymentLine] = []
    sums = {"credit": Decimal("0.00"), "debit": Decimal("0.00")}
    counts = {"credit": 0, "debit": 0}
    trailer_seen = False
    keys: Counter[str] = Counter()
    for number, text in records:
        clean_so_far = not problems
        check = _Checker(problems, number)
        record_type = text[0]
        if record_type not in LAYOUTS:
            check.fail("record_type", f"ต้องเป็น H, D หรือ T แต่พบ {record_type!r}")
            continue
        fields = _fields(text, LAYOUTS[record_type])
        seq = check.digits(fields, "seq")
        if seq is not None and int(seq) != number:
            check.fail("seq", f"ลำดับ {int(seq)} ไม่ตรงกับบรรทัดที่ {number}")
        if record_type == "H":
            if number != 1:
                check.fail("record_type", "ส่วนหัว (H) ต้องอยู่บรรทัดแรกเท่านั้น")
                continue
            header = fields
            check.digits(fields, "bank_code")
            check.digits(fields, "company_account")
            effective = check.timestamp(fields, "effective_date_ddmmyyyy")
            continue
        if number == 1:
            check.fail("record_type", f"บรรทัดแรกต้องเป็นส่วนหัว (H) แต่พบ {record_type!r}")
        if trailer_seen:
            check.fail("record_type", "มีข้อมูลต่อจากส่วนท้าย (T)")
        if header is not None:
            for name in ("bank_code", "company_account"):
                if fields[name] != header[name]:
                    check.fail(name, f"{fields[name]!r} ไม่ตรงกับส่วนหัว {header[name]!r}")
        if record_type == "T":
            trailer_seen = True
            if number != total_lines:
                check.fail("record_type", "ส่วนท้าย (T) ต้องอยู่บรรทัดสุดท้าย")
            # With a detail line already refused the sums are unknown; comparing them would only add noise.
            sums_known = clean_so_far
            for kind in ("debit", "credit"):
                amount = check.amount(fields, f"total_{kind}_amount")
                count = check.digits(fields, f"total_{kind}_count")
                if not sums_known:
                    continue
                if amount is not None and amount != sums[kind]:
                    check.fail(f"total_{kind}_amount", f"ยอดรวม {amount:,.2f} ไม่ตรงกับผลรวมรายการ {sums[kind]:,.2f}")
                if count is not None and int(count) != counts[kind]:
                    check.fail(f"total_{kind}_count", f"จำนวน {int(count)} ไม่ตรงกับจำนวนรายการ {counts[kind]}")
            continue
        line = _detail(check, fields, keys)
        if line is not None:
            lines.append(line)
            sums[line.kind] += line.amount
            counts[line.kind] += 1
    if header is None and not any(p.line == 1 for p in problems):
        problems.append(Problem(1, "record_type", "ไม่มีส่วนหัว (H)"))
    if not trailer_seen:
        problems.append(Problem(total_lines, "record_type", "ไม่มีส่วนท้าย (T) ไฟล์อาจไม่ครบ"))
    if problems:
        raise ReportError(sorted(problems, key=lambda p: p.line))
    assert header is not None and effective is not None
    return BillPaymentReport(
        bank_code=header["bank_code"], company_account=header["company_account"],
        company_name=header["company_name"].strip(), effective_date=effective.date(),
        service_code=header["service_code"].strip(), lines=tuple(lines),
    )


def _detail(check: _Checker, fields: dict[str, str], keys: Counter[str]) -> PaymentLine | None:
    before = len(check.problems)
    paid_at = check.timestamp(fields, "payment_date_ddmmyyyy", "payment_time_hhmmss")
    amount = check.amount(fields, "amount_13_2implied")
    kind_code = fields["kind_of_transaction"]
    if kind_code not in ("C", "D"):
        check.fail("kind_of_transaction", f"ต้องเป็น C (รับชำระ) หรือ D (กลับรายการ) แต่พบ {kind_code!r}")
    ref1 = fields["ref1"].strip()
    if not ref1:
        check.fail("ref1", "ไม่มีรหัสอ้างอิง 1")
    biller_id = check.optional_digits(fields, "biller_id")
    sending_bank = check.optional_digits(fields, "sending_bank_code")
    check.optional_digits(fields, "branch_no")
    if len(check.problems) > before or paid_at is None or amount is None:
        return None
    ref2 = fields["ref2"].strip()
    key = _dedupe_key((fields["bank_code"], fields["company_account"], fields["payment_date_ddmmyyyy"],
                       fields["payment_time_hhmmss"], ref1, ref2, fields["ref3"].strip(), fields["branch_no"],
                       fields["teller_no"], kind_code, fields["transaction_code"], str(amount)), keys)
    return PaymentLine(
        line=check.line, paid_at=paid_at, amount=amount, ref1=ref1, ref2=ref2,
        kind="credit" if kind_code == "C" else "debit", dedupe_key=key,
        customer_name=fields["customer_name"].strip(), ref3=fields["ref3"].strip(), bank_code=fields["bank_code"],
        sending_bank_code=sending_bank, biller_id=biller_id, branch_no=fields["branch_no"],
        teller_no=fields["teller_no"], transaction_code=fields["transaction_code"].strip(),
    )


@dataclass(frozen=True)
class CsvColumns:
    """Which columns of a bank's CSV statement hold what. Names are the header
    texts exactly as the bank writes them (Thai or English)."""

    date: str
    deposit: str
    time: str | None = None
    ref1: str | None = None
    ref2: str | None = None
    description: str | None = None
    date_format: str = "%d/%m/%Y"
    time_format: str = "%H:%M"
    buddhist_era: bool = False  # dates written as 15/12/2569


def _csv_timestamp(check: _Checker, row: dict[str, str], columns: CsvColumns) -> datetime | None:
    text = (row.get(columns.date) or "").strip()
    try:
        day = datetime.strptime(text, columns.date_format)
        if columns.buddhist_era:
            day = day.replace(year=day.year - 543)
    except ValueError:
        check.fail(columns.date, f"วันที่ {text!r} ไม่ตรงรูปแบบ {columns.date_format}")
        return None
    if not columns.time:
        return day
    time_text = (row.get(columns.time) or "").strip()
    try:
        moment = datetime.strptime(time_text, columns.time_format).time()
    except ValueError:
        check.fail(columns.time, f"เวลา {time_text!r} ไม่ตรงรูปแบบ {columns.time_format}")
        return None
    return datetime.combine(day.date(), moment)


def parse_csv_statement(data: bytes | str, columns: CsvColumns, *, encoding: str = "utf-8-sig") -> list[PaymentLine]:
    """Deposits from a CSV statement; rows without a deposit (withdrawals, balance
    lines) are skipped. Raises ReportError listing every bad row and column."""
    text = data.decode(encoding) if isinstance(data, bytes) else data
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    wanted = [c for c in (columns.date, columns.deposit, columns.time, columns.ref1, columns.ref2, columns.description)
              if c]
    missing = [c for c in wanted if c not in header]
    if missing:
        raise ReportError([Problem(1, name, "ไม่มีคอลัมน์นี้ในหัวตาราง") for name in missing])
    problems: list[Problem] = []
    lines: list[PaymentLine] = []
    keys: Counter[str] = Counter()
    for number, row in enumerate(reader, start=2):
        check = _Checker(problems, number)
        deposit_text = (row.get(columns.deposit) or "").strip()
        if not deposit_text:
            continue
        try:
            amount = to_money(deposit_text)
        except ValueError:
            check.fail(columns.deposit, f"จำนวนเงิน {deposit_text!r} ไม่ถูกต้อง")
            continue
        if amount <= 0:
            check.fail(columns.deposit, f"ยอดฝากต้องมากกว่า 0 แต่พบ {deposit_text!r}")
            continue
        paid_at = _csv_timestamp(check, row, columns)
        if paid_at is None:
            continue
        ref1 = (row.get(columns.ref1) or "").strip() if columns.ref1 else ""
        ref2 = (row.get(columns.ref2) or "").strip() if columns.ref2 else ""
        description = (row.get(columns.description) or "").strip() if columns.description else ""
        key = _dedupe_key(("csv", paid_at.isoformat(), str(amount), ref1, ref2, description), keys)
        lines.append(PaymentLine(line=number, paid_at=paid_at, amount=amount, ref1=ref1, ref2=ref2, kind="credit",
                                 dedupe_key=key, description=description))
    if problems:
        raise ReportError(problems)
    return lines


@dataclass(frozen=True)
class ReportPayment:
    """A payment to write into a bill-payment report (demo data, benchmarks, tests)."""

    paid_at: datetime
    amount: Decimal
    ref1: str
    ref2: str = ""
    customer_name: str = ""
    kind: Literal["C", "D"] = "C"
    sending_bank_code: str = ""
    transaction_code: str = "NET"


_ZERO_FILLED = {"seq", "amount_13_2implied", "cheque_bank_code", "total_debit_amount", "total_debit_count",
                "total_credit_amount", "total_credit_count"}


def _record(layout: Layout, values: dict[str, str]) -> str:
    parts = []
    for name, start, end in layout:
        width = end - start + 1
        value = values.get(name, "")
        if len(value) > width:
            raise ValueError(f"{name} {value!r} is wider than {width}")
        parts.append(value.rjust(width, "0") if name in _ZERO_FILLED else value.ljust(width))
    return "".join(parts)


def build_bill_payment_report(*, bank_code: str, company_account: str, company_name: str, effective: date,
                              service_code: str, biller_id: str, payments: Iterable[ReportPayment],
                              encoding: str = "cp874") -> bytes:
    """Write payments as a bank would, in the layout ``parse_bill_payment_report`` reads."""
    common = {"bank_code": bank_code, "company_account": company_account}
    records = [_record(HEADER, {**common, "record_type": "H", "seq": "1", "company_name": company_name,
                                "effective_date_ddmmyyyy": effective.strftime("%d%m%Y"),
                                "service_code": service_code})]
    totals = {"C": [0, 0], "D": [0, 0]}
    for payment in payments:
        satang = int(to_money(payment.amount) * 100)
        totals[payment.kind][0] += satang
        totals[payment.kind][1] += 1
        records.append(_record(DETAIL, {
            **common, "record_type": "D", "seq": str(len(records) + 1),
            "payment_date_ddmmyyyy": payment.paid_at.strftime("%d%m%Y"),
            "payment_time_hhmmss": payment.paid_at.strftime("%H%M%S"), "customer_name": payment.customer_name,
            "ref1": payment.ref1, "ref2": payment.ref2, "branch_no": "0000", "teller_no": "0000",
            "kind_of_transaction": payment.kind, "transaction_code": payment.transaction_code,
            "amount_13_2implied": str(satang), "cheque_bank_code": "0", "biller_id": biller_id,
            "sending_bank_code": payment.sending_bank_code,
        }))
    records.append(_record(TRAILER, {
        **common, "record_type": "T", "seq": str(len(records) + 1),
        "total_debit_amount": str(totals["D"][0]), "total_debit_count": str(totals["D"][1]),
        "total_credit_amount": str(totals["C"][0]), "total_credit_count": str(totals["C"][1]),
    }))
    return "".join(r + "\r\n" for r in records).encode(encoding)
