"""Slips from residents into the finance queue, and finance's decisions, on
SQLite and PostgreSQL with real pictures read by the real QR reader."""
from __future__ import annotations

import io
import shutil
import subprocess
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from PIL import Image, ImageFilter
from sqlalchemy import func, select

from config.profile import load_profile
from models.accounts import AccountLink, Allocation, Payment, Receipt
from models.chat import LineUser
from models.slips import Slip
from services.billing.documents import receipt_pdf_bytes
from services.billing.errors import BillingError
from services.billing.payments import record_payment
from services.billing.slips import (
    approve_slip,
    pending_slips,
    reject_slip,
    slip_recipients,
    slip_review,
    submit_slip,
)
from tests.accounts.helpers import RECEIPT_FORMAT, at, bill, customer
from tests.payments.pictures import encoded
from tests.slip_images import TRANS_REF, png, slip_image, slip_png

TODAY = date(2026, 12, 15)
NOW = at(TODAY, 14)


def _books(s):
    owner = customer(s, "T0001")
    old = bill(s, owner, "1000.00", issued=date(2026, 10, 1), due=date(2026, 10, 15))
    new = bill(s, owner, "1500.00", issued=date(2026, 12, 1), due=date(2026, 12, 20))
    return owner, old, new


def _line_user(s, user_id: str = "U" + "a" * 32, following: bool = True) -> str:
    s.add(LineUser(line_user_id=user_id, is_following=following))
    s.flush()
    return user_id


def _submit(s, store, customer_id: int, image: bytes | None = None, **kw):
    kw.setdefault("source", "chat")
    kw.setdefault("line_user_id", None)
    kw.setdefault("now", NOW)
    return submit_slip(s, customer_id=customer_id, image=slip_png() if image is None else image, store=store, **kw)


def _count(s) -> int:
    return s.scalar(select(func.count()).select_from(Slip))


def _stored_files(store) -> list[Path]:
    return [p for p in store.root.rglob("*") if p.is_file()] if store.root.exists() else []


def test_good_slip_is_queued_with_what_its_qr_says(db, store):
    with db.session() as s, s.begin():
        owner, old, _new = _books(s)
        user = _line_user(s)
        result = _submit(s, store, owner.id, line_user_id=user, declared_amount=Decimal("1000.00"),
                         declared_paid_on=TODAY)
    assert (result.status, result.qr_read, result.bank, result.reference) == (
        "pending", True, "ธนาคารกสิกรไทย", TRANS_REF)
    assert result.amount == Decimal("1000.00") and result.paid_at is None
    with db.session() as s:
        slip = s.get(Slip, result.slip_id)
        assert (slip.status, slip.source, slip.line_user_id, slip.qr_bank, slip.qr_trans_ref) == (
            "pending", "chat", user, "004", TRANS_REF)
        assert slip.qr_payload.startswith("00") and slip.qr_error is None
        review = slip_review(s, result.slip_id, today=TODAY)
    assert (review.customer_code, review.qr_bank_name, review.suggested_invoice_number) == (
        "T0001", "ธนาคารกสิกรไทย", old.number)
    assert review.suggested_amount == Decimal("1000.00") and review.warnings == ()
    with Image.open(store.path(review.image_path)) as kept:
        assert kept.size == (720, 1100)


def test_the_kept_copy_has_no_exif_and_stands_upright(db, store):
    picture = slip_image().rotate(90, expand=True)  # the phone held sideways...
    exif = Image.Exif()
    exif[0x0112] = 8  # ...and says so: rotate 90° clockwise to view
    exif[0x010F] = "PhoneMaker"
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", quality=95, exif=exif.tobytes())
    with db.session() as s, s.begin():
        owner, _old, _new = _books(s)
        result = _submit(s, store, owner.id, buffer.getvalue())
        path = store.path(s.get(Slip, result.slip_id).image_path)
    assert result.status == "pending" and result.qr_read
    with Image.open(path) as kept:
        assert kept.format == "JPEG" and dict(kept.getexif()) == {}
        assert kept.size == (720, 1100)


@pytest.mark.parametrize("picture", [
    slip_image(payload=None),
    slip_image().filter(ImageFilter.GaussianBlur(12)),
], ids=["no-qr", "blurred"])
def test_slip_whose_qr_cannot_be_read_still_reaches_a_person(db, store, picture):
    with db.session() as s, s.begin():
        owner, _old, _new = _books(s)
        result = _submit(s, store, owner.id, png(picture), declared_amount=Decimal("350.00"))
    assert (result.status, result.qr_read, result.reference) == ("pending", False, None)
    with db.session() as s:
        review = slip_review(s, result.slip_id, today=TODAY)
    assert review.qr_problem == "ไม่พบ QR บนสลิป"
    assert any("ตรวจการส่งซ้ำจากเลขอ้างอิงไม่ได้" in w for w in review.warnings)


