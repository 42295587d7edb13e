"""Transfer slips from residents, and finance's review of them (S0-7, S1-11).

A slip is checked when it arrives — is it a picture, can its mini-QR be read,
was this picture or this transfer seen before — and then waits for a person.
The mini-QR proves which bank made which transfer but carries no amount, so
finance reads the amount off the picture and approves (payment, allocation and
receipt in one transaction) or rejects with a reason the resident is told.
"""
from __future__ import annotations

import hashlib
import io
import re
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Literal, cast, get_args

from PIL import Image, ImageOps
from sqlalchemy import func, or_, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from models.accounts import Customer, Invoice, Payment, Receipt
from models.base import as_utc
from models.locks import lock_rows
from models.slips import SLIP_SOURCES, Slip
from services.billing.accounts import followers_of
from services.billing.allocation import allocate_payment
from services.billing.balance import InvoiceSummary, invoice_summaries, unallocated_of_payment
from services.billing.documents import write_atomically
from services.billing.errors import BillingError
from services.billing.payments import check_payment_day, record_payment
from services.billing.receipts import issue_receipt
from services.payments.banks import bank_name
from services.payments.slip_reader import PictureRefusal, picture_format, read_slip_image
from services.payments.slip_text import SlipText, account_matches, read_slip_text
from thai.dates import BANGKOK, format_thai_date, format_thai_datetime
from thai.money import format_baht, to_money

MAX_SLIP_BYTES = 10 * 1024 * 1024
# A picture the web form took while another field was wrong waits this long for the
# form to come back (a browser cannot refill a file input); it is never a slip.
DRAFT_SECONDS = 2 * 60 * 60
DRAFT_TOKEN = re.compile(r"[A-Za-z0-9_-]{24}")

# Why a file was not taken as a slip: the reader's refusals, or more bytes than MAX_SLIP_BYTES.
# Nothing is stored for any of them; the chat and the web form each word them for the resident.
Refusal = Literal[PictureRefusal, "too_large"]
REFUSALS: tuple[str, ...] = get_args(Refusal)
SubmissionStatus = Literal["pending", "duplicate", Refusal]

# What staff read when the mini-QR could not be used (the resident's wording is in services.payments.slip_reader).
QR_PROBLEMS = {
    "no_qr": "ไม่พบ QR บนสลิป",
    "not_a_slip_qr": "QR ในภาพไม่ใช่ QR ของสลิปโอนเงิน",
}
STATUS_NAMES = {"pending": "รอตรวจสอบ", "approved": "อนุมัติแล้ว", "rejected": "ปฏิเสธแล้ว"}


@dataclass(frozen=True)
class SlipSubmission:
    """What happened to a slip a resident sent. The QR carries neither amount nor
    time: ``amount`` is what the resident declared, and for a transfer this
    customer already paid with, ``amount``/``paid_at`` are that payment's.
    ``text`` is what OCR read from the slip's print (None when nothing could be
    read), so the chat need not ask the amount or date it already says."""

    status: SubmissionStatus
    slip_id: int | None
    amount: Decimal | None
    paid_at: datetime | None
    bank: str | None  # Thai bank name read from the QR
    reference: str | None  # the bank's transaction reference
    qr_read: bool
    text: SlipText | None = None


