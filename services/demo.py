"""Demo customers, contracts and bills for each bundled profile.

Dates are relative to the day of seeding, so a fresh demo always has a
current bill and an overdue one. Seeding is idempotent: a customer code that
exists is left as it is, with everything hanging off it.

Tenant customer T0001 (phone 0810000001) is the scripted path of issue 6:
one lease, one paid bill with its receipt, one overdue bill with a credit
note and one current bill; outstanding 22,327.50 บาท.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import click
from sqlalchemy.orm import Session

from config.profile import OrgProfile, load_profile
from models.db import configured_database
from services.billing.accounts import add_contract, create_customer, customer_by_code
from services.billing.allocation import allocate_payment
from services.billing.credit_notes import issue_credit_note
from services.billing.invoices import Line, issue_invoice
from services.billing.payments import record_cash_payment, record_payment
from services.billing.receipts import issue_receipt
from services.staff import DEMO_PASSWORD, ensure_demo_staff
from thai.dates import BANGKOK, MONTHS_FULL, be_year


@dataclass(frozen=True)
class DemoBill:
    issued_days_ago: int
    due_after_days: int
    lines: tuple[Line, ...]
    paid_by: str | None = None  # "cash" or "transfer": paid in full 5 days after issue
    credit: tuple[str, str] | None = None  # (amount, reason)


@dataclass(frozen=True)
class DemoCustomer:
    code: str
    name: str
    type: str
    phones: tuple[str, ...]
    address: str
    village: str | None = None
    contracts: tuple[dict[str, Any], ...] = ()
    bills: tuple[DemoBill, ...] = field(default_factory=tuple)


def _rent(rent: str, common: str, units: int | None = None) -> tuple[Line, ...]:
    lines = [Line("ค่าเช่าพื้นที่", rent), Line("ค่าบริการส่วนกลาง", common)]
    if units:
        lines.append(Line("ค่าไฟฟ้า", "7.50", units, "หน่วย"))
    return tuple(lines)


def _water(units: int) -> tuple[Line, ...]:
    first = min(units, 10)
    lines = [Line("ค่าน้ำประปา 10 ลบ.ม. แรก", "6.00", first, "ลบ.ม.")]
    if units > 10:
        lines.append(Line(f"ค่าน้ำประปา ลบ.ม. ที่ 11–{units}", "8.00", units - 10, "ลบ.ม."))
    lines.append(Line("ค่าบริการรายเดือน", "10.00"))
    return tuple(lines)


_GARBAGE = (Line("ค่าธรรมเนียมเก็บขยะมูลฝอย", "40.00"),)
_CENTRE = "ศูนย์การค้าชุมชนสุขใจ สาขาคลองหลวง"

TENANT = (
    DemoCustomer(
        code="T0001", name="ร้านสมใจพาณิชย์ (นางสมใจ ใจดี)", type="tenant", phones=("0810000001",),
        address="99/12 ถนนพหลโยธิน ตำบลคลองหนึ่ง อำเภอคลองหลวง จังหวัดปทุมธานี 12120",
        contracts=({"number": "CT-T0001-01", "kind": "lease", "centre": _CENTRE, "unit_no": "A-12",
                    "area_sqm": "24.00", "monthly_rent": "8500.00", "years": (2, 1),
                    "description": "ร้านค้าชั้น 1 โซน A"},),
        bills=(
            DemoBill(65, 15, _rent("8500.00", "1200.00", 198), paid_by="transfer"),
            DemoBill(35, 15, _rent("8500.00", "1200.00", 212), credit=("500.00", "ส่วนลดค่าเช่าช่วงปิดปรับปรุงทางเดิน 3 วัน")),
            DemoBill(5, 15, _rent("8500.00", "1200.00", 245)),
        ),
    ),
    DemoCustomer(
        code="T0002", name="ร้านข้าวแกงป้าแดง (นางแดง มีสุข)", type="tenant", phones=("0810000002",),
        address="99/30 ถนนพหลโยธิน ตำบลคลองหนึ่ง อำเภอคลองหลวง จังหวัดปทุมธานี 12120",
        contracts=({"number": "CT-T0002-01", "kind": "lease", "centre": _CENTRE, "unit_no": "แผง B-03",
                    "area_sqm": "6.00", "monthly_rent": "3200.00", "years": (1, 1),
                    "description": "แผงอาหารในศูนย์อาหาร"},),
        bills=(DemoBill(35, 15, _rent("3200.00", "400.00"), paid_by="cash"),
               DemoBill(5, 15, _rent("3200.00", "400.00"))),
    ),
    DemoCustomer(
        code="T0003", name="บริษัท ดีดีมาร์ท จำกัด", type="tenant", phones=("0810000003", "025201999"),
        address="99/1 ถนนพหลโยธิน ตำบลคลองหนึ่ง อำเภอคลองหลวง จังหวัดปทุมธานี 12120",
        contracts=(
            {"number": "CT-T0003-01", "kind": "lease", "centre": _CENTRE, "unit_no": "C-01", "area_sqm": "80.00",
             "monthly_rent": "28000.00", "years": (3, 2), "description": "ร้านสะดวกซื้อ"},
            {"number": "CT-T0003-02", "kind": "lease", "centre": _CENTRE, "unit_no": "C-02", "area_sqm": "20.00",
             "monthly_rent": "6000.00", "years": (1, 2), "description": "คลังสินค้า"},
        ),
        bills=(DemoBill(5, 15, _rent("34000.00", "3500.00", 1320)),),
    ),
)

WATERWORKS = tuple(
    DemoCustomer(
        code=f"W{n:05d}", name=name, type="water_user", phones=(f"08900000{n:02d}",),
        address=f"{10 + n} หมู่ {village} ตำบลหนองบัว อำเภอเมือง จังหวัดขอนแก่น 40000", village=f"หมู่ {village}",
        contracts=({"number": f"WC-{n:05d}", "kind": "water", "meter_number": f"MT-{n:04d}", "years": (5, None),
                    "description": "ผู้ใช้น้ำประเภทครัวเรือน"},),
        bills=tuple(bills),
    )
    for n, name, village, bills in (
        (1, "นายบุญมี ศรีสุข", 3, [DemoBill(35, 15, _water(16), paid_by="cash"), DemoBill(5, 15, _water(18))]),
        (2, "นางสาวมาลี ดอกคำ", 3, [DemoBill(35, 15, _water(24)), DemoBill(5, 15, _water(22))]),
        (3, "นายทองดี มีทรัพย์", 5, [DemoBill(5, 15, _water(8))]),
    )
)

COOPERATIVE = tuple(
    DemoCustomer(
        code=f"M{n:05d}", name=name, type="member", phones=(f"08700000{n:02d}",),
        address="45 ถนนศรีจันทร์ ตำบลในเมือง อำเภอเมือง จังหวัดขอนแก่น 40000",
        contracts=({"number": f"MB-{n:05d}", "kind": "membership", "years": (years, None),
                    "description": "สมาชิกสามัญ"},),
        bills=(DemoBill(5, 25, (Line("เงินสงเคราะห์ล่วงหน้า สมาคมฌาปนกิจสงเคราะห์", "1200.00"),)),),
    )
    for n, name, years in ((1, "นางสุนีย์ ครูดี", 12), (2, "นายประเสริฐ สอนเก่ง", 4))
)

MUNICIPALITY = tuple(
    DemoCustomer(
        code=f"G{n:06d}", name=name, type="household", phones=(f"08600000{n:02d}",),
        address=f"{n}/5 หมู่ {village} ตำบลบ้านสวน อำเภอเมือง จังหวัดชลบุรี 20000", village=f"หมู่ {village}",
        contracts=({"number": f"GB-{n:06d}", "kind": "garbage", "years": (3, None),
                    "description": "เก็บขยะมูลฝอยครัวเรือน เดือนละ 40 บาท"},),
        bills=(DemoBill(65, 30, _GARBAGE, paid_by="cash"), DemoBill(35, 15, _GARBAGE), DemoBill(5, 25, _GARBAGE)),
    )
    for n, name, village in ((1, "นายสมศักดิ์ รักบ้าน", 2), (2, "นางวันเพ็ญ สวนงาม", 2), (3, "นายชาติชาย ใจเย็น", 4))
)

DEMO_CUSTOMERS = {"tenant": TENANT, "waterworks": WATERWORKS, "cooperative": COOPERATIVE, "municipality": MUNICIPALITY}


@dataclass
class SeedReport:
    created: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def _period(day: date) -> str:
    return f"{MONTHS_FULL[day.month - 1]} {be_year(day)}"


def _seed_customer(session: Session, profile: OrgProfile, demo: DemoCustomer, today: date) -> None:
    formats = profile.document_number_formats
    customer = create_customer(session, code=demo.code, name=demo.name, type=demo.type, phones=demo.phones,
                               address=demo.address, village=demo.village)
    contracts = []
    for spec in demo.contracts:
        spec = dict(spec)
        back, ahead = spec.pop("years")
        contracts.append(add_contract(
            session, customer, starts_on=date(today.year - back, 1, 1),
            ends_on=date(today.year + ahead, 12, 31) if ahead is not None else None, **spec,
        ))
    for bill in demo.bills:
        issued = today - timedelta(days=bill.issued_days_ago)
        invoice = issue_invoice(session, customer, number_format=formats["invoice"], lines=bill.lines,
                                issued_on=issued, due_date=issued + timedelta(days=bill.due_after_days),
                                period=_period(issued), contract=contracts[0] if contracts else None)
        if bill.credit:
            amount, reason = bill.credit
            issue_credit_note(session, invoice.id, amount=amount, reason=reason, issued_on=issued + timedelta(days=3),
                              number_format=formats["credit_note"])
        if bill.paid_by:
            paid_at = datetime.combine(issued + timedelta(days=5), time(10, 30), tzinfo=BANGKOK)
            total = sum(line.amount for line in bill.lines)
            if bill.paid_by == "cash":
                record_cash_payment(session, customer.id, amount=total, paid_at=paid_at, invoice_id=invoice.id,
                                    receipt_number_format=formats["receipt"], received_by="เจ้าหน้าที่การเงิน")
            else:
                payment = record_payment(session, customer.id, amount=total, paid_at=paid_at, method="transfer",
                                         reference=f"DEMO{invoice.number}")
                allocate_payment(session, payment.id, invoice_id=invoice.id)
                issue_receipt(session, payment.id, number_format=formats["receipt"], issued_at=paid_at)


def seed_demo(session: Session, profile: OrgProfile, *, today: date,
              progress: Callable[[str], None] = lambda _line: None) -> SeedReport:
    """Create the profile's demo customers that do not exist yet, each in its
    own savepoint so one bad row cannot leave a half-made customer."""
    report = SeedReport()
    for demo in DEMO_CUSTOMERS[profile.kind]:
        if customer_by_code(session, demo.code) is not None:
            report.skipped.append(demo.code)
            progress(f"มีอยู่แล้ว {demo.code} {demo.name}")
            continue
        with session.begin_nested():
            _seed_customer(session, profile, demo, today)
        report.created.append(demo.code)
        progress(f"สร้างแล้ว {demo.code} {demo.name} ({len(demo.bills)} ใบแจ้งหนี้)")
    for username in ensure_demo_staff(session, profile.kind, [u.key for u in profile.units]):
        progress(f"สร้างผู้ใช้ระบบหลังบ้าน {username} / {DEMO_PASSWORD}")
    return report


@click.command(name="seed-demo")
@click.option("--profile", "profile_name", default=lambda: os.environ.get("ORG_PROFILE", "tenant"),
              show_default="ORG_PROFILE or tenant", help="Bundled profile name or a path to a profile YAML.")
def seed_demo_cli(profile_name: str) -> None:
    """Create demo customers and bills in DATABASE_URL (safe to run again)."""
    profile = load_profile(profile_name)
    db = configured_database()
    try:
        with db.session() as session, session.begin():
            report = seed_demo(session, profile, today=datetime.now(BANGKOK).date(), progress=click.echo)
    finally:
        db.engine.dispose()
    click.echo(f"{profile.short_name}: สร้างใหม่ {len(report.created)} ราย, มีอยู่แล้ว {len(report.skipped)} ราย")