def test_refused_files_store_nothing(db, store):
    """Each refusal has its own reason; none leaves a slip row or a file behind."""
    refused = {
        "not_an_image": [b"%PDF-1.7 this is a document", slip_png()[:5000]],
        "too_large": [b"\x89PNG" + b"\0" * (20 * 1024 * 1024)],
        "wrong_format": [encoded(slip_image(), "GIF"), encoded(slip_image(), "WEBP"), encoded(slip_image(), "BMP")],
        "too_many_pixels": [png(Image.new("1", (2_000_000, 20))), png(Image.new("1", (20_000, 20_000)))],
    }
    with db.session() as s, s.begin():
        owner, _old, _new = _books(s)
        for reason, files in refused.items():
            assert [_submit(s, store, owner.id, data).status for data in files] == [reason] * len(files)
        assert _submit(s, store, owner.id, slip_png(), max_bytes=1000).status == "too_large"
        assert _count(s) == 0
    assert _stored_files(store) == []


def test_the_same_picture_twice_is_a_duplicate(db, store):
    with db.session() as s, s.begin():
        owner, _old, _new = _books(s)
        other = customer(s, "T0002", phones=("0810000002",))
        first = _submit(s, store, owner.id)
        again = _submit(s, store, owner.id)
        elsewhere = _submit(s, store, other.id)
        assert _count(s) == 1
    assert (again.status, again.slip_id, again.reference) == ("duplicate", first.slip_id, TRANS_REF)
    assert again.amount is None  # not paid yet: still waiting for finance
    assert (elsewhere.status, elsewhere.slip_id) == ("duplicate", None)  # nothing about someone else's slip
    assert len(_stored_files(store)) == 1


def test_the_same_transfer_in_another_picture_is_a_duplicate(db, store):
    with db.session() as s, s.begin():
        owner, _old, _new = _books(s)
        first = _submit(s, store, owner.id)
        screenshot = png(slip_image().rotate(90, expand=True))
        again = _submit(s, store, owner.id, screenshot)
        assert _count(s) == 1
    assert (again.status, again.slip_id) == ("duplicate", first.slip_id)


def test_a_transfer_already_recorded_as_a_payment_is_a_duplicate(db, store):
    with db.session() as s, s.begin():
        owner, _old, _new = _books(s)
        record_payment(s, owner.id, amount="1000.00", paid_at=at(TODAY - timedelta(days=1)), method="bank_report",
                       reference=TRANS_REF, today=TODAY)
        result = _submit(s, store, owner.id)
        assert _count(s) == 0
    assert (result.status, result.amount, result.paid_at) == ("duplicate", Decimal("1000.00"),
                                                              at(TODAY - timedelta(days=1)))
    assert _stored_files(store) == []


def test_a_rejected_slip_may_be_sent_again(db, store):
    with db.session() as s, s.begin():
        owner, _old, _new = _books(s)
        first = _submit(s, store, owner.id)
        reject_slip(s, first.slip_id, reason="ภาพไม่ชัด", reviewed_by="มาลี", now=NOW)
        again = _submit(s, store, owner.id)
    assert again.status == "pending" and again.slip_id != first.slip_id
    with db.session() as s:
        review = slip_review(s, again.slip_id, today=TODAY)
    assert any(f"สลิป #{first.slip_id}" in w and "ภาพไม่ชัด" in w for w in review.warnings)


def test_an_invoice_that_is_not_the_customers_is_ignored(db, store):
    with db.session() as s, s.begin():
        owner, old, _new = _books(s)
        other = customer(s, "T0002", phones=("0810000002",))
        theirs = bill(s, other, "99.00", issued=date(2026, 12, 1), due=date(2026, 12, 20))
        result = _submit(s, store, owner.id, invoice_id=theirs.id)
        assert s.get(Slip, result.slip_id).invoice_id is None
        review = slip_review(s, result.slip_id, today=TODAY)
    # Nothing declared: the amount offered is the one printed on the slip.
    assert (review.suggested_invoice_id, review.suggested_amount) == (old.id, Decimal("350.00"))


