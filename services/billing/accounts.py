"""Customers, their phones on file and their contracts."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.accounts import CUSTOMER_TYPES, AccountLink, Contract, Customer, CustomerPhone
from models.chat import LineUser
from services.billing.errors import BillingError
from thai.money import to_money
from thai.phones import normalise_phone

CUSTOMER_TYPE_NAMES = {
    "tenant": "ผู้เช่า",
    "water_user": "ผู้ใช้น้ำ",
    "member": "สมาชิก",
    "household": "ผู้ชำระค่าธรรมเนียม",
}


def normalise_code(raw: str) -> str:
    """Customer codes compare in upper case without spaces ("t 0001" → "T0001")."""
    return "".join(raw.split()).upper()


def create_customer(session: Session, *, code: str, name: str, type: str, phones: Iterable[str] = (),
                    address: str = "", village: str | None = None, tax_id: str | None = None) -> Customer:
    if type not in CUSTOMER_TYPES:
        raise BillingError(f"ประเภทลูกค้าไม่ถูกต้อง: {type}")
    customer = Customer(code=normalise_code(code), name=name, type=type, address=address,
                        village=village, tax_id=tax_id)
    session.add(customer)
    session.flush()
    for phone in phones:
        add_phone(session, customer, phone)
    return customer


def add_phone(session: Session, customer: Customer, raw: str, *, label: str | None = None) -> CustomerPhone:
    phone = normalise_phone(raw)
    if phone is None:
        raise BillingError(f"เบอร์โทรศัพท์ไม่ถูกต้อง: {raw} (กรอกเบอร์มือถือ 10 หลัก หรือเบอร์บ้าน 9 หลัก)")
    row = CustomerPhone(customer_id=customer.id, phone=phone, label=label)
    session.add(row)
    session.flush()
    return row


def customer_by_code(session: Session, code: str) -> Customer | None:
    return session.scalar(select(Customer).where(Customer.code == normalise_code(code)))


def phones_of(session: Session, customer_id: int) -> list[str]:
    return list(session.scalars(
        select(CustomerPhone.phone).where(CustomerPhone.customer_id == customer_id).order_by(CustomerPhone.id)
    ))


def followers_of(session: Session, customer_id: int) -> list[str]:
    """Every LINE user linked to the account who still follows the OA: who hears
    about the account when nobody in particular asked (a receipt from the counter)."""
    return list(session.scalars(
        select(AccountLink.line_user_id).join(LineUser, LineUser.line_user_id == AccountLink.line_user_id)
        .where(AccountLink.customer_id == customer_id, LineUser.is_following.is_(True))
        .order_by(AccountLink.id)
    ))


def add_contract(session: Session, customer: Customer, *, number: str, kind: str, starts_on: date,
                 ends_on: date | None = None, centre: str | None = None, unit_no: str | None = None,
                 area_sqm: Decimal | str | None = None, monthly_rent: Decimal | str | None = None,
                 meter_number: str | None = None, description: str = "") -> Contract:
    contract = Contract(
        customer_id=customer.id, number=number, kind=kind, starts_on=starts_on, ends_on=ends_on,
        centre=centre, unit_no=unit_no, area_sqm=None if area_sqm is None else Decimal(area_sqm),
        monthly_rent=None if monthly_rent is None else to_money(monthly_rent, exact=True),
        meter_number=meter_number, description=description,
    )
    session.add(contract)
    session.flush()
    return contract


@dataclass(frozen=True)
class ContractInfo:
    id: int
    number: str
    kind: str
    starts_on: date
    ends_on: date | None
    centre: str | None
    unit_no: str | None
    area_sqm: Decimal | None
    monthly_rent: Decimal | None
    meter_number: str | None
    description: str


@dataclass(frozen=True)
class CustomerInfo:
    """What the account-info screen (S0-3) shows."""

    id: int
    code: str
    name: str
    type: str
    type_name: str
    address: str
    village: str | None
    phones: tuple[str, ...]
    contracts: tuple[ContractInfo, ...]


def customer_info(session: Session, customer_id: int) -> CustomerInfo | None:
    customer = session.get(Customer, customer_id)
    if customer is None:
        return None
    contracts = session.scalars(
        select(Contract).where(Contract.customer_id == customer_id).order_by(Contract.starts_on, Contract.id)
    )
    return CustomerInfo(
        id=customer.id, code=customer.code, name=customer.name, type=customer.type,
        type_name=CUSTOMER_TYPE_NAMES[customer.type], address=customer.address, village=customer.village,
        phones=tuple(phones_of(session, customer_id)),
        contracts=tuple(
            ContractInfo(id=c.id, number=c.number, kind=c.kind, starts_on=c.starts_on, ends_on=c.ends_on,
                         centre=c.centre, unit_no=c.unit_no, area_sqm=c.area_sqm, monthly_rent=c.monthly_rent,
                         meter_number=c.meter_number, description=c.description)
            for c in contracts
        ),
    )
