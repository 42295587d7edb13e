"""Thai bank codes as they appear in slips and bank reports."""
from __future__ import annotations

BANKS: dict[str, tuple[str, str]] = {
    "002": ("BBL", "ธนาคารกรุงเทพ"),
    "004": ("KBANK", "ธนาคารกสิกรไทย"),
    "006": ("KTB", "ธนาคารกรุงไทย"),
    "011": ("TTB", "ธนาคารทหารไทยธนชาต"),
    "014": ("SCB", "ธนาคารไทยพาณิชย์"),
    "022": ("CIMBT", "ธนาคารซีไอเอ็มบี ไทย"),
    "024": ("UOBT", "ธนาคารยูโอบี"),
    "025": ("BAY", "ธนาคารกรุงศรีอยุธยา"),
    "030": ("GSB", "ธนาคารออมสิน"),
    "033": ("GHB", "ธนาคารอาคารสงเคราะห์"),
    "034": ("BAAC", "ธนาคารเพื่อการเกษตรและสหกรณ์การเกษตร"),
    "066": ("ISBT", "ธนาคารอิสลามแห่งประเทศไทย"),
    "067": ("TISCO", "ธนาคารทิสโก้"),
    "069": ("KKP", "ธนาคารเกียรตินาคินภัทร"),
    "073": ("LHFG", "ธนาคารแลนด์ แอนด์ เฮ้าส์"),
}


def bank_name(code: str) -> str:
    """Thai name for a bank code, or the code itself for a bank we do not list."""
    return BANKS[code][1] if code in BANKS else f"ธนาคารรหัส {code}"


def bank_short(code: str) -> str:
    return BANKS[code][0] if code in BANKS else code
