"""``smartservice sms list``: what the development SMS provider has 'sent'."""
from __future__ import annotations

import json

import click

from models.db import configured_database
from services.identity.sms import stored_messages
from thai.dates import format_thai_datetime
from thai.phones import normalise_phone


@click.group(name="sms")
def sms_cli() -> None:
    """Messages kept by the development SMS provider."""


@sms_cli.command(name="list")
@click.option("--phone", help="Only messages to this number (any common format).")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000))
@click.option("--json", "as_json", is_flag=True, help="One JSON array, for scripts.")
def list_messages(phone: str | None, limit: int, as_json: bool) -> None:
    """Newest first, from the database in DATABASE_URL."""
    wanted = None
    if phone:
        wanted = normalise_phone(phone)
        if wanted is None:
            raise click.BadParameter(f"not a Thai phone number: {phone}", param_hint="--phone")
    db = configured_database()
    try:
        with db.session() as session:
            messages = stored_messages(session, phone=wanted, limit=limit)
    finally:
        db.engine.dispose()
    if as_json:
        click.echo(json.dumps(
            [{"id": m.id, "phone": m.phone, "sender": m.sender, "text": m.text, "sent_at": m.sent_at.isoformat()}
             for m in messages],
            ensure_ascii=False, indent=2,
        ))
        return
    if not messages:
        click.echo("ยังไม่มีข้อความ SMS")
        return
    for m in messages:
        click.echo(f"{format_thai_datetime(m.sent_at)}  {m.phone}  [{m.sender}]  {m.text}")
