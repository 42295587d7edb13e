"""The inbox's staff screens (SPEC §4.9, seed 003 S3-7): the list of chats, one
chat with its two controls (status, mode), its transcript and what the office
knows of the resident, and the actions on it.

The rules are services/inbox.py. Each action here is one transaction calling it;
the sender is woken after the commit when the resident is told something. An
action on a chat outside the staff member's units is audited in a transaction of
its own (the refused one rolled back) and answered 403.

The pages follow the chats without reloads: admin/static/inbox.js asks
`version` every few seconds and, when it changed, fetches the list's rows or the
open chat's live parts as HTML fragments, drawn by the same macros as the page
(templates/inbox/_parts.html), and swaps them in. Without the script every form
still posts and a reload shows the new state."""
from __future__ import annotations

import io
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NoReturn

from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from PIL import Image
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response as Redirect  # what flask.redirect makes

from admin.pages import StaffPages
from flows.texts import say
from services import inbox
from services.billing.accounts import customer_by_code
from services.billing.balance import InvoiceSummary, invoice_summaries
from services.container import Services
from services.ids import parse_id
from services.staff import StaffIdentity
from thai.dates import BANGKOK

log = logging.getLogger(__name__)

BILLS_SHOWN = 3  # open bills beside the chat, per linked account
FORM_OVERHEAD = 256 * 1024  # the reply form's text and multipart boundaries around a picture
# Leading vowels are written before the consonant they follow in speech: "เอ" → "อ".
LEADING_VOWELS = frozenset("เแโใไ")
PLACEHOLDER_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="240" height="160" viewBox="0 0 240 160">'
    '<rect width="240" height="160" rx="8" fill="#eef1f5" stroke="#c5ccd6"/>'
    '<text x="120" y="74" text-anchor="middle" font-family="Sarabun, Tahoma, sans-serif" font-size="15" '
    'fill="#5b6675">โหลดรูปภาพไม่ได้</text>'
    '<text x="120" y="98" text-anchor="middle" font-family="Sarabun, Tahoma, sans-serif" font-size="13" '
    'fill="#5b6675">รูปอาจหมดอายุในระบบ LINE แล้ว</text></svg>'
)
PICTURE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}


def initials(name: str) -> str:
    """The letter a picture-less resident is shown by: the first consonant or letter."""
    letter = next((c for c in name if c.isalnum() and c not in LEADING_VOWELS), "?")
    return letter.upper()


def map_link(latitude: float, longitude: float) -> str:
    return f"https://www.google.com/maps/search/?api=1&query={latitude:.6f},{longitude:.6f}"


@dataclass(frozen=True)
class Filters:
    """The list's tab, search and filters, as the address says them."""

    view: str = "waiting"
    q: str = ""
    unit: str | None = None
    status: str | None = None
    page: int = 1

    def args(self, **changes: Any) -> dict[str, Any]:
        """The address's arguments with `changes`, leaving out what is empty or the first page."""
        values = {"view": self.view, "q": self.q, "unit": self.unit, "status": self.status, "page": self.page,
                  **changes}
        return {k: v for k, v in values.items() if v and not (k == "page" and v == 1)}


@dataclass(frozen=True)
class AccountBills:
    code: str
    name: str
    bills: list[InvoiceSummary] = field(default_factory=list)
    more: int = 0  # open bills not shown


def _viewer() -> StaffIdentity:
    identity: StaffIdentity = current_user.identity
    return identity


