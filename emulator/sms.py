"""The development SMS inbox: what the bot's development SMS provider "sent"
(OTPs above all), read from the bot's database. LINE has no such thing; it is
here so a person trying the demo can register without a phone."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, render_template, request

from services.identity.sms import stored_messages
from thai.dates import BANGKOK, format_thai_datetime

bp = Blueprint("sms", __name__, template_folder="templates")


def _messages() -> list | None:
    db = current_app.extensions.get("sms_database")
    if db is None:
        return None
    with db.session() as session:
        return stored_messages(session, phone=request.args.get("phone") or None, limit=50)


@bp.get("/_emulator/sms")
def inbox() -> str | Response:
    found = _messages()
    return render_template("sms.html", configured=found is not None, messages=[
        {"phone": m.phone, "text": m.text, "sender": m.sender,
         "at": format_thai_datetime(m.sent_at.astimezone(BANGKOK))}
        for m in found or []
    ])


@bp.get("/_emulator/sms.json")
def inbox_json() -> Response:
    found = _messages()
    if found is None:
        return jsonify({"error": "no SMS database configured (SMS_DATABASE_URL)"}), 404
    return jsonify({"messages": [{"phone": m.phone, "text": m.text, "sender": m.sender,
                                  "sentAt": m.sent_at.isoformat()} for m in found]})
