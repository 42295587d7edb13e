"""The resident's web pages. Each checks the link's signature before anything else."""
from __future__ import annotations

import base64
import hashlib
import hmac
import io
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import Blueprint, Response, abort, render_template, request, send_file
from PIL import Image, ImageOps
from sqlalchemy.orm import Session

from flows import cards
from flows.slips import refusal_text
from services.billing.documents import invoice_pdf_bytes, receipt_pdf_bytes
from services.billing.errors import BillingError
from services.billing.payments import check_payment_day, earliest_payment_day
from services.billing.slips import MAX_SLIP_BYTES, REFUSALS, SlipSubmission, submit_slip
from services.container import Services
from services.ids import parse_id
from services.inbox import staff_picture_path
from services.messaging.outbox import enqueue, retry_key_for
from services.payments.qrimage import payment_card_png
from services.payments.signing import SignatureError, verify
from services.payments.slip_reader import picture_format
from services.payments.thaiqr import ThaiQRError
from thai.dates import BANGKOK, BE_OFFSET, MONTHS_FULL, be_year
from thai.money import to_money

FORM_OVERHEAD = 64 * 1024  # the form's other fields and multipart boundaries

# The pages are one inline <style> (the profile's colours) and a form that posts to
# itself: no script, nothing from another site; pictures only our own (or a data:
# favicon). Inline style stays allowed because it is printed per profile; with no
# script and no way to load anything from elsewhere, injected CSS could neither run
# nor send anything out.
WEB_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; "
           "frame-ancestors 'none'; base-uri 'none'")


def protect(response: Response) -> Response:
    """Never in a frame (clickjacking), never sniffed into another type, no Referer
    (the links carry signed parameters: who, which account), and the CSP on HTML (a
    PDF or a picture is shown by the browser itself, which a document policy would
    only get in the way of)."""
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    if response.mimetype == "text/html":
        response.headers["Content-Security-Policy"] = WEB_CSP
    return response


def front(services: Services) -> Blueprint:
    """The server's own address, opened by whoever follows the bot's URL (the demo
    prints it): a short Thai page saying what this is, with the way to the back office."""
    bp = Blueprint("front", __name__, template_folder="templates")
    bp.after_request(protect)

    @bp.get("/")
    def home() -> str:
        return render_template("web/home.html", profile=services.profile)

    return bp