def test_the_declared_invoice_and_amount_are_what_finance_is_offered(db, store):
    with db.session() as s, s.begin():
        owner, old, new = _books(s)
        result = _submit(s, store, owner.id, invoice_id=new.id, declared_amount=Decimal("1500.00"),
                         declared_paid_on=TODAY - timedelta(days=1))
        review = slip_review(s, result.slip_id, today=TODAY)
    assert (review.suggested_invoice_number, review.suggested_amount) == (new.number, Decimal("1500.00"))
    assert [i.number for i in review.unpaid] == [old.number, new.number]
    assert review.suggested_paid_at == at(TODAY - timedelta(days=1), 14)


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils (pdftotext) is not installed")
def test_approving_records_allocates_and_issues_a_receipt_with_its_pdf(db, store, tmp_path):
    profile = load_profile("tenant")
    with db.session() as s, s.begin():
        owner, old, new = _books(s)
        slip_id = _submit(s, store, owner.id, declared_amount=Decimal("1500.00")).slip_id
    with db.session() as s, s.begin():
        approved = approve_slip(s, slip_id, amount=Decimal("1500.00"), paid_at=at(TODAY, 9), invoice_id=new.id,
                                reviewed_by="มาลี ศรีสุข", receipt_number_format=RECEIPT_FORMAT, now=NOW)
    assert approved.receipt_number == "RC-2570-000001" and approved.on_account == Decimal("0.00")
    with db.session() as s, s.begin():
        payment = s.get(Payment, approved.payment_id)
        assert (payment.method, payment.reference, payment.amount, payment.received_by) == (
            "transfer", TRANS_REF, Decimal("1500.00"), "มาลี ศรีสุข")
        assert [(a.invoice_id, a.amount) for a in s.scalars(select(Allocation))] == [(new.id, Decimal("1500.00"))]
        slip = s.get(Slip, slip_id)
        assert (slip.status, slip.payment_id, slip.reviewed_by) == ("approved", payment.id, "มาลี ศรีสุข")
        pdf = receipt_pdf_bytes(s, approved.receipt_id, profile, data_dir=tmp_path)
    (tmp_path / "r.pdf").write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(tmp_path / "r.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    for expected in ("ใบเสร็จรับเงิน", "RC-2570-000001", "ลูกค้า T0001", new.number, "1,500.00",
                     "โอนเงินเข้าบัญชี", "(ธนาคารกสิกรไทย)", TRANS_REF, "หนึ่งพันห้าร้อยบาทถ้วน"):
        assert expected in text, expected
    with db.session() as s, s.begin():
        kept = tmp_path / s.get(Receipt, approved.receipt_id).pdf_path
        assert kept.read_bytes() == pdf
        kept.write_bytes(b"%PDF-kept")  # a later call serves the stored file, it does not draw again
        assert receipt_pdf_bytes(s, approved.receipt_id, profile, data_dir=tmp_path) == b"%PDF-kept"


def test_a_slip_is_decided_once(db, store):
    with db.session() as s, s.begin():
        owner, _old, _new = _books(s)
        approved_id = _submit(s, store, owner.id).slip_id
        rejected_id = _submit(s, store, owner.id, slip_png("REF2")).slip_id
        approve_slip(s, approved_id, amount=Decimal("1000.00"), paid_at=at(TODAY, 9), invoice_id=None,
                     reviewed_by="มาลี", receipt_number_format=RECEIPT_FORMAT, now=NOW)
        reject_slip(s, rejected_id, reason="ยอดไม่ตรง", reviewed_by="มาลี", now=NOW)
    for slip_id, decided in ((approved_id, "อนุมัติ"), (rejected_id, "ปฏิเสธ")):
        for act in (
            lambda s: approve_slip(s, slip_id, amount=Decimal("1000.00"), paid_at=at(TODAY, 9), invoice_id=None,
                                   reviewed_by="สมชาย", receipt_number_format=RECEIPT_FORMAT, now=NOW),
            lambda s: reject_slip(s, slip_id, reason="ซ้ำ", reviewed_by="สมชาย", now=NOW),
        ):
            with pytest.raises(BillingError, match=f"ถูก{decided}ไปแล้วโดย มาลี"):
                with db.session() as s, s.begin():
                    act(s)
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Payment)) == 1
        assert [r.id for r in pending_slips(s, today=TODAY)] == []


def test_a_transfer_above_what_is_owed_is_kept_on_account(db, store):
    with db.session() as s, s.begin():
        owner, old, new = _books(s)
        slip_id = _submit(s, store, owner.id).slip_id
        approved = approve_slip(s, slip_id, amount=Decimal("3000.00"), paid_at=at(TODAY, 9), invoice_id=None,
                                reviewed_by="มาลี", receipt_number_format=RECEIPT_FORMAT, now=NOW)
        paid = {a.invoice_id: a.amount for a in s.scalars(select(Allocation))}
    assert paid == {old.id: Decimal("1000.00"), new.id: Decimal("1500.00")}
    assert approved.on_account == Decimal("500.00")


