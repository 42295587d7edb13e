"""Receipts from the books as printable documents.

A receipt never changes once issued, so its PDF is drawn once, kept under the
data directory and served from there afterwards (``Receipt.pdf_path``).
"""
from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from config.profile import OrgProfile
from models.accounts import Customer, Payment, Receipt
from models.base import as_utc
from models.slips import Slip
from services.billing.payments import PAYMENT_METHOD_NAMES
from services.billing.receipts import ReceiptLine, receipt_lines, set_receipt_pdf
from services.documents import data
from services.documents.billing import receipt_pdf
from services.payments.banks import bank_name
from thai.money import to_money

RECEIVER_POSITION = "เจ้าหน้าที่การเงิน"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def write_atomically(target: Path, content: bytes) -> None:
    """Write to a temporary file beside ``target`` and rename it: a reader sees
    the old file or the whole new one, never half of it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def organisation(profile: OrgProfile) -> data.Organisation:
    logo = Path(profile.logo) if profile.logo and not profile.logo.startswith(("http://", "https://")) else None
    return data.Organisation(profile.name, profile.address, profile.tax_id,
                             profile.contacts[0].number if profile.contacts else "", logo)


def _line_text(line: ReceiptLine) -> str:
    if line.invoice_number is None:
        return "รับชำระเกินยอดค้าง เก็บเป็นเงินคงเหลือในบัญชี"
    return f"ชำระตามใบแจ้งหนี้ {line.invoice_number}" + (f" ({line.period})" if line.period else "")


def receipt_document(session: Session, receipt_id: int, profile: OrgProfile) -> data.Receipt:
    found = session.execute(
        select(Receipt, Payment, Customer).join(Payment, Payment.id == Receipt.payment_id)
        .join(Customer, Customer.id == Payment.customer_id).where(Receipt.id == receipt_id)
    ).first()
    if found is None:
        raise LookupError(f"no receipt {receipt_id}")
    receipt, payment, customer = found
    lines = receipt_lines(session, payment.id, to_money(payment.amount))
    method = PAYMENT_METHOD_NAMES[payment.method]
    bank = session.scalar(select(Slip.qr_bank).where(Slip.payment_id == payment.id))
    if bank:
        method = f"{method} ({bank_name(bank)})"
    return data.Receipt(
        number=receipt.number, paid_at=as_utc(payment.paid_at), organisation=organisation(profile),
        customer=data.Customer(customer.name, customer.code, customer.address, customer.tax_id),
        lines=tuple(data.LineItem(_line_text(line), line.amount) for line in lines), payment_method=method,
        invoice_numbers=tuple(line.invoice_number for line in lines if line.invoice_number),
        payment_ref=payment.reference or "",
        received_by=data.Signatory(payment.received_by, RECEIVER_POSITION) if payment.received_by else None,
    )


def receipt_pdf_bytes(session: Session, receipt_id: int, profile: OrgProfile, *, data_dir: Path) -> bytes:
    """The receipt's A4 PDF: drawn and stored the first time (the path is set in
    the caller's transaction), read from the data directory after that."""
    receipt = session.get(Receipt, receipt_id)
    if receipt is None:
        raise LookupError(f"no receipt {receipt_id}")
    if receipt.pdf_path and (Path(data_dir) / receipt.pdf_path).is_file():
        return (Path(data_dir) / receipt.pdf_path).read_bytes()
    pdf = receipt_pdf(receipt_document(session, receipt_id, profile))
    relative = f"receipts/{receipt.id}-{_UNSAFE.sub('_', receipt.number)}.pdf"
    write_atomically(Path(data_dir) / relative, pdf)
    set_receipt_pdf(session, receipt_id, relative)
    return pdf
