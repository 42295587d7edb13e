from __future__ import annotations

import re
from datetime import datetime, timezone

from sqlalchemy.orm import Session

from services.identity.otp import OtpPolicy
from services.identity.sms import stored_messages
from tests.accounts.helpers import customer

NOW = datetime(2026, 11, 25, 3, 0, tzinfo=timezone.utc)
POLICY = OtpPolicy(secret="test-otp-secret-0123456789")
CONSENT = "e-notice-2026-11"


def two_customers(session: Session) -> None:
    customer(session, "T0001", ("0810000001",))
    customer(session, "T0002", ("0810000002", "025201234"))


def last_code(session: Session, phone: str) -> str:
    return re.search(r"\d{6}", stored_messages(session, phone=phone, limit=1)[0].text).group()
