"""Finance screens: the slip review queue, cash at the counter, receipts.

The staff pages of the accounts and slips modules (`PAGES`). Each action is one
transaction, and the resident's notice (admin/notify.py) and the audit row are
written in it; a refusal (a Thai BillingError or a form problem) rolls all back
and shows the form again with what was typed. The receipt PDF is drawn and the sender woken
only after the commit, so neither can hold a decision up or half-write it.
"""
from __future__ import annotations

import io
import logging
from datetime import date, datetime, time
from decimal import Decimal

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from PIL import Image
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from admin import notify
from admin.pages import StaffPages
from models.accounts import Customer, Payment, Receipt
from models.base import utcnow
from models.slips import Slip
from services import audit
from services.billing.accounts import customer_by_code
from services.billing.balance import invoice_summaries
from services.billing.documents import receipt_pdf_bytes
from services.billing.errors import BillingError
from services.billing.payments import PAYMENT_METHOD_NAMES, earliest_payment_day, record_cash_payment
from services.billing.receipts import receipt_detail
from services.billing.slips import approve_slip, pending_slips, reject_slip, slip_review
from services.container import Services
from services.ids import parse_id
from thai.dates import BANGKOK, format_thai_datetime
from thai.money import format_baht, to_money

log = logging.getLogger(__name__)

THUMB_PIXELS = 240
REJECT_REASONS = (
    "ยอดเงินในสลิปไม่ตรงกับยอดที่เข้าบัญชี",
    "ไม่พบรายการโอนเข้าบัญชีขององค์กร",
    "ภาพสลิปไม่ชัด อ่านยอดหรือวันที่ไม่ได้",
    "สลิปนี้ใช้ชำระไปแล้ว",
    "โอนเข้าบัญชีอื่นที่ไม่ใช่บัญชีรับชำระขององค์กร",
)


class FormError(ValueError):
    """What a staff member typed cannot be used; the message says how to fix it."""


def _amount(text: str) -> Decimal:
    try:
        money = to_money(text.replace(",", "").replace("บาท", "").strip(), exact=True)
    except ValueError:
        raise FormError("กรุณากรอกจำนวนเงินเป็นตัวเลข ทศนิยมไม่เกิน 2 ตำแหน่ง เช่น 1250.50") from None
    if money <= 0:
        raise FormError("จำนวนเงินต้องมากกว่าศูนย์")
    return money


def _paid_at(day_text: str, time_text: str) -> datetime:
    try:
        day = date.fromisoformat(day_text)
    except ValueError:
        raise FormError("กรุณาเลือกวันที่โอนตามสลิป") from None
    try:
        at = time.fromisoformat(time_text)
    except ValueError:
        raise FormError("กรุณากรอกเวลาที่โอนตามสลิป เช่น 14:30") from None
    return datetime.combine(day, at.replace(second=0, microsecond=0), tzinfo=BANGKOK)


def _invoice(text: str) -> int | None:
    """The invoice picked from the form's list; none picked means oldest due first."""
    if not text.strip():
        return None
    invoice_id = parse_id(text)
    if invoice_id is None:
        raise FormError("ใบแจ้งหนี้ที่เลือกไม่ถูกต้อง กรุณาเลือกจากรายการอีกครั้ง")
    return invoice_id


def _plain(amount: Decimal | None) -> str:
    return "" if amount is None else f"{amount:.2f}"


