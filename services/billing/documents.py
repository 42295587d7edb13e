"""Receipts and invoices from the books as printable documents.

A receipt never changes once issued, so its PDF is drawn once, kept under the
data directory and served from there afterwards (``Receipt.pdf_path``). An
invoice's PDF is drawn each time: payments and credit notes change what it says.
"""
from __future__ import annotations

import os
import re
import tempfile
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from config.profile import OrgProfile
from models.accounts import Customer, Payment, Receipt
from models.base import as_utc
from models.slips import Slip
from services.billing.balance import InvoiceSummary
from services.billing.invoices import invoice_detail
from services.billing.paying import payment_request
from services.billing.payments import PAYMENT_METHOD_NAMES
from services.billing.receipts import ReceiptLine, receipt_lines, set_receipt_pdf
from services.documents import data
from services.documents.billing import invoice_pdf, receipt_pdf
from services.payments.banks import bank_name
from thai.money import format_baht, to_money
from thai.phones import format_phone

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
                             format_phone(profile.contacts[0].number) if profile.contacts else "", logo)


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
        received_by=_receiver(profile, payment.received_by),
    )


def _receiver(profile: OrgProfile, recorded_by: str | None) -> data.Signatory | None:
    """Who signs as ผู้รับเงิน: the profile's receiver, else the staff who recorded or
    approved the payment; None (a line to sign by hand) for one matched automatically."""
    name = (profile.payment.receiver_name if profile.payment else None) or recorded_by
    if not name:
        return None
    return data.Signatory(name, profile.payment.receiver_position if profile.payment else "")


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


def _invoice_note(invoice: InvoiceSummary) -> str:
    if invoice.outstanding <= 0:
        return "ใบแจ้งหนี้นี้ชำระครบแล้ว"
    settled = invoice.total - invoice.outstanding
    return (f"ชำระแล้วหรือหักใบลดหนี้แล้ว {format_baht(settled)} คงเหลือที่ต้องชำระ {format_baht(invoice.outstanding)}"
            if settled > 0 else "")


def invoice_document(session: Session, customer_id: int, invoice_id: int, profile: OrgProfile, *,
                     today: date) -> data.Invoice:
    """One of this customer's invoices as printed, with the Thai QR that pays it
    while it is owed in full (a QR for the rest would contradict the printed total;
    the note says what is left). LookupError when the invoice is not theirs."""
    detail = invoice_detail(session, customer_id, invoice_id, today=today)
    customer = session.get(Customer, customer_id)
    if detail is None or customer is None:
        raise LookupError(f"no invoice {invoice_id} of customer {customer_id}")
    invoice = detail.summary
    request = (payment_request(session, customer_id, profile.payment, today=today, invoice_id=invoice_id)
               if profile.payment is not None and invoice.outstanding == invoice.total else None)
    return data.Invoice(
        number=invoice.number, issued_on=invoice.issued_on, due_date=invoice.due_date,
        organisation=organisation(profile),
        customer=data.Customer(customer.name, customer.code, customer.address, customer.tax_id),
        lines=tuple(data.LineItem(line.description, line.amount, line.quantity, line.unit, line.unit_price)
                    for line in detail.lines),
        period=invoice.period, payment_qr=request.payload if request else None,
        ref1=request.ref1 if request else None, ref2=request.ref2 if request else None,
        note=_invoice_note(invoice),
    )


def invoice_pdf_bytes(session: Session, customer_id: int, invoice_id: int, profile: OrgProfile, *,
                      today: date) -> bytes:
    """The invoice's A4 PDF as it stands today."""
    return invoice_pdf(invoice_document(session, customer_id, invoice_id, profile, today=today))
