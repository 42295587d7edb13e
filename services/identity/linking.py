"""Links between LINE users and customer accounts.

A LINE user may hold several accounts and chooses which one the menus show
(the active one). Every screen that shows account data asks ``can_see`` or
``active_customer_id`` first, so an id replayed from someone else's postback
finds nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models.accounts import AccountLink, Customer
from models.base import as_utc
from services.conversations import record_consent


@dataclass(frozen=True)
class LinkedAccount:
    customer_id: int
    code: str
    name: str
    type: str
    active: bool
    linked_at: datetime


def link_account(session: Session, line_user_id: str, customer_id: int, *, now: datetime,
                 consent_version: str | None = None) -> None:
    """Link (or re-link) and make this account the active one. A consent version,
    when given, is recorded with it; the chat asks for consent separately, after
    linking, because consent to e-notices must not be the price of the service."""
    if consent_version is not None:
        record_consent(session, line_user_id, consent_version)
    _deactivate_all(session, line_user_id)
    link = session.scalar(select(AccountLink).where(
        AccountLink.line_user_id == line_user_id, AccountLink.customer_id == customer_id))
    if link is None:
        session.add(AccountLink(line_user_id=line_user_id, customer_id=customer_id, active=True,
                                linked_at=as_utc(now)))
    else:
        link.active = True
    session.flush()


def _deactivate_all(session: Session, line_user_id: str) -> None:
    # Flushed before any row turns active, so the one-active index never sees two.
    session.execute(
        update(AccountLink).where(AccountLink.line_user_id == line_user_id, AccountLink.active.is_(True))
        .values(active=False),
        execution_options={"synchronize_session": "fetch"},
    )


def linked_accounts(session: Session, line_user_id: str) -> list[LinkedAccount]:
    rows = session.execute(
        select(AccountLink, Customer).join(Customer, Customer.id == AccountLink.customer_id)
        .where(AccountLink.line_user_id == line_user_id).order_by(AccountLink.linked_at, AccountLink.id)
    )
    return [LinkedAccount(customer_id=c.id, code=c.code, name=c.name, type=c.type, active=link.active,
                          linked_at=as_utc(link.linked_at)) for link, c in rows]


def active_customer_id(session: Session, line_user_id: str) -> int | None:
    return session.scalar(select(AccountLink.customer_id).where(
        AccountLink.line_user_id == line_user_id, AccountLink.active.is_(True)))


def can_see(session: Session, line_user_id: str, customer_id: int) -> bool:
    """Whether this LINE user holds a link to this account (active or not)."""
    return session.scalar(select(AccountLink.id).where(
        AccountLink.line_user_id == line_user_id, AccountLink.customer_id == customer_id)) is not None


def switch_active(session: Session, line_user_id: str, customer_id: int) -> bool:
    """Make a linked account the active one; False when it is not linked."""
    if not can_see(session, line_user_id, customer_id):
        return False
    _deactivate_all(session, line_user_id)
    session.execute(
        update(AccountLink).where(AccountLink.line_user_id == line_user_id, AccountLink.customer_id == customer_id)
        .values(active=True),
        execution_options={"synchronize_session": "fetch"},
    )
    return True


def unlink(session: Session, line_user_id: str, customer_id: int) -> bool:
    """Remove a link; when it was the active one, the most recently linked of
    the rest becomes active. False when there was no such link."""
    link = session.scalar(select(AccountLink).where(
        AccountLink.line_user_id == line_user_id, AccountLink.customer_id == customer_id))
    if link is None:
        return False
    was_active = link.active
    session.delete(link)
    session.flush()
    if was_active:
        successor = session.scalar(
            select(AccountLink).where(AccountLink.line_user_id == line_user_id)
            .order_by(AccountLink.linked_at.desc(), AccountLink.id.desc()).limit(1)
        )
        if successor is not None:
            successor.active = True
            session.flush()
    return True
