"""Telling the resident what finance decided, after the decision is committed.

Each push goes through the outbox with a retry key per slip, outcome and
recipient: a push that fails now is sent by the sweeper later, and nothing is
ever sent twice.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from flask import current_app

from flows import cards
from services.billing.receipts import receipt_detail
from services.billing.slips import ApprovedSlip, RejectedSlip, slip_recipients
from services.messaging.outbox import retry_key_for
from web import links

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Told:
    recipients: int
    delivered: int  # the rest wait in the outbox

    @property
    def note(self) -> str:
        if self.recipients == 0:
            return "ลูกค้ายังไม่ได้เชื่อมบัญชีกับ LINE จึงไม่ได้ส่งข้อความแจ้ง"
        if self.delivered == self.recipients:
            return "แจ้งลูกค้าทาง LINE แล้ว"
        return "ส่งข้อความแจ้งลูกค้ายังไม่สำเร็จ ระบบจะส่งซ้ำให้อัตโนมัติ"


def _push(slip_id: int, outcome: str, messages: list[dict[str, Any]]) -> Told:
    with current_app.extensions["db"].session() as session:
        recipients = slip_recipients(session, slip_id)
    delivery = current_app.extensions["dispatcher"].delivery
    delivered = 0
    for user_id in recipients:
        try:
            delivered += delivery.push(user_id, messages, reason=f"slip_{outcome}",
                                       retry_key=retry_key_for("slip", str(slip_id), outcome, user_id))
        except Exception:  # noqa: BLE001 - the decision stands; staff see that the message is pending
            log.exception("could not queue the %s notice of slip %s for %s", outcome, slip_id, user_id)
    return Told(len(recipients), delivered)


def slip_approved(approved: ApprovedSlip) -> Told:
    settings = current_app.extensions["settings"]
    with current_app.extensions["db"].session() as session:
        receipt = receipt_detail(session, approved.customer_id, approved.receipt_id)
    assert receipt is not None  # just issued for this customer
    pdf_url = links.receipt_pdf_url(settings.public_base_url, settings.secret_key, approved.receipt_id)
    return _push(approved.slip_id, "approved", [cards.receipt_message(receipt, profile=settings.profile, pdf_url=pdf_url)])


def slip_rejected(rejected: RejectedSlip) -> Told:
    profile = current_app.extensions["settings"].profile
    return _push(rejected.slip_id, "rejected", [cards.slip_message("rejected", profile=profile, reason=rejected.reason)])