def blueprint(services: Services) -> Blueprint:
    """The /web pages of one deployment."""
    bp = Blueprint("web", __name__, url_prefix="/web", template_folder="templates")
    bp.after_request(protect)
    profile = services.profile

    @bp.errorhandler(413)
    def _too_large(_exc) -> Response:
        return Response(render_template("web/message.html", profile=profile, title="ไฟล์ใหญ่เกินไป",
                                        body=refusal_text("too_large", profile)), status=413)

    def _link_refused() -> Response:
        return Response(render_template(
            "web/message.html", profile=profile, title="ลิงก์นี้ใช้ไม่ได้แล้ว",
            body="ลิงก์หมดอายุหรือไม่ถูกต้อง กรุณากลับไปที่แชท LINE แล้วขอลิงก์ใหม่อีกครั้ง"), status=403)

    def _signed() -> dict[str, str]:
        """The link's parameters; a link that was altered or has expired gets a Thai page, not data."""
        try:
            return verify(request.full_path, secret=services.secret_key)
        except SignatureError:
            abort(_link_refused())

    @bp.get("/qr.png")
    def qr_card() -> Response:
        params = _signed()
        payee = profile.payment.account_name if profile.payment else profile.name
        try:
            png = payment_card_png(params.get("p", ""), payee=payee, caption=params.get("c") or None)
        except ThaiQRError:
            abort(404)
        # The picture never changes for its link; LINE and phones may keep it.
        return Response(png, mimetype="image/png", headers={"Cache-Control": "private, max-age=86400"})

    @bp.get("/receipts/<id:receipt_id>.pdf")
    def receipt_pdf(receipt_id: int) -> Response:
        _signed()
        with services.db.session() as session, session.begin():
            try:
                pdf = receipt_pdf_bytes(session, receipt_id, profile, data_dir=services.data_dir)
            except LookupError:
                abort(404)
        return Response(pdf, mimetype="application/pdf",
                        headers={"Content-Disposition": f'inline; filename="receipt-{receipt_id}.pdf"',
                                 "Cache-Control": "private, no-store"})

    @bp.get("/invoices/<id:invoice_id>.pdf")
    def invoice_pdf(invoice_id: int) -> Response:
        customer_id = parse_id(_signed().get("c"))
        if customer_id is None:
            return _link_refused()
        with services.db.session() as session:
            try:
                pdf = invoice_pdf_bytes(session, customer_id, invoice_id, profile,
                                        today=datetime.now(BANGKOK).date())
            except LookupError:
                abort(404)
        return Response(pdf, mimetype="application/pdf",
                        headers={"Content-Disposition": f'inline; filename="invoice-{invoice_id}.pdf"',
                                 "Cache-Control": "private, no-store"})

    @bp.get("/staff-pictures/<name>")
    def staff_picture(name: str) -> Response:
        """A picture staff sent in the chat, as LINE fetches it from the image message's links."""
        _signed()
        path = staff_picture_path(services.data_dir, name)
        if path is None:
            abort(404)
        response = send_file(path, mimetype="image/jpeg")
        response.headers["Cache-Control"] = "private, max-age=86400"  # named by its content: it never changes
        return response

    @bp.route("/slips/new", methods=["GET", "POST"])
    def slip_form() -> Response | str:
        params = _signed()
        request.max_content_length = MAX_SLIP_BYTES + FORM_OVERHEAD  # the webhook's 1 MB is too small for a photo
        customer_id, user_id, invoice_id = parse_id(params.get("c")), params.get("u") or None, parse_id(params.get("i"))
        if customer_id is None:
            return _link_refused()
        today = datetime.now(BANGKOK).date()
        values: dict[str, Any] = {"day": today.day, "month": today.month, "year": be_year(today), "amount": ""}
        errors: list[str] = []
        kept: KeptPicture | None = None
        if request.method == "POST":
            values = {key: request.form.get(key, "").strip() for key in ("day", "month", "year", "amount")}
            amount, paid_on, errors = _read_form(values, today)
            image, kept = _chosen_picture(services, customer_id)
            if not image:
                errors.append("กรุณาเลือกรูปสลิปการโอนเงิน")
            elif errors:
                kept = kept or _keep(services, customer_id, image, _upload_name())
            else:
                with services.db.session() as session, session.begin():
                    result = submit_slip(session, customer_id=customer_id, image=image, source="web",
                                         line_user_id=user_id, store=services.slip_store, now=datetime.now(BANGKOK),
                                         declared_amount=amount, declared_paid_on=paid_on, invoice_id=invoice_id)
                    if result.status not in REFUSALS:
                        _tell_in_chat(session, services, user_id, result)
                if kept:  # taken, or refused for what the picture is: either way it is not kept again
                    services.slip_store.drop_draft(kept.token)
                    kept = None
                if result.status in REFUSALS:
                    errors.append(refusal_text(result.status, profile))
                else:
                    services.sender.wake()
                    return render_template("web/slip_done.html", profile=profile, result=result)
        status = 400 if errors else 200
        years = range(be_year(today), be_year(earliest_payment_day(today)) - 1, -1)
        return Response(render_template("web/slip_form.html", profile=profile, values=values, errors=errors,
                                        max_mb=MAX_SLIP_BYTES // (1024 * 1024), months=MONTHS_FULL, years=years,
                                        kept=kept), status=status)

    return bp


