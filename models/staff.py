"""Back-office staff and their login attempts."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.accounts import _one_of
from models.base import Base, Timestamped

STAFF_ROLES = ("finance", "admin")


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
