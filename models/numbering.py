"""Gap-free document number sequences, one row per document type and fiscal year."""
from __future__ import annotations

from sqlalchemy import CheckConstraint, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class DocumentSequence(Base):
    __tablename__ = "document_sequence"
    __table_args__ = (
        CheckConstraint("last_value >= 0", name="last_value_not_negative"),
        CheckConstraint("fiscal_year BETWEEN 2400 AND 2800", name="fiscal_year_is_buddhist_era"),
    )

    doc_type: Mapped[str] = mapped_column(String(32), primary_key=True)
    fiscal_year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
