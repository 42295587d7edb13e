"""Organisation profile: who the organisation is and which modules it runs.

One deployment serves one organisation (SPEC §3.3). The profile is a YAML file,
either one of the bundled examples in ``config/`` named by its stem
(``tenant``, ``waterworks``, ``cooperative``, ``municipality``) or a path.
It is validated once at start so a typo fails loudly with the field's path.
"""
from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

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
    accounts: list[str] = []  # bank account numbers transfers arrive in, to check slips' receiving account

    @property
    def payee_accounts(self) -> list[str]:
        """Every number a slip may name as the receiver: the accounts and the PromptPay ID."""
        return [*self.accounts, *([self.promptpay_id] if self.promptpay_id else [])]
    # Who signs receipts as ผู้รับเงิน; without a name, the staff who recorded or approved the payment.
    receiver_name: str | None = None
    receiver_position: str = "เจ้าหน้าที่การเงิน"

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


BANGKOK = ZoneInfo("Asia/Bangkok")
_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
WEEKDAY_NAMES = ("จันทร์", "อังคาร", "พุธ", "พฤหัสบดี", "ศุกร์", "เสาร์", "อาทิตย์")


class OfficeHours(_Strict):
    """When staff answer chats: weekdays (0 = Monday) and the hours, Bangkok time."""

    days: list[int] = [0, 1, 2, 3, 4]
    opens: str = "08:30"
    closes: str = "16:30"

    @field_validator("opens", "closes")
    @classmethod
    def _clock(cls, value: str) -> str:
        if not _CLOCK.match(value):
            raise ValueError("ต้องเป็นเวลาแบบ HH:MM เช่น 08:30")
        return value

    @model_validator(mode="after")
    def _sensible(self) -> OfficeHours:
        if not self.days or any(not 0 <= d <= 6 for d in self.days):
            raise ValueError("days ต้องเป็นเลขวัน 0 (จันทร์) ถึง 6 (อาทิตย์) อย่างน้อยหนึ่งวัน")
        if self.opens >= self.closes:
            raise ValueError("เวลาเปิดต้องมาก่อนเวลาปิด")
        return self

    def is_open(self, moment: datetime) -> bool:
        local = moment.astimezone(BANGKOK)
        return local.weekday() in self.days and self.opens <= local.strftime("%H:%M") < self.closes

    def describe(self) -> str:
        """e.g. "วันจันทร์–ศุกร์ 08:30–16:30 น." (a run of days as a range)."""
        days = sorted(set(self.days))
        if days == list(range(days[0], days[-1] + 1)) and len(days) > 2:
            named = f"{WEEKDAY_NAMES[days[0]]}–{WEEKDAY_NAMES[days[-1]]}"
        else:
            named = " ".join(WEEKDAY_NAMES[d] for d in days)
        return f"วัน{named} {self.opens}–{self.closes} น."


class Unit(_Strict):
    """A division (กอง, สำนัก) or a section inside one (งาน: `parent` names its division).
    Staff of a division see what its sections see."""

    key: str
    name: str
    parent: str | None = None
    # The channels (intents) the unit owns: a chat about them goes to it, and it
    # sees every chat of them whoever else was assigned (งานนิติการ: complaints).
    intents: list[str] = []
    hours: OfficeHours | None = None  # the inbox's hours when left out
    canned: list[str] = []  # ready answers its staff pick from in a chat


class Inbox(_Strict):
    """The live chat inbox: office hours, when manual chats return to the bot, and the
    LINE group staff are told of waiting chats in."""

    hours: OfficeHours = OfficeHours()
    manual_idle_hours: int = Field(default=4, ge=1)
    # Whether a manual chat with no staff message for manual_idle_hours returns to
    # the bot by itself (its status stays as staff left it); False: only เสร็จสิ้น does.
    return_to_ai_when_idle: bool = True
    staff_group_id: str | None = None  # a LINE group id (C...), told of each waiting chat
    canned: list[str] = []  # ready answers for every unit


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
    units: list[Unit] = []
    inbox: Inbox = Inbox()
    document_number_formats: dict[str, str] = {
        "invoice": "INV-{fiscal_year}-{seq:06d}",
        "receipt": "RC-{fiscal_year}-{seq:06d}",
        "credit_note": "CN-{fiscal_year}-{seq:06d}",
    }

    def has(self, module: str) -> bool:
        return module in self.modules

    @property
    def question_particle(self) -> str:
        """A question ends with คะ where a statement ends with ค่ะ; ครับ ends both."""
        return "คะ" if self.polite_particle == "ค่ะ" else "ครับ"

    @model_validator(mode="after")
    def _units_form_a_tree(self) -> OrgProfile:
        keys = [u.key for u in self.units]
        if len(keys) != len(set(keys)):
            raise ValueError("units: key ซ้ำกัน")
        for unit in self.units:
            if unit.parent is not None and unit.parent not in keys:
                raise ValueError(f"units: {unit.key} อยู่ใต้ {unit.parent} ซึ่งไม่มีในรายการ")
            if unit.parent is not None and self.unit(unit.parent).parent is not None:  # type: ignore[union-attr]
                raise ValueError(f"units: {unit.key} ซ้อนเกินสองระดับ (กอง/สำนัก แล้วงาน)")
        owners = [i for u in self.units for i in u.intents]
        if len(owners) != len(set(owners)):
            raise ValueError("units: ช่องทาง (intents) หนึ่งมีเจ้าของได้หน่วยงานเดียว")
        return self

    def unit(self, key: str | None) -> Unit | None:
        return next((u for u in self.units if u.key == key), None)

    def unit_for_intent(self, intent: str | None) -> Unit | None:
        """The unit that owns a channel, where one does."""
        return next((u for u in self.units if intent in u.intents), None)

    def unit_and_below(self, key: str) -> set[str]:
        """A unit's key with its sections' keys."""
        return {key} | {u.key for u in self.units if u.parent == key}

    def hours_of(self, unit_key: str | None) -> OfficeHours:
        unit = self.unit(unit_key)
        if unit is not None and unit.hours is None and unit.parent:
            unit = self.unit(unit.parent)
        return unit.hours if unit is not None and unit.hours is not None else self.inbox.hours


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
