"""Organisation profile: who the organisation is and which modules it runs.

One deployment serves one organisation (SPEC §3.3). The profile is a YAML file,
either one of the bundled examples in ``config/`` named by its stem
(``tenant``, ``waterworks``, ``cooperative``, ``municipality``) or a path.
It is validated once at start so a typo fails loudly with the field's path.
"""
from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

CONFIG_DIR = Path(__file__).resolve().parent

_HEX_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Colours(_Strict):
    primary: str = "#06C755"
    secondary: str = "#0B7A3E"
    text_on_primary: str = "#FFFFFF"

    @field_validator("primary", "secondary", "text_on_primary")
    @classmethod
    def _hex(cls, value: str) -> str:
        if not _HEX_COLOUR.match(value):
            raise ValueError("ต้องเป็นรหัสสีแบบ #RRGGBB")
        return value.upper()


class PhoneNumber(_Strict):
    label: str
    number: str


class Payment(_Strict):
    """How the organisation receives money: a biller ID (tag 30 bill payment) or a
    PromptPay ID (tag 29). With a biller ID, invoices carry ref1/ref2."""

    promptpay_id: str | None = None
    biller_id: str | None = None
    bank_code: str | None = None
    account_name: str

    @model_validator(mode="after")
    def _one_way_to_pay(self) -> Payment:
        if not (self.promptpay_id or self.biller_id):
            raise ValueError("ต้องกำหนด promptpay_id หรือ biller_id อย่างน้อยหนึ่งอย่าง")
        if self.biller_id and not re.fullmatch(r"\d{15}", self.biller_id):
            raise ValueError("biller_id ต้องเป็นตัวเลข 15 หลัก")
        return self


class Department(_Strict):
    key: str
    name: str
    opens: str = "08:30"
    closes: str = "16:30"
    slot_minutes: int = Field(default=30, gt=0, le=240)
    capacity: int = Field(default=5, gt=0)
    counter: str | None = None


class ComplaintCategory(_Strict):
    key: str
    name: str
    unit: str


class TariffBlock(_Strict):
    up_to: int | None = None  # cubic metres; None = no upper bound
    rate: Decimal


class Tariff(_Strict):
    user_class: str
    minimum_charge: Decimal = Decimal("0")
    service_fee: Decimal = Decimal("0")
    vat_percent: Decimal = Decimal("0")
    blocks: list[TariffBlock]


class Retention(_Strict):
    """How long personal data is kept (PDPA): the retention jobs delete what is older."""

    webhook_events_days: int = Field(default=90, ge=1)
    transcripts_days: int = Field(default=365, ge=1)


class OrgProfile(_Strict):
    key: str
    name: str
    short_name: str
    kind: Literal["tenant", "waterworks", "cooperative", "municipality"]
    address: str = ""
    tax_id: str | None = None
    polite_particle: Literal["ค่ะ", "ครับ"] = "ค่ะ"
    colours: Colours = Colours()
    logo: str | None = None
    modules: list[str]  # switches of service modules (modules/); checked by modules.check
    contacts: list[PhoneNumber] = []
    emergency_numbers: list[PhoneNumber] = []
    payment: Payment | None = None
    customer_code_pattern: str = r"[A-Z]{1,3}\d{3,8}"
    departments: list[Department] = []
    complaint_categories: list[ComplaintCategory] = []
    tariffs: list[Tariff] = []
    retention: Retention = Retention()
    document_number_formats: dict[str, str] = {
        "invoice": "INV-{fiscal_year}-{seq:06d}",
        "receipt": "RC-{fiscal_year}-{seq:06d}",
        "credit_note": "CN-{fiscal_year}-{seq:06d}",
    }

    def has(self, module: str) -> bool:
        return module in self.modules


class ProfileError(ValueError):
    """The profile cannot be found or does not validate; the message says where."""


def bundled_profiles() -> list[str]:
    return sorted(p.stem for p in CONFIG_DIR.glob("*.yml"))


def _resolve(name_or_path: str) -> Path:
    candidate = Path(name_or_path)
    if candidate.suffix in {".yml", ".yaml"}:
        return candidate
    return CONFIG_DIR / f"{name_or_path}.yml"


@lru_cache(maxsize=16)
def load_profile(name_or_path: str) -> OrgProfile:
    path = _resolve(name_or_path)
    if not path.is_file():
        raise ProfileError(
            f"ไม่พบโปรไฟล์องค์กร '{name_or_path}' (profile not found); "
            f"bundled profiles: {', '.join(bundled_profiles())}"
        )
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ProfileError(f"{path}: YAML ไม่ถูกต้อง: {exc}") from exc
    try:
        return OrgProfile.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}" for err in exc.errors()
        )
        raise ProfileError(f"{path}: {problems}") from exc