def blueprint(services: Services) -> Blueprint:
    bp = Blueprint("finance", __name__)
    db, profile, slip_store = services.db, services.profile, services.slip_store

    def _keep_receipt_pdf(receipt_id: int) -> None:
        """Draw the PDF now so the first person to open it need not wait; if this
        fails the PDF is drawn when it is first opened instead."""
        try:
            with db.session() as session, session.begin():
                receipt_pdf_bytes(session, receipt_id, profile, data_dir=services.data_dir)
        except Exception:  # noqa: BLE001 - the receipt itself is committed
            log.exception("receipt %s: PDF not stored yet", receipt_id)

    # ------------------------------------------------------------------ slips

    @bp.get("/slips")
    def slips() -> str:
        with db.session() as session:
            queue = pending_slips(session)
        return render_template("admin/slips.html", slips=queue)

    def _slip_page(slip_id: int, *, values: dict[str, str] | None = None, error: str | None = None,
                   status: int = 200) -> tuple[str, int]:
        with db.session() as session:
            review = slip_review(session, slip_id,
                                 payee_accounts=profile.payment.payee_accounts if profile.payment else ())
        if review is None:
            abort(404)
        paid_at = review.suggested_paid_at
        shown = {"amount": _plain(review.suggested_amount), "paid_on": paid_at.date().isoformat(),
                 "paid_time": paid_at.strftime("%H:%M"), "invoice_id": str(review.suggested_invoice_id or ""),
                 "reason": "", **(values or {})}
        today = datetime.now(BANGKOK).date()
        return render_template("admin/slip.html", slip=review, values=shown, error=error, reasons=REJECT_REASONS,
                               today=today, earliest=earliest_payment_day(today)), status

    @bp.get("/slips/<id:slip_id>")
    def slip(slip_id: int) -> tuple[str, int]:
        return _slip_page(slip_id)

    @bp.get("/slips/<id:slip_id>/image")
    def slip_image(slip_id: int) -> Response:
        with db.session() as session:
            found = session.execute(select(Slip.image_path, Slip.content_type).where(Slip.id == slip_id)).first()
        if found is None:
            abort(404)
        path = slip_store.path(found.image_path)
        if not path.is_file():
            abort(404)
        if request.args.get("thumb"):
            with Image.open(path) as image:
                image.thumbnail((THUMB_PIXELS, THUMB_PIXELS * 2))
                small = io.BytesIO()
                image.convert("RGB").save(small, format="JPEG", quality=80)
            return Response(small.getvalue(), mimetype="image/jpeg", headers={"Cache-Control": "private, max-age=3600"})
        response = send_file(path, mimetype=found.content_type)
        response.headers["Cache-Control"] = "private, no-store"  # a resident's bank details
        return response

    @bp.post("/slips/<id:slip_id>/approve")
    def approve(slip_id: int) -> Response | tuple[str, int]:
        values = {key: request.form.get(key, "") for key in ("amount", "paid_on", "paid_time", "invoice_id")}
        try:
            amount = _amount(values["amount"])
            paid_at = _paid_at(values["paid_on"], values["paid_time"])
            with db.session() as session, session.begin():
                approved = approve_slip(
                    session, slip_id, amount=amount, paid_at=paid_at, invoice_id=_invoice(values["invoice_id"]),
                    reviewed_by=current_user.display_name,
                    receipt_number_format=profile.document_number_formats["receipt"], now=utcnow())
                audit.record(session, current_user.identity, "slip_approved", record_type="slip", record_id=slip_id,
                             after={"amount": format_baht(approved.amount), "paid_at": format_thai_datetime(paid_at),
                                    "receipt_number": approved.receipt_number}, client=request.remote_addr)
                told = notify.slip_approved(session, services, approved)
        except (FormError, BillingError) as exc:
            return _slip_page(slip_id, values=values, error=str(exc), status=400)
        except IntegrityError:
            return _slip_page(slip_id, values=values, status=409,
                              error="รายการโอนนี้เพิ่งถูกบันทึกจากที่อื่นพร้อมกัน กรุณาโหลดหน้าใหม่แล้วตรวจอีกครั้ง")
        told = notify.sent(services, told)
        _keep_receipt_pdf(approved.receipt_id)
        flash(f"อนุมัติสลิป #{slip_id} แล้ว ออกใบเสร็จเลขที่ {approved.receipt_number} {told.note}", "ok")
        return redirect(url_for("admin.finance.slip", slip_id=slip_id))

    @bp.post("/slips/<id:slip_id>/reject")
    def reject(slip_id: int) -> Response | tuple[str, int]:
        reason = request.form.get("reason", "")
        try:
            with db.session() as session, session.begin():
                rejected = reject_slip(session, slip_id, reason=reason, reviewed_by=current_user.display_name,
                                       now=utcnow())
                audit.record(session, current_user.identity, "slip_rejected", record_type="slip", record_id=slip_id,
                             after={"reason": rejected.reason}, client=request.remote_addr)
                told = notify.slip_rejected(session, services, rejected)
        except BillingError as exc:
            return _slip_page(slip_id, values={"reason": reason}, error=str(exc), status=400)
        told = notify.sent(services, told)
        flash(f"ปฏิเสธสลิป #{slip_id} แล้ว {told.note}", "ok")
        return redirect(url_for("admin.finance.slips"))

    # ------------------------------------------------------------------ cash

    def _cash_page(code: str, *, values: dict[str, str] | None = None, error: str | None = None,
                   status: int = 200) -> tuple[str, int]:
        customer = unpaid = None
        if code.strip():
            with db.session() as session:
                customer = customer_by_code(session, code)
                if customer is not None:
                    today = datetime.now(BANGKOK).date()
                    unpaid = [i for i in invoice_summaries(session, customer.id, today=today) if i.outstanding > 0]
            if customer is None and error is None:
                error, status = f"ไม่พบรหัสลูกค้า {code.strip()} กรุณาตรวจรหัสอีกครั้ง", 404
        owed = sum((i.outstanding for i in unpaid or ()), Decimal("0.00"))
        shown = {"amount": _plain(owed) if owed else "", "invoice_id": "", **(values or {})}
        return render_template("admin/cash.html", code=code.strip(), customer=customer, unpaid=unpaid, owed=owed,
                               values=shown, error=error), status

    @bp.get("/payments/cash")
    def cash() -> tuple[str, int]:
        return _cash_page(request.args.get("code", ""))

    @bp.post("/payments/cash")
    def cash_receive() -> Response | tuple[str, int]:
        code = request.form.get("code", "")
        values = {key: request.form.get(key, "") for key in ("amount", "invoice_id")}
        try:
            amount = _amount(values["amount"])
            with db.session() as session, session.begin():
                customer = customer_by_code(session, code)
                if customer is None:
                    raise FormError(f"ไม่พบรหัสลูกค้า {code.strip()} กรุณาตรวจรหัสอีกครั้ง")
                receipt = record_cash_payment(
                    session, customer.id, amount=amount, paid_at=utcnow(), invoice_id=_invoice(values["invoice_id"]),
                    receipt_number_format=profile.document_number_formats["receipt"],
                    received_by=current_user.display_name)
                receipt_id, number = receipt.id, receipt.number
                audit.record(session, current_user.identity, "cash_received", record_type="receipt",
                             record_id=receipt_id, after={"customer_code": customer.code, "amount": format_baht(amount),
                                                          "receipt_number": number}, client=request.remote_addr)
                told = notify.cash_received(session, services, customer.id, receipt_id)
        except (FormError, BillingError) as exc:
            return _cash_page(code, values=values, error=str(exc), status=400)
        told = notify.sent(services, told)
        _keep_receipt_pdf(receipt_id)
        flash(f"รับชำระเงินสดแล้ว ออกใบเสร็จเลขที่ {number} {told.note}", "ok")
        return redirect(url_for("admin.finance.receipt", receipt_id=receipt_id))

    # ------------------------------------------------------------------ receipts

    @bp.get("/receipts/<id:receipt_id>")
    def receipt(receipt_id: int) -> str:
        with db.session() as session:
            customer_id = session.scalar(select(Payment.customer_id).join(Receipt, Receipt.payment_id == Payment.id)
                                         .where(Receipt.id == receipt_id))
            summary = receipt_detail(session, customer_id, receipt_id) if customer_id else None
            customer = session.get(Customer, customer_id) if customer_id else None
        if summary is None or customer is None:
            abort(404)
        return render_template("admin/receipt.html", receipt=summary, customer=customer,
                               method=PAYMENT_METHOD_NAMES[summary.method])

    @bp.get("/receipts/<id:receipt_id>.pdf")
    def receipt_pdf(receipt_id: int) -> Response:
        with db.session() as session, session.begin():
            try:
                pdf = receipt_pdf_bytes(session, receipt_id, profile, data_dir=services.data_dir)
            except LookupError:
                abort(404)
            audit.record(session, current_user.identity, "receipt_downloaded", record_type="receipt",
                         record_id=receipt_id, client=request.remote_addr)
        return Response(pdf, mimetype="application/pdf",
                        headers={"Content-Disposition": f'inline; filename="receipt-{receipt_id}.pdf"'})

    return bp


PAGES = StaffPages(key="finance", blueprint=blueprint, permission="finance",
                   nav=(("สลิปรอตรวจ", "admin.finance.slips"), ("รับชำระเงินสด", "admin.finance.cash")))
