"""Document numbers (INV-2569-000123): gap-free per document type and fiscal year.

The number is taken inside the caller's transaction: the sequence row stays
locked until that transaction ends, so concurrent issuers queue behind it, and a
rolled-back issue gives its number back instead of leaving a gap. Keep the
transaction that issues a document short for that reason.
"""
from __future__ import annotations

import re
from datetime import date

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from models.numbering import DocumentSequence
from thai.dates import fiscal_year

_DOC_TYPE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


def check_number_format(number_format: str) -> None:
    """Refuse a format that cannot make unique numbers: it must use ``{seq}`` and
    may use ``{fiscal_year}``; anything else is a typo in the profile."""
    if "{seq" not in number_format:
        raise ValueError(f"document number format must contain {{seq}}: {number_format!r}")
    try:
        number_format.format(fiscal_year=2569, seq=1)
    except (KeyError, IndexError, ValueError) as exc:
        raise ValueError(f"document number format {number_format!r} is invalid: {exc!r}; "
                         "use {fiscal_year} and {seq}, e.g. 'INV-{fiscal_year}-{seq:06d}'") from exc


def _ensure_row(session: Session, doc_type: str, year: int) -> None:
    dialect = session.get_bind().dialect.name
    values = {"doc_type": doc_type, "fiscal_year": year, "last_value": 0}
    if dialect == "postgresql":
        session.execute(pg_insert(DocumentSequence).values(values).on_conflict_do_nothing())
    elif dialect == "sqlite":
        session.execute(sqlite_insert(DocumentSequence).values(values).on_conflict_do_nothing())
    else:
        raise RuntimeError(f"document numbering supports PostgreSQL and SQLite, not {dialect}")


def next_sequence(session: Session, doc_type: str, year: int) -> int:
    """Take the next value of (doc_type, fiscal year) in the caller's transaction.

    The UPDATE ... RETURNING locks the row (PostgreSQL row lock; SQLite's single
    writer), so two transactions never get the same value and a rollback undoes it.
    """
    if not _DOC_TYPE.match(doc_type):
        raise ValueError(f"document type must be a lowercase identifier, got {doc_type!r}")
    _ensure_row(session, doc_type, year)
    statement = (
        update(DocumentSequence)
        .where(DocumentSequence.doc_type == doc_type, DocumentSequence.fiscal_year == year)
        .values(last_value=DocumentSequence.last_value + 1)
        .returning(DocumentSequence.last_value)
    )
    return session.execute(statement).scalar_one()


def issue_number(session: Session, doc_type: str, number_format: str, on: date) -> str:
    """The next document number for a document dated ``on``, e.g.
    ``issue_number(s, "invoice", "INV-{fiscal_year}-{seq:06d}", date(2026, 5, 1))``
    → ``"INV-2569-000001"``."""
    check_number_format(number_format)
    year = fiscal_year(on)
    return number_format.format(fiscal_year=year, seq=next_sequence(session, doc_type, year))