class SlipStore:
    """Slip pictures under a data directory, named by the SHA-256 of what the
    resident sent. Each is written to a temporary file and renamed, so nobody
    ever reads half a picture; the copy kept is re-encoded without EXIF
    (phones put the GPS position there)."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def save(self, sha256: str, image: bytes) -> tuple[str, str]:
        """Store a picture already known to decode; returns (relative path, content type)."""
        is_jpeg = picture_format(image) == "JPEG"
        with Image.open(io.BytesIO(image)) as opened:
            upright = ImageOps.exif_transpose(opened)
        if is_jpeg:
            ext, content_type, fmt, options = "jpg", "image/jpeg", "JPEG", {"quality": 92}
            upright = upright if upright.mode in ("L", "RGB") else upright.convert("RGB")
        else:
            ext, content_type, fmt, options = "png", "image/png", "PNG", {}
            upright = upright if upright.mode in ("1", "L", "LA", "P", "RGB", "RGBA") else upright.convert("RGBA")
        relative = f"{sha256[:2]}/{sha256}.{ext}"
        target = self.root / relative
        if not target.exists():
            clean = io.BytesIO()
            upright.save(clean, format=fmt, **options)
            write_atomically(target, clean.getvalue())
        return relative, content_type

    def keep_draft(self, image: bytes) -> str:
        """Hold a picture for a form sent back to be corrected; returns its token.
        Drafts older than DRAFT_SECONDS go as each new one comes."""
        drafts = self.root / "drafts"
        if drafts.exists():
            for old in drafts.iterdir():
                if old.stat().st_mtime < time.time() - DRAFT_SECONDS:
                    old.unlink(missing_ok=True)
        token = secrets.token_urlsafe(18)
        write_atomically(drafts / token, image)
        return token

    def draft(self, token: str) -> bytes | None:
        if not DRAFT_TOKEN.fullmatch(token):
            return None
        try:
            return (self.root / "drafts" / token).read_bytes()
        except FileNotFoundError:
            return None

    def drop_draft(self, token: str) -> None:
        if DRAFT_TOKEN.fullmatch(token):
            (self.root / "drafts" / token).unlink(missing_ok=True)

    def path(self, relative: str) -> Path:
        target = (self.root / relative).resolve()
        if not target.is_relative_to(self.root.resolve()):
            raise ValueError(f"not a slip store path: {relative}")
        return target


@dataclass(frozen=True)
class _Seen:
    customer_id: int
    slip_id: int | None
    payment: Payment | None


def _seen_before(session: Session, sha256: str, trans_ref: str | None) -> _Seen | None:
    live = Slip.status != "rejected"
    slip = session.scalar(select(Slip).where(Slip.image_sha256 == sha256, live))
    if slip is None and trans_ref:
        slip = session.scalar(select(Slip).where(Slip.qr_trans_ref == trans_ref, live))
    if slip is not None:
        payment = session.get(Payment, slip.payment_id) if slip.payment_id else None
        return _Seen(slip.customer_id, slip.id, payment)
    payment = session.scalar(select(Payment).where(Payment.reference == trans_ref)) if trans_ref else None
    return _Seen(payment.customer_id, None, payment) if payment else None


def _insert_pending(session: Session, values: dict) -> int | None:
    """Insert unless a live slip already has this picture or transfer (the
    partial unique indexes decide, also when two submissions race)."""
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    return session.scalar(insert(Slip).values(**values).on_conflict_do_nothing().returning(Slip.id))


def submit_slip(session: Session, *, customer_id: int, image: bytes, source: str, line_user_id: str | None,
                store: SlipStore, now: datetime, declared_amount: Decimal | None = None,
                declared_paid_on: date | None = None, invoice_id: int | None = None,
                max_bytes: int = MAX_SLIP_BYTES) -> SlipSubmission:
    """Queue a slip for finance. A file refused (see ``REFUSALS``) leaves nothing
    stored; a picture or transfer already live on another slip (or already recorded
    as a payment) is a duplicate, also with nothing stored. An ``invoice_id`` that
    is not this customer's open invoice is ignored."""
    if source not in SLIP_SOURCES:
        raise ValueError(f"unknown slip source {source!r}")
    amount = None if declared_amount is None else to_money(declared_amount, exact=True)
    if amount is not None and amount <= 0:
        raise BillingError("จำนวนเงินที่โอนต้องมากกว่าศูนย์")
    if declared_paid_on is not None:
        check_payment_day(declared_paid_on, today=now.astimezone(BANGKOK).date())
    if len(image) > max_bytes:
        return SlipSubmission("too_large", None, None, None, None, None, False)
    reading = read_slip_image(image)
    if reading.status in REFUSALS:
        return SlipSubmission(cast(Refusal, reading.status), None, None, None, None, None, False)
    # Read before the customer's row is locked: OCR takes seconds.
    text = read_slip_text(image)
    # SQLite: take the write lock before reading, so no other submission slips in between.
    lock_rows(session, Customer, [customer_id])
    if session.get(Customer, customer_id) is None:
        raise BillingError("ไม่พบบัญชีลูกค้า")
    sha256 = hashlib.sha256(image).hexdigest()
    qr = reading.slip
    bank = reading.bank_name
    trans_ref = qr.trans_ref if qr else None

    def duplicate(seen: _Seen | None) -> SlipSubmission:
        own = seen is not None and seen.customer_id == customer_id
        payment = seen.payment if own and seen else None
        return SlipSubmission(
            "duplicate", seen.slip_id if own and seen else None, to_money(payment.amount) if payment else None,
            as_utc(payment.paid_at) if payment else None, bank, trans_ref, qr is not None, text,
        )

    seen = _seen_before(session, sha256, trans_ref)
    if seen is not None:
        return duplicate(seen)
    if invoice_id is not None and session.scalar(select(Invoice.id).where(
            Invoice.id == invoice_id, Invoice.customer_id == customer_id, Invoice.status == "open")) is None:
        invoice_id = None
    image_path, content_type = store.save(sha256, image)
    slip_id = _insert_pending(session, dict(
        customer_id=customer_id, line_user_id=line_user_id, source=source, status="pending",
        image_path=image_path, image_sha256=sha256, content_type=content_type, declared_amount=amount,
        declared_paid_on=declared_paid_on, invoice_id=invoice_id, qr_payload=reading.payload,
        qr_bank=qr.sending_bank if qr else None, qr_trans_ref=trans_ref,
        qr_error=None if qr else reading.status, created_at=as_utc(now),
        **({} if text is None else dict(
            text_amount=text.amount, text_paid_at=as_utc(text.paid_at) if text.paid_at else None,
            text_sender=_fit(text.sender, 200), text_receiver=_fit(text.receiver, 200),
            text_account=_fit(text.account, 40), text_bank=text.bank)),
    ))
    if slip_id is None:
        return duplicate(_seen_before(session, sha256, trans_ref))
    return SlipSubmission("pending", slip_id, amount, None, bank, trans_ref, qr is not None, text)


