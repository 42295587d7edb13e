"""Telling the resident what finance decided, in the decision's own transaction.

Each notice is an outbox row written beside the decision, so the two commit or
roll back together; after the commit `sent` has the bot's sender send it and
says whether LINE took it (the job process tries again if LINE fails). The retry key is the slip's outcome or
the receipt, per recipient: nothing is ever sent twice.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.orm import Session

from flows import cards
from services.billing.accounts import followers_of
from services.billing.receipts import receipt_detail
from services.billing.slips import ApprovedSlip, RejectedSlip, slip_recipients
from services.container import Services
from services.messaging.outbox import count_sent, enqueue, retry_key_for

# How long a staff member's page waits for LINE to take the notices: longer is
# spent on the office's time, shorter says "will be retried" of what was nearly sent.
SEND_WAIT_SECONDS = 5.0


@dataclass(frozen=True)
class Told:
    recipients: int  # LINE users the notice is queued for
    retry_keys: tuple[str, ...] = ()
    delivered: int = 0  # the rest wait in the outbox

    @property
    def note(self) -> str:
        if self.recipients == 0:
            return "ลูกค้ายังไม่ได้เชื่อมบัญชีกับ LINE จึงไม่ได้ส่งข้อความแจ้ง"
        if self.delivered == self.recipients:
            return "แจ้งลูกค้าทาง LINE แล้ว"
        return "ส่งข้อความแจ้งลูกค้ายังไม่สำเร็จ ระบบจะส่งซ้ำให้อัตโนมัติ"


def sent(services: Services, told: Told) -> Told:
    """After the decision's commit: send its notices now, and how many LINE took."""
    if not told.retry_keys:
        return told
    services.sender.wake()
    services.sender.wait_idle(SEND_WAIT_SECONDS)
    with services.db.session() as session:
        return replace(told, delivered=count_sent(session, told.retry_keys))


def _queue(session: Session, recipients: list[str], key: tuple[str, ...], reason: str,
           messages: list[dict[str, Any]]) -> Told:
    keys = tuple(retry_key_for(*key, user_id) for user_id in recipients)
    for user_id, retry_key in zip(recipients, keys, strict=True):
        enqueue(session, user_id, messages, reason=reason, retry_key=retry_key)
    return Told(len(recipients), keys)


def _receipt_card(session: Session, services: Services, customer_id: int, receipt_id: int) -> dict[str, Any]:
    receipt = receipt_detail(session, customer_id, receipt_id)
    assert receipt is not None  # just issued for this customer, in this transaction
    return cards.receipt_message(receipt, profile=services.profile, pdf_url=services.links.receipt_pdf(receipt_id))


def slip_approved(session: Session, services: Services, approved: ApprovedSlip) -> Told:
    card = _receipt_card(session, services, approved.customer_id, approved.receipt_id)
    return _queue(session, slip_recipients(session, approved.slip_id), ("slip", str(approved.slip_id), "approved"),
                  "slip_approved", [card])


def slip_rejected(session: Session, services: Services, rejected: RejectedSlip) -> Told:
    notice = cards.slip_message("rejected", profile=services.profile, reason=rejected.reason)
    return _queue(session, slip_recipients(session, rejected.slip_id), ("slip", str(rejected.slip_id), "rejected"),
                  "slip_rejected", [notice])


def cash_received(session: Session, services: Services, customer_id: int, receipt_id: int) -> Told:
    """Cash at the counter: the receipt also reaches the account's LINE users."""
    card = _receipt_card(session, services, customer_id, receipt_id)
    return _queue(session, followers_of(session, customer_id), ("receipt", str(receipt_id)), "cash_receipt", [card])
