"""Thai phone numbers in one stored form: digits only, starting with 0.

Mobiles have ten digits ("0812345678"), landlines nine with the area code
("025201234"). People type "081-234-5678", "+66 81 234 5678" or Thai digits;
all become the same form, so a typed number compares exactly with the one on
file.
"""
from __future__ import annotations

import re

_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
_SEPARATORS = re.compile(r"[\s\-().]")
_MOBILE = re.compile(r"0[689]\d{8}")
_LANDLINE = re.compile(r"0[2-7]\d{7}")


def normalise_phone(raw: str) -> str | None:
    """The stored form, or None when ``raw`` is not a Thai mobile or landline number."""
    digits = _SEPARATORS.sub("", raw.translate(_THAI_DIGITS))
    if digits.startswith("+66"):
        digits = "0" + digits[3:]
    elif digits.startswith("66") and len(digits) in (10, 11):
        digits = "0" + digits[2:]
    if _MOBILE.fullmatch(digits) or _LANDLINE.fullmatch(digits):
        return digits
    return None


def is_mobile(phone: str) -> bool:
    """Only a mobile can receive an SMS."""
    return bool(_MOBILE.fullmatch(phone))


def mask_phone(phone: str) -> str:
    """For lists and logs: "081-xxx-5678"."""
    return f"{phone[:3]}-xxx-{phone[-4:]}" if len(phone) >= 9 else "x" * len(phone)


def format_phone(phone: str) -> str:
    """As Thai people write it: "081-234-5678", "02-520-1234", "043-123-456"; a short code
    such as 1669 stays as it is."""
    if _MOBILE.fullmatch(phone):
        return f"{phone[:3]}-{phone[3:6]}-{phone[6:]}"
    if _LANDLINE.fullmatch(phone):
        area = 2 if phone.startswith("02") else 3  # Bangkok's area code is 02; the provinces' have three digits
        return f"{phone[:area]}-{phone[area:area + 3]}-{phone[area + 3:]}"
    return phone