def _fit(value: str | None, length: int) -> str | None:
    return None if value is None else value[:length]


@dataclass(frozen=True)
class SlipReview:
    """One slip as finance sees it, with what the screen suggests."""

    id: int
    status: str
    status_name: str
    source: str
    created_at: datetime
    customer_id: int
    customer_code: str
    customer_name: str
    line_user_id: str | None
    image_path: str
    content_type: str
    qr_read: bool
    qr_bank: str | None
    qr_bank_name: str | None
    qr_trans_ref: str | None
    qr_problem: str | None
    declared_amount: Decimal | None
    declared_paid_on: date | None
    declared_invoice_number: str | None
    unpaid: tuple[InvoiceSummary, ...]  # the customer's invoices still owing, oldest due first
    suggested_invoice_id: int | None
    suggested_invoice_number: str | None
    suggested_amount: Decimal | None
    suggested_paid_at: datetime
    warnings: tuple[str, ...]
    text: SlipText | None  # what OCR read from the slip's print
    text_notes: dict[str, str]  # SlipText field -> where the print disagrees (Thai)
    reviewed_by: str | None
    reviewed_at: datetime | None
    reject_reason: str | None
    receipt_id: int | None
    receipt_number: str | None


def _suggested_paid_at(slip: Slip) -> datetime:
    """The declared day at the time of day the slip came in, else the time printed on
    the slip; never after it came in."""
    received = as_utc(slip.created_at).astimezone(BANGKOK)
    if slip.declared_paid_on is None:
        read = as_utc(slip.text_paid_at).astimezone(BANGKOK) if slip.text_paid_at else None
        return read if read is not None and read <= received else received
    return min(datetime.combine(slip.declared_paid_on, received.time(), tzinfo=BANGKOK), received)


