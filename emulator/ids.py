"""Identifiers shaped like the ones LINE issues, so product code sees realistic values."""
from __future__ import annotations

import secrets
import time
import uuid

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def user_id() -> str:
    return "U" + secrets.token_hex(16)


def message_id() -> str:
    # LINE message ids are decimal strings of about 18 digits.
    return str(secrets.randbelow(9 * 10**17) + 10**17)


def webhook_event_id() -> str:
    """A ULID: 48-bit millisecond time then 80 random bits, Crockford base32, 26 chars."""
    value = (int(time.time() * 1000) << 80) | secrets.randbits(80)
    return "".join(_CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))


def reply_token() -> str:
    return secrets.token_hex(16)


def quote_token() -> str:
    return secrets.token_urlsafe(48)


def request_id() -> str:
    return str(uuid.uuid4())


def rich_menu_id() -> str:
    return "richmenu-" + secrets.token_hex(16)
