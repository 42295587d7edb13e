"""``smartservice staff``: back-office accounts from the command line. What it does
is in the audit log too, as done by "cli"."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from config.profile import ProfileError, load_profile
from models.base import as_utc
from models.db import DatabaseSettings, configured_database
from models.staff import STAFF_ROLES, StaffUser
from services import audit
from services.staff import ROLE_NAMES, StaffError, create_staff, list_staff, normalise_username, set_password
from thai.dates import format_thai_datetime

# Who the audit log says did what the command line did.
ACTOR = "cli"


class CommandSettings(DatabaseSettings):
    """The organisation profile, read as the bot reads it (ORG_PROFILE, the
    environment or .env)."""

    org_profile: str = "tenant"


def _profile_units() -> list[str]:
    """The unit keys of the ORG_PROFILE profile."""
    name = CommandSettings().org_profile
    try:
        return [unit.key for unit in load_profile(name).units]
    except ProfileError as exc:
        raise click.ClickException(f"ORG_PROFILE: {exc}") from exc


@contextmanager
def _session() -> Iterator[Session]:
    """One transaction on DATABASE_URL; a refusal becomes the command's Thai error."""
    db = configured_database()
    try:
        with db.session() as session, session.begin():
            yield session
    except StaffError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        db.engine.dispose()


def _password_option(func):
    return click.option("--password", prompt="รหัสผ่าน (password)", hide_input=True, confirmation_prompt=True,
                        help="Asked for when left out (it then stays out of the shell history).")(func)


@click.group(name="staff")
def staff_cli() -> None:
    """Back-office staff accounts in DATABASE_URL."""


@staff_cli.command(name="add")
@click.argument("username")
@click.option("--name", "display_name", required=True,
              help='Name shown in the office and on receipts, e.g. "นางสาวมาลี ศรีสุข".')
@click.option("--role", type=click.Choice(STAFF_ROLES), default="finance", show_default=True,
              help="The login's role: which back-office pages it may open and what it may do there.")
@click.option("--unit", "units", multiple=True, metavar="KEY",
              help="A unit they work in: a key of the `units:` of the ORG_PROFILE profile, e.g. legal. "
                   "Repeat for more than one.")
@_password_option
def add(username: str, display_name: str, role: str, units: tuple[str, ...], password: str) -> None:
    """Create a staff login."""
    known = _profile_units() if units else None
    with _session() as session:
        staff = create_staff(session, username=username, display_name=display_name, role=role, password=password,
                             units=units, known_units=known)
        audit.record(session, None, "staff_added", username=ACTOR, record_type="staff", record_id=staff.id,
                     after={"username": staff.username, "display_name": staff.display_name, "role": staff.role,
                            "units": list(staff.units)}, detail=staff.username)
    in_units = f" หน่วยงาน {', '.join(staff.units)}" if staff.units else ""
    click.echo(f"สร้างผู้ใช้ {staff.username} ({staff.display_name}, {staff.role_name}){in_units} แล้ว")


@staff_cli.command(name="password")
@click.argument("username")
@_password_option
def change_password(username: str, password: str) -> None:
    """Set a new password (ends the user's open sessions)."""
    with _session() as session:
        set_password(session, username, password)
        name = normalise_username(username)
        audit.record(session, None, "password_reset", username=ACTOR, record_type="staff",
                     record_id=session.scalar(select(StaffUser.id).where(StaffUser.username == name)), detail=name)
    click.echo(f"ตั้งรหัสผ่านใหม่ให้ {username} แล้ว")


@staff_cli.command(name="list")
def list_users() -> None:
    """Every staff login with its role, units (keys) and last login."""
    with _session() as session:
        rows = list_staff(session)
    if not rows:
        click.echo("ยังไม่มีผู้ใช้ระบบหลังบ้าน (smartservice staff add USERNAME --name ...)")
    for u in rows:
        seen = format_thai_datetime(as_utc(u.last_login_at)) if u.last_login_at else "ยังไม่เคยเข้าระบบ"
        units = f"  หน่วยงาน: {', '.join(u.units)}" if u.units else ""
        click.echo(f"{u.username}  {u.display_name}  [{ROLE_NAMES[u.role]}]{units}"
                   f"{'' if u.active else '  (ปิดใช้งาน)'}  {seen}")