def _read_form(values: dict[str, str], today: date) -> tuple[Decimal | None, date | None, list[str]]:
    """The amount, and the day from its day / Thai month / Buddhist-Era year selects."""
    errors: list[str] = []
    amount = paid_on = None
    try:
        amount = to_money(values["amount"].replace(",", "").strip(), exact=True)
        if amount <= 0:
            raise ValueError
    except (InvalidOperation, ValueError):
        errors.append("กรุณากรอกจำนวนเงินที่โอน เช่น 1250.50")
        amount = None
    try:
        paid_on = date(int(values["year"]) - BE_OFFSET, int(values["month"]), int(values["day"]))
        check_payment_day(paid_on, today=today)
    except BillingError as refused:
        errors.append(str(refused))
        paid_on = None
    except ValueError:  # a day the month does not have (31 เมษายน), or a field left out
        errors.append("วันที่โอนเงินไม่ถูกต้อง กรุณาเลือกวัน เดือน และปีอีกครั้ง")
        paid_on = None
    return amount, paid_on, errors


@dataclass(frozen=True)
class KeptPicture:
    """A picture the form took before another field was found wrong: its draft token,
    signed with the account's id so no other link can use it, and how it is shown."""

    token: str
    name: str
    preview: str  # a small data: URL (the page may load nothing from elsewhere)
    field: str  # the hidden field: token.signature


def _kept(services: Services, customer_id: int, token: str, name: str, preview: str) -> KeptPicture:
    return KeptPicture(token, name, preview,
                       f"{token}.{_draft_signature(services.secret_key, customer_id, token, name)}")


def _draft_signature(secret: str, customer_id: int, token: str, name: str) -> str:
    message = f"slip-draft:{customer_id}:{token}:{name}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:32]


def _upload_name() -> str:
    upload = request.files.get("slip")
    return (upload.filename if upload and upload.filename else "สลิป")[-80:]


def _preview(image: bytes) -> str:
    with Image.open(io.BytesIO(image)) as opened:
        small = ImageOps.exif_transpose(opened).convert("RGB")
    small.thumbnail((240, 240))
    out = io.BytesIO()
    small.save(out, format="JPEG", quality=80)
    return "data:image/jpeg;base64," + base64.b64encode(out.getvalue()).decode()


def _keep(services: Services, customer_id: int, image: bytes, name: str) -> KeptPicture | None:
    """Hold a picture across a correction; something that is not a JPEG or PNG is
    left for submit_slip to refuse on the next try, not kept."""
    if len(image) > MAX_SLIP_BYTES or picture_format(image) is None:
        return None
    try:
        preview = _preview(image)
    except (OSError, ValueError):  # says JPEG, does not decode
        return None
    return _kept(services, customer_id, services.slip_store.keep_draft(image), name, preview)


def _chosen_picture(services: Services, customer_id: int) -> tuple[bytes, KeptPicture | None]:
    """A new file wins over the kept one (which then goes); otherwise the kept one,
    when its hidden field is ours and the draft is still there."""
    upload = request.files.get("slip")
    image = upload.read(MAX_SLIP_BYTES + 1) if upload else b""
    token, _, signature = request.form.get("kept", "").partition(".")
    name = request.form.get("kept_name", "")
    signed = bool(token) and hmac.compare_digest(
        signature, _draft_signature(services.secret_key, customer_id, token, name))
    if image:
        if signed:
            services.slip_store.drop_draft(token)
        return image, None
    draft = services.slip_store.draft(token) if signed else None
    if draft is None:
        return b"", None
    return draft, _kept(services, customer_id, token, name, _preview(draft))


def _tell_in_chat(session: Session, services: Services, user_id: str | None, result: SlipSubmission) -> None:
    """The chat hears about a form submission too, once (the key is the slip's), from
    the outbox row written with the slip."""
    if user_id is None or result.slip_id is None:
        return
    message = cards.slip_message(result.status, profile=services.profile, amount=result.amount,
                                 paid_at=result.paid_at, bank=result.bank, reference=result.reference)
    enqueue(session, user_id, [message], reason="slip_received",
            retry_key=retry_key_for("slip", str(result.slip_id), "received"))
