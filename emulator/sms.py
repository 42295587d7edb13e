"""The development SMS inbox: what the bot's development SMS provider "sent"
(OTPs above all), read from the bot's database. LINE has no such thing; it is
here so a person trying the demo can register without a phone.

The emulator imports nothing of the bot, so it reads the bot's ``sms_messages``
table through its own description of the columns it shows."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, current_app, jsonify, render_template, request
from sqlalchemy import DateTime, Integer, String, Text, column, create_engine, select, table

from emulator.state import emulator

bp = Blueprint("sms", __name__, template_folder="templates")

BANGKOK = ZoneInfo("Asia/Bangkok")
MONTHS_SHORT = ("ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.",
                "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.")

SMS_MESSAGES = table(
    "sms_messages",
    column("id", Integer), column("phone", String), column("text", Text), column("sender", String),
    column("sent_at", DateTime(timezone=True)),
)


@dataclass(frozen=True)
class Sms:
    phone: str
    text: str
    sender: str
    sent_at: datetime


class SmsInbox:
    def __init__(self, url: str) -> None:
        # Plain postgresql:// URLs would pick psycopg2, which the project does not ship.
        for prefix in ("postgresql://", "postgres://"):
            if url.startswith(prefix):
                url = "postgresql+psycopg://" + url.removeprefix(prefix)
        connect_args = {"check_same_thread": False} if url.startswith("sqlite") else {}
        self.engine = create_engine(url, connect_args=connect_args, hide_parameters=True)

    def newest(self, *, phone: str | None, limit: int) -> list[Sms]:
        query = select(SMS_MESSAGES).order_by(SMS_MESSAGES.c.id.desc()).limit(limit)
        if phone:
            query = query.where(SMS_MESSAGES.c.phone == phone)
        with self.engine.connect() as conn:
            return [Sms(phone=row.phone, text=row.text, sender=row.sender, sent_at=_utc(row.sent_at))
                    for row in conn.execute(query)]


def _utc(moment: datetime) -> datetime:
    # SQLite gives the stored UTC time back without its offset.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _thai_time(moment: datetime) -> str:
    """"15 ธ.ค. 2569 14:30 น.", as the bot writes times for residents."""
    local = moment.astimezone(BANGKOK)
    return f"{local.day} {MONTHS_SHORT[local.month - 1]} {local.year + 543} {local:%H:%M} น."


def _messages() -> list[Sms] | None:
    inbox: SmsInbox | None = current_app.extensions.get("sms_database")
    if inbox is None:
        return None
    return inbox.newest(phone=request.args.get("phone") or None, limit=50)


@bp.get("/_emulator/sms")
def inbox() -> str | Response:
    found = _messages()
    return render_template("sms.html", configured=found is not None, bot_name=emulator().config["BOT_NAME"], messages=[
        {"phone": m.phone, "text": m.text, "sender": m.sender, "at": _thai_time(m.sent_at)}
        for m in found or []
    ])


@bp.get("/_emulator/sms.json")
def inbox_json() -> Response:
    found = _messages()
    if found is None:
        return jsonify({"error": "no SMS database configured (SMS_DATABASE_URL)"}), 404
    return jsonify({"messages": [{"phone": m.phone, "text": m.text, "sender": m.sender,
                                  "sentAt": m.sent_at.isoformat()} for m in found]})