def test_wrong_approvals_leave_the_slip_pending(db, store):
    with db.session() as s, s.begin():
        owner, _old, _new = _books(s)
        other = customer(s, "T0002", phones=("0810000002",))
        theirs = bill(s, other, "99.00", issued=date(2026, 12, 1), due=date(2026, 12, 20))
        slip_id = _submit(s, store, owner.id).slip_id
    attempts = [
        (dict(amount=Decimal("100.00"), paid_at=NOW + timedelta(hours=1), invoice_id=None), "ไม่เลยเวลาปัจจุบัน"),
        (dict(amount=Decimal("0.00"), paid_at=at(TODAY, 9), invoice_id=None), "มากกว่าศูนย์"),
        (dict(amount=Decimal("99.00"), paid_at=at(TODAY, 9), invoice_id=theirs.id), "ไม่พบใบแจ้งหนี้นี้ในบัญชีของลูกค้า"),
    ]
    for kwargs, message in attempts:
        with pytest.raises(BillingError, match=message), db.session() as s, s.begin():
            approve_slip(s, slip_id, reviewed_by="มาลี", receipt_number_format=RECEIPT_FORMAT, now=NOW, **kwargs)
    with db.session() as s:
        assert s.get(Slip, slip_id).status == "pending"
        assert s.scalar(select(func.count()).select_from(Payment)) == 0


def test_a_transfer_recorded_meanwhile_cannot_be_approved_again(db, store):
    with db.session() as s, s.begin():
        owner, _old, _new = _books(s)
        slip_id = _submit(s, store, owner.id).slip_id
        # The bank's report arrives before finance gets to the slip.
        record_payment(s, owner.id, amount="1000.00", paid_at=at(TODAY, 9), method="bank_report", reference=TRANS_REF,
                       today=TODAY)
    with db.session() as s:
        assert any("บันทึกรับชำระไปแล้ว" in w for w in slip_review(s, slip_id, today=TODAY).warnings)
    with pytest.raises(BillingError, match=f"เลขอ้างอิง {TRANS_REF} บันทึกไว้แล้ว"), db.session() as s, s.begin():
        approve_slip(s, slip_id, amount=Decimal("1000.00"), paid_at=at(TODAY, 9), invoice_id=None,
                     reviewed_by="มาลี", receipt_number_format=RECEIPT_FORMAT, now=NOW)
    with db.session() as s:
        assert s.get(Slip, slip_id).status == "pending"


def test_rejecting_needs_a_reason(db, store):
    with db.session() as s, s.begin():
        owner, _old, _new = _books(s)
        slip_id = _submit(s, store, owner.id).slip_id
    with pytest.raises(BillingError, match="กรุณาระบุเหตุผล"), db.session() as s, s.begin():
        reject_slip(s, slip_id, reason="   ", reviewed_by="มาลี", now=NOW)
    with db.session() as s, s.begin():
        rejected = reject_slip(s, slip_id, reason="  ยอดไม่ตรงกับ\nรายการเดินบัญชี ", reviewed_by="มาลี", now=NOW)
    assert rejected.reason == "ยอดไม่ตรงกับ รายการเดินบัญชี"
    with db.session() as s:
        slip = s.get(Slip, slip_id)
        assert (slip.status, slip.reject_reason, slip.payment_id) == ("rejected", rejected.reason, None)


def test_who_hears_the_outcome(db, store):
    with db.session() as s, s.begin():
        owner, _old, _new = _books(s)
        sender = _line_user(s, "U" + "1" * 32)
        linked = [_line_user(s, "U" + "2" * 32), _line_user(s, "U" + "3" * 32, following=False)]
        for user in linked:
            s.add(AccountLink(line_user_id=user, customer_id=owner.id, active=True, linked_at=NOW))
        from_chat = _submit(s, store, owner.id, line_user_id=sender).slip_id
        from_office = _submit(s, store, owner.id, slip_png("REF2")).slip_id
        assert slip_recipients(s, from_chat) == [sender]
        assert slip_recipients(s, from_office) == [linked[0]]  # the one who blocked the OA is not pushed to


def test_the_queue_is_oldest_first_and_only_pending(db, store):
    with db.session() as s, s.begin():
        owner, _old, _new = _books(s)
        later = _submit(s, store, owner.id, slip_png("REF1"), now=NOW).slip_id
        earlier = _submit(s, store, owner.id, slip_png("REF2"), now=NOW - timedelta(hours=2)).slip_id
        decided = _submit(s, store, owner.id, slip_png("REF3"), now=NOW - timedelta(hours=3)).slip_id
        reject_slip(s, decided, reason="ซ้ำ", reviewed_by="มาลี", now=NOW)
    with db.session() as s:
        assert [r.id for r in pending_slips(s, today=TODAY)] == [earlier, later]
