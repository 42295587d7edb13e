"""Documents from the books (issue 14): the invoice PDF a resident opens from the invoice
card, through the real bot and the LINE emulator over HTTP, only for the invoice's own
customer; and who signs a receipt."""
from __future__ import annotations

import re
import shutil
import subprocess

import pytest
import requests
import zxingcpp
from PIL import Image
from sqlalchemy import select

from models.accounts import Invoice, Payment, Receipt
from services.billing.accounts import customer_by_code
from services.billing.balance import outstanding_of_invoice
from services.billing.documents import receipt_document
from services.documents.data import Signatory
from services.payments.thaiqr import read_payment
from tests.bills.test_chat_bills import bills, db_session, flex_of, postbacks, register, uris  # noqa: F401

pytestmark = pytest.mark.skipif(not shutil.which("pdftotext") or not shutil.which("pdftoppm"),
                                reason="poppler-utils (pdftotext, pdftoppm) is not installed")


def _pdf_pages(content: bytes, tmp_path) -> tuple[str, Image.Image]:
    path = tmp_path / "invoice.pdf"
    path.write_bytes(content)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    subprocess.run(["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", "-singlefile", str(path),
                    str(tmp_path / "page")], check=True)
    return text, Image.open(tmp_path / "page.png")


def test_the_invoice_card_opens_its_pdf_with_the_qr_that_pays_it(bills, tmp_path):
    user = bills.new_user()
    register(bills, user)
    statement = flex_of(bills.say(user, "ยอดค้างเท่าไหร่"))
    taps = [d for d in postbacks(statement) if "invoice=" in d and "check_balance" in d]
    seen = set()
    for tap in taps:  # the demo's T0001 owes one invoice in full and the rest of a part-paid one
        invoice_id = int(re.search(r"invoice=(\d+)", tap).group(1))
        card = flex_of(bills.tap(user, tap))
        link = next(u for u in uris(card) if f"/web/invoices/{invoice_id}.pdf" in u)
        response = requests.get(link, timeout=30)
        assert response.status_code == 200 and response.headers["Content-Type"] == "application/pdf"
        assert response.headers["Cache-Control"] == "private, no-store"
        text, page = _pdf_pages(response.content, tmp_path)
        with db_session(bills) as session:
            invoice = session.get(Invoice, invoice_id)
            owed = outstanding_of_invoice(session, invoice_id)
            number, period = invoice.number, invoice.period
        assert "ใบแจ้งหนี้" in text and number in text and period in text
        assert "ร้านสมใจ" in text and "T0001" in text
        found = zxingcpp.read_barcodes(page)
        if f"คงเหลือที่ต้องชำระ {owed:,.2f} บาท" in text:
            assert not found, "a QR for the rest would contradict the printed total"
            seen.add("part paid")
        else:
            payment = read_payment(found[0].text)
            assert payment.amount == owed and f"{owed:,.2f} บาท" in text and payment.ref1 == "T0001"
            assert payment.ref2 == re.sub(r"[^A-Z0-9]", "", number)
            seen.add("owed in full")
    assert seen == {"part paid", "owed in full"}


def test_only_the_invoices_own_customer_gets_it(bills):
    user = bills.new_user()
    register(bills, user)
    statement = flex_of(bills.say(user, "ยอดค้างเท่าไหร่"))
    tap = next(d for d in postbacks(statement) if "invoice=" in d and "check_balance" in d)
    invoice_id = int(re.search(r"invoice=(\d+)", tap).group(1))
    link = next(u for u in uris(flex_of(bills.tap(user, tap))) if "/web/invoices/" in u)
    assert requests.get(link, timeout=30).status_code == 200

    # another invoice id, or another customer, in the same signed link is refused
    other_invoice = link.replace(f"/invoices/{invoice_id}.pdf", f"/invoices/{invoice_id + 1}.pdf")
    assert requests.get(other_invoice, timeout=10).status_code == 403
    assert requests.get(re.sub(r"([?&])c=\d+", r"\1c=999", link), timeout=10).status_code == 403

    # a link the bot signed for someone else's customer id finds nothing
    links = bills.bot_app.assembly.services.links
    with db_session(bills) as session:
        someone_else = customer_by_code(session, "T0002").id
        theirs = session.query(Invoice.id).filter(Invoice.customer_id == someone_else).first()
    assert requests.get(links.invoice_pdf(invoice_id, someone_else), timeout=10).status_code == 404
    assert theirs is not None
    assert requests.get(links.invoice_pdf(theirs[0], someone_else), timeout=30).status_code == 200


def test_the_receipt_is_signed_by_the_profiles_receiver_else_by_who_recorded_the_payment(bills):
    profile = bills.bot_app.assembly.services.profile
    with db_session(bills) as session:
        recorded_by = dict(session.execute(select(Receipt.id, Payment.received_by)
                                           .join(Payment, Payment.id == Receipt.payment_id)).all())
        at_the_counter = next(r for r, by in recorded_by.items() if by)
        matched = next(r for r, by in recorded_by.items() if not by)
        assert receipt_document(session, at_the_counter, profile).received_by == Signatory(
            recorded_by[at_the_counter], "เจ้าหน้าที่การเงิน")
        assert receipt_document(session, matched, profile).received_by is None
        named = profile.model_copy(update={"payment": profile.payment.model_copy(
            update={"receiver_name": "นางสาวมาลี ศรีสุข", "receiver_position": "ผู้จัดการฝ่ายบัญชี"})})
        for receipt_id in (at_the_counter, matched):
            assert receipt_document(session, receipt_id, named).received_by == Signatory(
                "นางสาวมาลี ศรีสุข", "ผู้จัดการฝ่ายบัญชี")
