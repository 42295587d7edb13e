"""Back-office staff, the units they work in, their login attempts and the audit log."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.accounts import _one_of
from models.base import Base, Timestamped, utcnow

# What each may do is services/staff.py's PERMISSIONS.
STAFF_ROLES = ("admin", "finance", "water", "counter", "cases", "pr", "executive")


class StaffUser(Timestamped, Base):
    __tablename__ = "staff_users"
    __table_args__ = (CheckConstraint(_one_of("role", STAFF_ROLES), name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(300))  # werkzeug.security, salted
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(default=True)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Part of every login session's token: raised at logout and at a new password, it
    # ends every session opened before (services/staff.py says why not a session table).
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class StaffLoginAttempt(Base):
    """Every try, kept by the name typed (also names nobody has), so the limit
    on guesses says nothing about which usernames exist, and by the address it
    came from, for the limit on one client trying many names."""

    __tablename__ = "staff_login_attempts"
    __table_args__ = (
        Index("ix_staff_login_attempts_username_at", "username", "attempted_at"),
        Index("ix_staff_login_attempts_client_at", "client", "attempted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    attempted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    succeeded: Mapped[bool] = mapped_column(default=False)
    client: Mapped[str | None] = mapped_column(String(64))  # the remote address, when there is one


class StaffUnit(Base):
    """A unit (the profile's `units:` key) a staff member works in; a staff member
    may belong to several."""

    __tablename__ = "staff_units"

    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"), primary_key=True)
    unit: Mapped[str] = mapped_column(String(64), primary_key=True)


class AuditEntry(Base):
    """One staff action that changed something. Rows are only ever added: the
    database refuses UPDATE and DELETE on this table (migration 0005's triggers)."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_at", "at"),
        Index("ix_audit_log_record", "record_type", "record_id"),
        Index("ix_audit_log_staff_at", "staff_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The username as well as the id: the row still says who after the account changed.
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    username: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(48))
    record_type: Mapped[str | None] = mapped_column(String(32))
    record_id: Mapped[str | None] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    detail: Mapped[str | None] = mapped_column(Text)
    client: Mapped[str | None] = mapped_column(String(64))