def _warnings(session: Session, slip: Slip, unpaid: tuple[InvoiceSummary, ...], declared: Invoice | None) -> list[str]:
    found = []
    if slip.qr_trans_ref is None:
        found.append(f"{QR_PROBLEMS.get(slip.qr_error or '', 'อ่าน QR ไม่ได้')} จึงตรวจการส่งซ้ำจากเลขอ้างอิงไม่ได้ "
                     "กรุณาตรวจยอดและเวลาโอนกับรายการเดินบัญชีก่อนอนุมัติ")
    else:
        recorded = session.execute(
            select(Payment, Receipt.number).outerjoin(Receipt, Receipt.payment_id == Payment.id)
            .where(Payment.reference == slip.qr_trans_ref, Payment.id != (slip.payment_id or 0))
        ).first()
        if recorded is not None:
            payment, number = recorded
            found.append(f"รายการโอนเลขอ้างอิง {slip.qr_trans_ref} บันทึกรับชำระไปแล้ว "
                         f"({format_baht(payment.amount)} เมื่อ {format_thai_datetime(as_utc(payment.paid_at))}"
                         f"{f' ใบเสร็จ {number}' if number else ''}) อย่าอนุมัติซ้ำ")
    same = [Slip.image_sha256 == slip.image_sha256]
    if slip.qr_trans_ref:
        same.append(Slip.qr_trans_ref == slip.qr_trans_ref)
    for other in session.scalars(select(Slip).where(Slip.id != slip.id, Slip.status == "rejected", or_(*same))
                                 .order_by(Slip.id)):
        found.append(f"สลิปเดียวกันนี้เคยถูกปฏิเสธ (สลิป #{other.id} เมื่อ "
                     f"{format_thai_datetime(_reviewed_at(other))} เหตุผล: {other.reject_reason})")
    if slip.declared_amount is not None:
        twins = session.scalars(select(Slip.id).where(
            Slip.id != slip.id, Slip.customer_id == slip.customer_id, Slip.status == "pending",
            Slip.declared_amount == slip.declared_amount).order_by(Slip.id)).all()
        if twins:
            found.append(f"ลูกค้ารายนี้มีสลิปยอด {format_baht(slip.declared_amount)} รอตรวจอีก "
                         f"(สลิป {', '.join(f'#{t}' for t in twins)}) อาจเป็นการโอนครั้งเดียวกัน")
    if slip.status == "pending":
        if declared is not None and all(i.id != declared.id for i in unpaid):
            found.append(f"ใบแจ้งหนี้ที่ลูกค้าระบุ ({declared.number}) ไม่มียอดค้างชำระแล้ว")
        if not unpaid:
            found.append("ลูกค้ารายนี้ไม่มียอดค้างชำระ ยอดที่อนุมัติจะเก็บเป็นเงินคงเหลือในบัญชี")
    return found


def _slip_text(slip: Slip) -> SlipText | None:
    text = SlipText(to_money(slip.text_amount) if slip.text_amount is not None else None,
                    as_utc(slip.text_paid_at).astimezone(BANGKOK) if slip.text_paid_at else None,
                    slip.text_sender, slip.text_receiver, slip.text_account, slip.text_bank)
    return None if text.empty else text


def _text_notes(slip: Slip, text: SlipText | None, declared: InvoiceSummary | None,
                payee_accounts: Sequence[str]) -> dict[str, str]:
    """Where the slip's print disagrees with what the resident said, the QR, the
    invoice named and the organisation's own accounts, by SlipText field."""
    notes: dict[str, str] = {}
    if text is None:
        return notes
    if text.amount is not None:
        if slip.declared_amount is not None and text.amount != slip.declared_amount:
            notes["amount"] = (f"ยอดบนสลิป {format_baht(text.amount)} ไม่ตรงกับยอดที่ลูกค้าแจ้ง "
                               f"{format_baht(slip.declared_amount)}")
        elif declared is not None and text.amount != declared.outstanding:
            notes["amount"] = (f"ยอดบนสลิป {format_baht(text.amount)} ไม่ตรงกับยอดค้างของใบแจ้งหนี้ "
                               f"{declared.number} ({format_baht(declared.outstanding)})")
    if text.paid_at is not None and slip.declared_paid_on is not None \
            and text.paid_at.astimezone(BANGKOK).date() != slip.declared_paid_on:
        notes["paid_at"] = (f"วันที่บนสลิป {format_thai_date(text.paid_at)} ไม่ตรงกับวันที่ลูกค้าแจ้ง "
                            f"{format_thai_date(slip.declared_paid_on)}")
    if text.bank is not None and slip.qr_bank is not None and text.bank != slip.qr_bank:
        notes["bank"] = f"ธนาคารบนสลิป ({bank_name(text.bank)}) ไม่ตรงกับธนาคารใน QR ({bank_name(slip.qr_bank)})"
    if text.account is not None and payee_accounts \
            and not any(account_matches(text.account, number) for number in payee_accounts):
        notes["account"] = f"บัญชีผู้รับบนสลิป {text.account} ไม่ตรงกับบัญชีรับเงินของหน่วยงาน"
    return notes


