"""What the bot offers, by profile module, with the postback each button sends.
The help menu shows it; the rich menus use the same action names (docs/flex.md)."""
from __future__ import annotations

from config.profile import OrgProfile

from .postback import intent_data

_ACCOUNT_LABEL = {"tenant": "ข้อมูลผู้เช่า/ร้านค้า", "waterworks": "ข้อมูลผู้ใช้น้ำ"}

# (module, label, intent); a service appears once even when two modules offer it.
_SERVICES: tuple[tuple[str, str, str], ...] = (
    ("accounts", "", "account_info"),
    ("accounts", "ใบแจ้งหนี้/ชำระเงิน", "check_balance"),
    ("accounts", "ใบเสร็จรับเงิน", "receipts"),
    ("accounts", "แนบหลักฐานการชำระเงิน", "send_slip"),
    ("water", "ขอใช้บริการประปา", "water_service"),
    ("queue", "จองคิวออนไลน์", "book_queue"),
    ("queue", "คิวของฉัน", "my_queue"),
    ("cases", "ร้องเรียน/ร้องทุกข์", "complaint"),
    ("petitions", "ยื่นคำร้อง e-Service", "petition"),
    ("cases", "ติดตามเรื่อง", "track_status"),
    ("petitions", "ติดตามเรื่อง", "track_status"),
    ("welfare", "สวัสดิการ/เบี้ยยังชีพ", "welfare"),
    ("tax_fee", "แจ้งชำระภาษี/ค่าขยะ", "tax_fee_notice"),
    ("news", "ข่าวสาร/ประกาศ", "news"),
    ("community", "ข้อมูลชุมชน", "community_info"),
    ("emergency", "เบอร์โทรฉุกเฉิน", "emergency"),
)


def offered_intents(profile: OrgProfile) -> list[str]:
    """The service intents this organisation runs, in menu order."""
    return list(dict.fromkeys(intent for module, _, intent in _SERVICES if profile.has(module)))


def service_intents() -> set[str]:
    """Every intent that belongs to a module (offered by some organisations only)."""
    return {intent for _, _, intent in _SERVICES}


def services(profile: OrgProfile) -> list[dict[str, str]]:
    """Buttons for the help menu: label and postback data, ending with a person."""
    out: list[dict[str, str]] = []
    seen: set[str] = set()
    for module, label, intent in _SERVICES:
        if not profile.has(module) or intent in seen:
            continue
        seen.add(intent)
        if intent == "account_info":
            label = _ACCOUNT_LABEL.get(profile.kind, "ข้อมูลของฉัน")
        out.append({"label": label, "data": intent_data(intent)})
    out.append({"label": "ติดต่อเจ้าหน้าที่", "data": intent_data("talk_to_staff")})
    return out
