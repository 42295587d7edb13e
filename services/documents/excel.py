"""Excel exports for staff reports: Thai headers, real numbers and dates (so staff
can sum and filter), a frozen header row and columns wide enough to read."""
from __future__ import annotations

import io
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

Kind = Literal["text", "money", "integer", "date", "datetime"]
# Locale th-TH with calendar 107 (Thai Buddhist) makes Excel show "15 ธ.ค. 2569" while the
# cell stays a real date that sorts and filters.
_FORMATS = {"money": "#,##0.00", "integer": "#,##0", "date": "[$-th-TH,107]d mmm yyyy",
            "datetime": "[$-th-TH,107]d mmm yyyy hh:mm"}
_HEADER_FILL = PatternFill("solid", fgColor="113566")


@dataclass(frozen=True)
class Column:
    header: str  # Thai, as staff read it
    kind: Kind = "text"


def _display_width(value: object, kind: Kind) -> int:
    if value is None:
        return 0
    if kind == "money" and isinstance(value, (Decimal, int)):
        return len(f"{value:,.2f}")
    if kind in ("date", "datetime") and isinstance(value, (date, datetime)):
        return 18 if kind == "datetime" else 12
    # Thai vowel and tone marks take no column of their own.
    return sum(1 for ch in str(value) if unicodedata.category(ch) != "Mn")


def _cell_value(value: object, kind: Kind) -> object:
    if kind == "money" and isinstance(value, Decimal):
        return float(value)  # Excel stores doubles; the number format keeps two places
    return value


def workbook_bytes(sheets: Sequence[tuple[str, Sequence[Column], Iterable[Sequence[object]]]]) -> bytes:
    """An .xlsx with one sheet per (title, columns, rows)."""
    book = Workbook()
    book.remove(book.worksheets[0])  # the empty sheet a new workbook starts with
    for title, columns, rows in sheets:
        sheet = book.create_sheet(title=title[:31])
        widths = [_display_width(c.header, "text") for c in columns]
        sheet.append([c.header for c in columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True, color="FFFFFF")
            cell.fill = _HEADER_FILL
            cell.alignment = Alignment(horizontal="center", vertical="center")
        for row in rows:
            if len(row) != len(columns):
                raise ValueError(f"sheet {title!r}: row has {len(row)} values for {len(columns)} columns")
            sheet.append([_cell_value(v, c.kind) for v, c in zip(row, columns, strict=True)])
            for index, (value, column) in enumerate(zip(row, columns, strict=True)):
                widths[index] = max(widths[index], _display_width(value, column.kind))
        for index, column in enumerate(columns, start=1):
            if column.kind in _FORMATS:
                for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                    cell.number_format = _FORMATS[column.kind]
            sheet.column_dimensions[get_column_letter(index)].width = min(60, widths[index - 1] + 3)
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = sheet.dimensions
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()

