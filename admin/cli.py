"""``smartservice staff``: back-office accounts from the command line."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click
from sqlalchemy.orm import Session

from models.base import as_utc
from models.db import configured_database
from models.staff import STAFF_ROLES
from services.staff import ROLE_NAMES, StaffError, create_staff, list_staff, set_password
from thai.dates import format_thai_datetime


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
@click.option("--role", type=click.Choice(STAFF_ROLES), default="finance", show_default=True)
@_password_option
def add(username: str, display_name: str, role: str, password: str) -> None:
    """Create a staff login."""
    with _session() as session:
        staff = create_staff(session, username=username, display_name=display_name, role=role, password=password)
    click.echo(f"สร้างผู้ใช้ {staff.username} ({staff.display_name}, {staff.role_name}) แล้ว")


@staff_cli.command(name="password")
@click.argument("username")
@_password_option
def change_password(username: str, password: str) -> None:
    """Set a new password (ends the user's open sessions)."""
    with _session() as session:
        set_password(session, username, password)
    click.echo(f"ตั้งรหัสผ่านใหม่ให้ {username} แล้ว")


@staff_cli.command(name="list")
def list_users() -> None:
    """Every staff login with its role and last login."""
    with _session() as session:
        rows = [(u.username, u.display_name, ROLE_NAMES[u.role], u.active, u.last_login_at)
                for u in list_staff(session)]
    if not rows:
        click.echo("ยังไม่มีผู้ใช้ระบบหลังบ้าน (smartservice staff add USERNAME --name ...)")
    for username, name, role, active, last in rows:
        seen = format_thai_datetime(as_utc(last)) if last else "ยังไม่เคยเข้าระบบ"
        click.echo(f"{username}  {name}  [{role}]{'' if active else '  (ปิดใช้งาน)'}  {seen}")