def _review(session: Session, slip: Slip, today: date, payee_accounts: Sequence[str]) -> SlipReview:
    customer = session.get(Customer, slip.customer_id)
    assert customer is not None  # a foreign key
    unpaid = tuple(i for i in invoice_summaries(session, slip.customer_id, today=today) if i.outstanding > 0)
    declared = session.get(Invoice, slip.invoice_id) if slip.invoice_id else None
    suggested = next((i for i in unpaid if declared is not None and i.id == declared.id), unpaid[0] if unpaid else None)
    named = next((i for i in unpaid if declared is not None and i.id == declared.id), None)
    text = _slip_text(slip)
    receipt = session.scalar(select(Receipt).where(Receipt.payment_id == slip.payment_id)) if slip.payment_id else None
    return SlipReview(
        id=slip.id, status=slip.status, status_name=STATUS_NAMES[slip.status], source=slip.source,
        created_at=as_utc(slip.created_at), customer_id=customer.id, customer_code=customer.code,
        customer_name=customer.name, line_user_id=slip.line_user_id, image_path=slip.image_path,
        content_type=slip.content_type, qr_read=slip.qr_trans_ref is not None, qr_bank=slip.qr_bank,
        qr_bank_name=bank_name(slip.qr_bank) if slip.qr_bank else None, qr_trans_ref=slip.qr_trans_ref,
        qr_problem=QR_PROBLEMS.get(slip.qr_error) if slip.qr_error else None,
        declared_amount=to_money(slip.declared_amount) if slip.declared_amount is not None else None,
        declared_paid_on=slip.declared_paid_on, declared_invoice_number=declared.number if declared else None,
        unpaid=unpaid, suggested_invoice_id=suggested.id if suggested else None,
        suggested_invoice_number=suggested.number if suggested else None,
        suggested_amount=(to_money(slip.declared_amount) if slip.declared_amount is not None
                          else text.amount if text is not None and text.amount is not None
                          else suggested.outstanding if suggested else None),
        suggested_paid_at=_suggested_paid_at(slip), warnings=tuple(_warnings(session, slip, unpaid, declared)),
        text=text, text_notes=_text_notes(slip, text, named, payee_accounts),
        reviewed_by=slip.reviewed_by, reviewed_at=as_utc(slip.reviewed_at) if slip.reviewed_at else None,
        reject_reason=slip.reject_reason, receipt_id=receipt.id if receipt else None,
        receipt_number=receipt.number if receipt else None,
    )


def _today() -> date:
    return datetime.now(BANGKOK).date()


def pending_slips(session: Session, *, today: date | None = None,
                  payee_accounts: Sequence[str] = ()) -> list[SlipReview]:
    """The review queue, oldest first."""
    slips = session.scalars(select(Slip).where(Slip.status == "pending").order_by(Slip.created_at, Slip.id))
    return [_review(session, slip, today or _today(), payee_accounts) for slip in slips]


def slip_review(session: Session, slip_id: int, *, today: date | None = None,
                payee_accounts: Sequence[str] = ()) -> SlipReview | None:
    """One slip for finance. ``payee_accounts`` are the organisation's own account
    numbers and PromptPay ID, to check the slip's receiving account against."""
    slip = session.get(Slip, slip_id)
    return _review(session, slip, today or _today(), payee_accounts) if slip else None


def _reviewed_at(slip: Slip) -> datetime:
    # Only a pending slip has no review time, and these are approved or rejected.
    return as_utc(cast(datetime, slip.reviewed_at))


def _claim(session: Session, slip_id: int) -> Slip:
    """The slip, locked, while it is still pending; a second reviewer waits here
    for the first and is then told what was decided."""
    lock_rows(session, Slip, [slip_id])
    slip = session.get(Slip, slip_id, populate_existing=True)
    if slip is None:
        raise BillingError("ไม่พบสลิปนี้")
    if slip.status != "pending":
        decided = "อนุมัติ" if slip.status == "approved" else "ปฏิเสธ"
        raise BillingError(f"สลิป #{slip.id} ถูก{decided}ไปแล้วโดย {slip.reviewed_by} "
                           f"เมื่อ {format_thai_datetime(_reviewed_at(slip))} จึงตรวจซ้ำไม่ได้")
    return slip


@dataclass(frozen=True)
class ApprovedSlip:
    slip_id: int
    customer_id: int
    payment_id: int
    receipt_id: int
    receipt_number: str
    amount: Decimal
    on_account: Decimal  # the part no invoice needed, kept as credit