def blueprint(services: Services) -> Blueprint:
    bp = Blueprint("inbox", __name__, template_folder="templates")
    db, profile = services.db, services.profile
    unit_choices = [(u.key, inbox.unit_name(profile, u.key)) for u in profile.units]
    if unit_choices:
        unit_choices.append((inbox.UNSORTED, inbox.unit_name(profile, None)))

    @bp.context_processor
    def _names() -> dict[str, Any]:
        return {"initials": initials, "map_link": map_link, "FILTERS": inbox.FILTERS,
                "STATUS_NAMES": inbox.STATUS_NAMES, "STATUS_CHOICES": inbox.STATUS_CHOICES,
                "MODE_NAMES": inbox.MODE_NAMES, "REASON_NAMES": inbox.REASON_NAMES, "units": unit_choices,
                "max_reply": inbox.MAX_REPLY_CHARS, "max_picture_mb": inbox.MAX_PICTURE_BYTES // (1024 * 1024)}

    # A picture is bigger than the app's limit for a request body; the frame reads the
    # form for its CSRF check before any view runs, so the limit is raised before that.
    @bp.url_value_preprocessor
    def _picture_limit(endpoint: str | None, _values: dict[str, Any] | None) -> None:
        if endpoint == "admin.inbox.reply":
            request.max_content_length = inbox.MAX_PICTURE_BYTES + FORM_OVERHEAD

    @bp.errorhandler(RequestEntityTooLarge)
    def _too_large(_exc: RequestEntityTooLarge) -> Redirect:
        flash(f"ไฟล์ใหญ่เกิน {inbox.MAX_PICTURE_BYTES // (1024 * 1024)} MB กรุณาย่อขนาดรูปแล้วลองใหม่", "error")
        chat_id = (request.view_args or {}).get("conversation_id")
        return redirect(url_for(".chat", conversation_id=chat_id) if chat_id else url_for(".chats"), 303)

    def refused(what: str, conversation_id: int) -> NoReturn:
        with db.session() as session, session.begin():
            inbox.refuse(session, _viewer(), what, conversation_id, client=request.remote_addr)
        abort(403)

    # ------------------------------------------------------------------ the list

    def filters() -> Filters:
        args = request.args
        unit = args.get("unit", "")
        status = args.get("status", "")
        return Filters(view=args.get("view", "") if args.get("view") in inbox.FILTERS else "waiting",
                       q=" ".join(args.get("q", "").split())[:100],
                       unit=unit if profile.unit(unit) or unit == inbox.UNSORTED else None,
                       status=status if status in inbox.STATUS_NAMES else None,
                       page=parse_id(args.get("page")) or 1)

    def list_page(template: str) -> str:
        chosen = filters()
        with db.session() as session:
            # The version first: whatever changes while the list is read, the next poll sees.
            version = inbox.version(session)
            found = inbox.chat_list(session, _viewer(), profile, view=chosen.view, query=chosen.q, unit=chosen.unit,
                                    status=chosen.status, page=chosen.page)
        return render_template(template, chats=found, filters=chosen, version=version)

    @bp.get("/inbox")
    def chats() -> str:
        return list_page("inbox/chats.html")

    @bp.get("/inbox/rows")
    def rows() -> str:
        return list_page("inbox/rows.html")

    @bp.get("/inbox/version")
    def version() -> Response:
        with db.session() as session:
            return jsonify({"version": inbox.version(session)})

    # ------------------------------------------------------------------ one chat

    def chat_parts(conversation_id: int, *, with_side: bool) -> dict[str, Any]:
        viewer = _viewer()
        try:
            with db.session() as session:
                version = inbox.version(session)
                view = inbox.chat_view(session, viewer, profile, conversation_id)
                parts: dict[str, Any] = {"chat": view, "version": version}
                if with_side:
                    parts["accounts"] = account_bills(session, view.accounts)
                    parts["people"] = inbox.staff_to_forward_to(session) if viewer.may("chat") else []
        except inbox.OutOfScope:
            refused("เปิดแชท", conversation_id)
        except inbox.InboxError:
            abort(404)
        return parts

    def account_bills(session: Session, accounts: list[tuple[str, str]]) -> list[AccountBills]:
        today = datetime.now(BANGKOK).date()
        found = []
        for code, name in accounts:
            customer = customer_by_code(session, code)
            bills = invoice_summaries(session, customer.id, today=today) if customer else []
            found.append(AccountBills(code, name, bills[:BILLS_SHOWN], max(0, len(bills) - BILLS_SHOWN)))
        return found

    @bp.get("/inbox/<id:conversation_id>")
    def chat(conversation_id: int) -> str:
        nonces = {form: secrets.token_urlsafe(16) for form in ("reply", "canned")}
        return render_template("inbox/chat.html", nonces=nonces, **chat_parts(conversation_id, with_side=True))

    @bp.get("/inbox/<id:conversation_id>/transcript")
    def transcript(conversation_id: int) -> str:
        return render_template("inbox/live.html", **chat_parts(conversation_id, with_side=False))

    @bp.get("/inbox/<id:conversation_id>/content/<message_id>")
    def content(conversation_id: int, message_id: str) -> Response:
        """A picture the resident sent, fetched from LINE for the transcript; when
        LINE cannot give it any more, a Thai placeholder in its place."""
        try:
            with db.session() as session:
                line_id = inbox.resident_picture(session, _viewer(), profile, conversation_id, message_id)
        except inbox.OutOfScope:
            refused("เปิดรูปภาพในแชท", conversation_id)
        except inbox.InboxError:
            abort(404)
        try:
            picture = services.media.content(line_id)
            with Image.open(io.BytesIO(picture)) as opened:
                mimetype = PICTURE_TYPES.get(opened.format or "")
        except Exception:  # noqa: BLE001 - LINE, the network or a broken file: one placeholder for all
            log.warning("chat %s: a picture could not be fetched from LINE", conversation_id, exc_info=True)
            picture, mimetype = b"", None
        if mimetype is None:
            return Response(PLACEHOLDER_SVG, mimetype="image/svg+xml", headers={"Cache-Control": "no-store"})
        # The same message id is always the same picture: kept by this browser, not re-fetched per poll.
        return Response(picture, mimetype=mimetype, headers={"Cache-Control": "private, max-age=3600"})

    # ------------------------------------------------------------------ actions

    def act(conversation_id: int, what: str, action: Callable[[Session, StaffIdentity], tuple[str, bool]], *,
            after: str | None = None) -> Redirect:
        """One action in one transaction; its outcome flashed on the page it leads to.
        `action` returns what to tell the staff member and whether the resident is told something."""
        viewer = _viewer()
        try:
            with db.session() as session, session.begin():
                told, wake = action(session, viewer)
        except inbox.OutOfScope:
            refused(what, conversation_id)
        except inbox.AlreadyTaken as exc:
            flash(str(exc), "warn")
        except inbox.InboxError as exc:
            flash(str(exc), "error")
        else:
            if wake:
                services.sender.wake()
            flash(told, "ok")
            if after:
                return redirect(after, 303)
        return redirect(url_for(".chat", conversation_id=conversation_id), 303)

    def client() -> str | None:
        return request.remote_addr

    @bp.post("/inbox/<id:conversation_id>/take")
    def take(conversation_id: int) -> Redirect:
        over = request.form.get("take_over") == "1"

        def action(session: Session, viewer: StaffIdentity) -> tuple[str, bool]:
            inbox.take(session, viewer, profile, conversation_id, take_over=over, client=client(),
                       now=services.clock())
            return "รับเรื่องแล้ว แชทนี้อยู่ในโหมดแมนนวล ระบบจะไม่ตอบอัตโนมัติจนกว่าจะกด \"เสร็จสิ้น\"", False

        return act(conversation_id, "รับเรื่องแชท", action)

    @bp.post("/inbox/<id:conversation_id>/reply")
    def reply(conversation_id: int) -> Redirect:
        text = request.form.get("text", "").strip()
        nonce = request.form.get("nonce", "")
        upload = request.files.get("picture")

        def action(session: Session, viewer: StaffIdentity) -> tuple[str, bool]:
            if not nonce:
                raise inbox.InboxError("แบบฟอร์มไม่ครบ กรุณาโหลดหน้าใหม่แล้วส่งอีกครั้ง")
            picture = staff_picture(upload)
            messages: list[dict[str, Any]] = [{"type": "text", "text": text}] if text else []
            if picture is not None:
                messages.append({"type": "image", "originalContentUrl": services.links.staff_picture(picture.name),
                                 "previewImageUrl": services.links.staff_picture(picture.preview_name)})
            inbox.reply(session, viewer, profile, conversation_id, messages, nonce=nonce, client=client(),
                        now=services.clock())
            if picture is not None:  # in the transaction: a picture that cannot be kept sends nothing
                inbox.keep_staff_picture(services.data_dir, picture)
            return "ส่งข้อความถึงผู้ใช้แล้ว", True

        return act(conversation_id, "ตอบแชท", action)

    @bp.post("/inbox/<id:conversation_id>/status")
    def status(conversation_id: int) -> Redirect:
        chosen = request.form.get("status", "")

        def action(session: Session, viewer: StaffIdentity) -> tuple[str, bool]:
            goodbye = [{"type": "text", "text": say("chat_done", profile)}] if chosen == "done" else []
            inbox.set_status(session, viewer, profile, conversation_id, chosen, goodbye=goodbye, client=client(),
                             now=services.clock())
            if chosen == "done":
                return "เสร็จสิ้นแล้ว ส่งข้อความขอบคุณถึงผู้ใช้ และแชทกลับไปใช้ข้อความตอบกลับอัตโนมัติโดย AI", True
            return f"เปลี่ยนสถานะเป็น \"{inbox.STATUS_NAMES[chosen]}\" แล้ว", False

        return act(conversation_id, "เปลี่ยนสถานะแชท", action)

    @bp.post("/inbox/<id:conversation_id>/mode")
    def mode(conversation_id: int) -> Redirect:
        chosen = request.form.get("mode", "")

        def action(session: Session, viewer: StaffIdentity) -> tuple[str, bool]:
            inbox.set_mode(session, viewer, profile, conversation_id, chosen, client=client(), now=services.clock())
            return f"เปลี่ยนโหมดเป็น \"{inbox.MODE_NAMES[chosen]}\" แล้ว", False

        return act(conversation_id, "เปลี่ยนโหมดแชท", action)

    @bp.post("/inbox/<id:conversation_id>/forward")
    def forward(conversation_id: int) -> Redirect:
        kind, _, target = request.form.get("to", "").partition(":")
        note = request.form.get("note", "")

        def action(session: Session, viewer: StaffIdentity) -> tuple[str, bool]:
            unit = target if kind == "unit" else None
            staff_id = parse_id(target) if kind == "staff" else None
            if unit is None and staff_id is None:
                raise inbox.InboxError("กรุณาเลือกหน่วยงานหรือเจ้าหน้าที่ที่จะส่งต่อ")
            inbox.forward(session, viewer, profile, conversation_id, unit=unit, staff_id=staff_id, note=note,
                          client=client(), now=services.clock())
            return "ส่งต่อแชทแล้ว", False

        # Forwarded elsewhere, the chat may now be outside this staff member's units: back to the list.
        return act(conversation_id, "ส่งต่อแชท", action, after=url_for(".chats", view="all"))

    @bp.post("/inbox/<id:conversation_id>/note")
    def note(conversation_id: int) -> Redirect:
        kind = request.form.get("kind", "note")
        text = request.form.get("text", "")

        def action(session: Session, viewer: StaffIdentity) -> tuple[str, bool]:
            inbox.add_note(session, viewer, profile, conversation_id, kind, text, client=client(),
                           now=services.clock())
            return f"บันทึก{inbox.NOTE_KINDS[kind]}แล้ว", False

        return act(conversation_id, "เพิ่มบันทึกในแชท", action)

    @bp.post("/inbox/<id:conversation_id>/tag")
    def tag(conversation_id: int) -> Redirect:
        text = request.form.get("tag", "")
        present = request.form.get("present", "1") == "1"

        def action(session: Session, viewer: StaffIdentity) -> tuple[str, bool]:
            inbox.set_tag(session, viewer, profile, conversation_id, text, present=present, client=client())
            return ("เพิ่มป้ายกำกับแล้ว" if present else "ลบป้ายกำกับแล้ว"), False

        return act(conversation_id, "แก้ไขป้ายกำกับ", action)

    return bp


def staff_picture(upload: FileStorage | None) -> inbox.StaffPicture | None:
    """The picture chosen in the reply form, checked and re-encoded; None when none was chosen."""
    if upload is None or not upload.filename:
        return None
    return inbox.staff_picture(upload.read(inbox.MAX_PICTURE_BYTES + 1))


PAGES = StaffPages(key="inbox", blueprint=blueprint, permission="inbox", nav=(("กล่องข้อความ", "admin.inbox.chats"),))
