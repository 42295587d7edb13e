import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from PIL import Image

from services.documents.charts import _thai_family, bar_chart_png
from services.documents.excel import Column, workbook_bytes

COLUMNS = [Column("เลขที่ใบแจ้งหนี้"), Column("ชื่อผู้ใช้น้ำ"), Column("ยอดค้างชำระ (บาท)", "money"),
           Column("จำนวนหน่วย", "integer"), Column("ครบกำหนด", "date"), Column("ชำระเมื่อ", "datetime")]
ROWS = [("INV-2569-000123", "นายสมชาย ใจดี", Decimal("1234.50"), 12, date(2026, 12, 15), datetime(2026, 12, 10, 14, 30)),
        ("INV-2569-000124", "บริษัท น้ำใสพาณิชย์ จำกัด (สำนักงานใหญ่)", Decimal("98765.43"), 840, date(2026, 12, 15),
         None)]


def test_workbook_has_thai_headers_formats_frozen_header_and_readable_widths():
    book = load_workbook(io.BytesIO(workbook_bytes([("ยอดค้างชำระ ธ.ค. 2569", COLUMNS, ROWS)])))
    sheet = book["ยอดค้างชำระ ธ.ค. 2569"]
    assert [c.value for c in sheet[1]] == [c.header for c in COLUMNS]
    assert sheet[1][0].font.bold
    assert sheet.freeze_panes == "A2"
    assert sheet["C2"].value == pytest.approx(1234.50) and sheet["C2"].number_format == "#,##0.00"
    assert sheet["D3"].number_format == "#,##0"
    assert sheet["E2"].value == datetime(2026, 12, 15) and "107" in sheet["E2"].number_format  # Buddhist calendar
    widths = {letter: sheet.column_dimensions[letter].width for letter in "ABCDEF"}
    assert widths["B"] >= len("บริษัท น้ำใสพาณิชย์ จำกัด (สำนักงานใหญ่)") - 6  # marks take no column
    assert widths["A"] >= len("INV-2569-000123")
    assert sheet.auto_filter.ref == "A1:F3"


def test_row_with_wrong_number_of_values_is_refused():
    with pytest.raises(ValueError, match="row has 2 values"):
        workbook_bytes([("x", COLUMNS, [("a", "b")])])


def test_bar_chart_uses_the_thai_font():
    png = bar_chart_png("ยอดรับชำระค่าน้ำประปา ปีงบประมาณ 2569", ["ต.ค.", "พ.ย.", "ธ.ค."],
                        [Decimal("120345.50"), 98000, Decimal("134500")], y_label="บาท")
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == (960, 540)
    assert _thai_family() == "Sarabun"
    with pytest.raises(ValueError):
        bar_chart_png("x", ["a"], [1, 2])