def approve_slip(session: Session, slip_id: int, *, amount: Decimal | str, paid_at: datetime,
                 invoice_id: int | None, reviewed_by: str, receipt_number_format: str,
                 now: datetime) -> ApprovedSlip:
    """Record the transfer (method 'transfer', reference = the slip's transaction
    ref), allocate it to ``invoice_id`` or oldest due first, and issue the receipt,
    all in the caller's transaction. Money beyond what is owed stays on account:
    unlike cash it has already arrived and cannot be handed back at the counter."""
    if paid_at.tzinfo is None:
        raise ValueError("paid_at must be timezone-aware")
    if paid_at > now:
        raise BillingError("วันเวลาที่โอนต้องไม่เลยเวลาปัจจุบัน กรุณาตรวจจากสลิปอีกครั้ง")
    slip = _claim(session, slip_id)
    payment = record_payment(session, slip.customer_id, amount=amount, paid_at=paid_at, method="transfer",
                             reference=slip.qr_trans_ref, received_by=reviewed_by, note=f"สลิป #{slip.id}",
                             today=now.astimezone(BANGKOK).date())
    allocate_payment(session, payment.id, invoice_id=invoice_id)
    receipt = issue_receipt(session, payment.id, number_format=receipt_number_format, issued_at=now)
    slip.status, slip.payment_id = "approved", payment.id
    slip.reviewed_by, slip.reviewed_at = reviewed_by, as_utc(now)
    session.flush()
    return ApprovedSlip(slip_id=slip.id, customer_id=slip.customer_id, payment_id=payment.id,
                        receipt_id=receipt.id, receipt_number=receipt.number, amount=to_money(payment.amount),
                        on_account=unallocated_of_payment(session, payment.id))


@dataclass(frozen=True)
class RejectedSlip:
    slip_id: int
    customer_id: int
    reason: str


def reject_slip(session: Session, slip_id: int, *, reason: str, reviewed_by: str, now: datetime) -> RejectedSlip:
    """Turn a slip down; the reason is what the resident will read."""
    reason = " ".join(reason.split())
    if not reason:
        raise BillingError("กรุณาระบุเหตุผลที่ปฏิเสธสลิป ข้อความนี้จะส่งถึงลูกค้า")
    slip = _claim(session, slip_id)
    slip.status, slip.reject_reason = "rejected", reason
    slip.reviewed_by, slip.reviewed_at = reviewed_by, as_utc(now)
    session.flush()
    return RejectedSlip(slip_id=slip.id, customer_id=slip.customer_id, reason=reason)


def slip_recipients(session: Session, slip_id: int) -> list[str]:
    """Who hears the outcome: whoever sent the slip, else every LINE user
    linked to the account who still follows the OA."""
    slip = session.get(Slip, slip_id)
    if slip is None:
        return []
    if slip.line_user_id:
        return [slip.line_user_id]
    return followers_of(session, slip.customer_id)



def count_pending(session: Session, *, since: datetime | None = None) -> int:
    """Slips waiting for review; with `since`, only those sent from then on (the
    dashboard's "today"). A count, not `pending_slips`: that reads every slip's invoices."""
    query = select(func.count()).select_from(Slip).where(Slip.status == "pending")
    if since is not None:
        query = query.where(Slip.created_at >= as_utc(since))
    return session.scalar(query) or 0


def sent_since(session: Session, customer_id: int, since: datetime) -> bool:
    """Whether this customer's slip arrived from `since` on, by chat or web form alike:
    a paused "send a slip" conversation has then nothing left to ask for."""
    query = select(Slip.id).where(Slip.customer_id == customer_id, Slip.created_at >= as_utc(since)).limit(1)
    return session.scalar(query) is not None


def declare_transfer(session: Session, slip_id: int, customer_id: int, *, amount: Decimal | None,
                     paid_on: date | None, today: date) -> None:
    """What the resident says a chat slip paid and when, asked after the picture when its
    print could not be read; finance then sees it instead of "ไม่ได้แจ้ง". Only the
    customer's own slip still waiting for review, and only what was not declared yet."""
    if amount is not None and to_money(amount, exact=True) <= 0:
        raise BillingError("จำนวนเงินที่โอนต้องมากกว่าศูนย์")
    if paid_on is not None:
        check_payment_day(paid_on, today=today)
    slip = session.scalar(select(Slip).where(Slip.id == slip_id, Slip.customer_id == customer_id,
                                             Slip.status == "pending").with_for_update())
    if slip is None:
        return
    if amount is not None and slip.declared_amount is None:
        slip.declared_amount = to_money(amount, exact=True)
    if paid_on is not None and slip.declared_paid_on is None:
        slip.declared_paid_on = paid_on
    session.flush()
