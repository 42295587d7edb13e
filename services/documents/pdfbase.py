"""The PDF canvas every document uses: Sarabun with HarfBuzz shaping, A4 or
80 mm thermal paper, and the blocks documents are made of.

Shaping places Thai vowels and tone marks correctly; without it marks collide or
vanish (SPEC §7). One extra fix keeps the text extractable (copy, search,
``pdftotext``): which glyph carries which characters, see
``_text_on_spacing_glyphs``.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal, cast

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import TTFFont

from services.documents.data import LineItem, Organisation, Signatory
from services.payments.qrimage import qr_image
from thai.dates import format_thai_date
from thai.fonts import thai_font
from thai.money import baht_text, format_baht, format_quantity

Paper = Literal["a4", "80mm"]
FAMILY = "Sarabun"
NAVY = (17, 53, 102)
GREY = (95, 95, 95)
LIGHT = (236, 240, 246)


@dataclass(frozen=True)
class _Glyph:
    codepoint: int
    cluster: int


class _ExtractableThaiFont(TTFFont):
    __slots__ = ()

    def perform_harfbuzz_shaping(self, text: str, font_size_pt: float,
                                 text_shaping_params: dict[str, Any] | None) -> tuple[Sequence[Any], Sequence[Any]]:
        infos, positions = super().perform_harfbuzz_shaping(text, font_size_pt, text_shaping_params)
        return _text_on_spacing_glyphs([_Glyph(i.codepoint, i.cluster) for i in infos], positions), positions


def _text_on_spacing_glyphs(glyphs: list[_Glyph], positions: Sequence[Any]) -> list[_Glyph]:
    """fpdf2 gives a cluster's text to the first glyph carrying that cluster number.
    Fold every zero-width glyph that starts a cluster (vowel and tone marks, the
    NIKHAHIT of "ำ") into the cluster before it, so its text rides on the letter it
    sits on and the SARA AA of "ำ" carries "ำ". Extractors then never see a mark
    as a character of its own that ends a word early ("ปิ่ นโต", "ชำ ระ")."""
    for index in range(1, len(glyphs)):
        glyph = glyphs[index]
        starts_cluster = glyphs[index - 1].cluster != glyph.cluster
        if starts_cluster and positions[index].x_advance == 0:
            glyphs[index] = _Glyph(glyph.codepoint, glyphs[index - 1].cluster)
    return glyphs


class ThaiPDF(FPDF):
    def __init__(self, paper: Paper = "a4", height_mm: float = 297) -> None:
        if paper == "a4":
            super().__init__(orientation="portrait", unit="mm", format="A4")
            self.set_margins(18, 16, 18)
            self.set_auto_page_break(True, margin=18)
        else:
            super().__init__(orientation="portrait", unit="mm", format=(80, height_mm))
            self.set_margins(4, 4, 4)
            self.set_auto_page_break(False)
        self.paper = paper
        for style, weight in (("", "Regular"), ("B", "Bold")):
            self.add_font(FAMILY, style, str(thai_font(weight)))
            key = f"{FAMILY.lower()}{style}"
            self.fonts[key].__class__ = _ExtractableThaiFont  # same object, shaping fixed as explained above
        self.set_text_shaping(True)
        self.set_font(FAMILY, size=12)
        self.set_creator("Smart Service")
        self.add_page()

    def footer(self) -> None:
        if self.paper != "a4":
            return
        self.set_y(-12)
        self.set_font(FAMILY, "", 9)
        self.set_text_color(*GREY)
        self.cell(0, 5, f"หน้า {self.page_no()}/{{nb}}", align="R")
        self.set_text_color(0, 0, 0)

    @property
    def width(self) -> float:
        return self.w - self.l_margin - self.r_margin

    def text_line(self, text: str, *, size: float = 12, bold: bool = False, align: str = "L",
                  colour: tuple[int, int, int] = (0, 0, 0), height: float | None = None) -> None:
        self.set_font(FAMILY, "B" if bold else "", size)
        self.set_text_color(*colour)
        self.multi_cell(self.width, height or size * 0.5, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0, 0, 0)

    def keep_together(self, height_mm: float) -> None:
        """Start a new A4 page when a block that must not split (QR box, signature) would not fit."""
        if self.paper == "a4" and self.get_y() + height_mm > self.h - self.b_margin:
            self.add_page()

    def gap(self, mm: float) -> None:
        self.set_y(self.get_y() + mm)

    def rule(self, colour: tuple[int, int, int] = NAVY, width: float = 0.4) -> None:
        self.set_draw_color(*colour)
        self.set_line_width(width)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())

    def letterhead(self, org: Organisation, title: str, subtitle: str = "") -> None:
        """Organisation on the left, document title on the right (A4) or stacked (thermal)."""
        if self.paper == "80mm":
            self.text_line(org.name, size=12, bold=True, align="C")
            for line in (org.address, f"โทร {org.phone}" if org.phone else "",
                         f"เลขประจำตัวผู้เสียภาษี {org.tax_id}" if org.tax_id else ""):
                if line:
                    self.text_line(line, size=8, align="C", colour=GREY)
            self.gap(1)
            self.text_line(title, size=14, bold=True, align="C")
            if subtitle:
                self.text_line(subtitle, size=9, align="C")
            self.gap(1)
            self.rule(width=0.2)
            self.gap(1.5)
            return
        top = self.get_y()
        left = self.l_margin
        if org.logo and org.logo.is_file():
            self.image(str(org.logo), x=left, y=top, h=20)
            left += 24
        self.set_xy(left, top)
        self.set_font(FAMILY, "B", 15)
        self.set_text_color(*NAVY)
        self.multi_cell(100, 7, org.name, align="L", new_x=XPos.LEFT, new_y=YPos.NEXT)
        self.set_font(FAMILY, "", 10)
        self.set_text_color(*GREY)
        for line in (org.address, f"โทร {org.phone}" if org.phone else "",
                     f"เลขประจำตัวผู้เสียภาษี {org.tax_id}" if org.tax_id else ""):
            if line:
                self.multi_cell(100, 5, line, align="L", new_x=XPos.LEFT, new_y=YPos.NEXT)
        bottom = self.get_y()
        self.set_xy(self.w - self.r_margin - 70, top)
        self.set_font(FAMILY, "B", 20)
        self.set_text_color(*NAVY)
        self.cell(70, 10, title, align="R", new_x=XPos.LEFT, new_y=YPos.NEXT)
        if subtitle:
            self.set_font(FAMILY, "", 11)
            self.cell(70, 6, subtitle, align="R", new_x=XPos.LEFT, new_y=YPos.NEXT)
        self.set_text_color(0, 0, 0)
        self.set_y(max(bottom, self.get_y(), top + 22) + 2)
        self.rule()
        self.gap(4)

    def key_values(self, pairs: Sequence[tuple[str, str]], *, x: float | None = None, width: float | None = None,
                   label_width: float = 32, size: float = 11) -> float:
        """Label/value rows from ``x``; returns the y below them."""
        x = self.l_margin if x is None else x
        width = self.width if width is None else width
        row_h = size * 0.5
        for label, value in pairs:
            self.set_x(x)
            self.set_font(FAMILY, "B", size)
            # A long label pushes its value right rather than running into it.
            label_w = max(label_width, self.get_string_width(label) + 2)
            self.cell(label_w, row_h, label)
            self.set_font(FAMILY, "", size)
            self.multi_cell(width - label_w, row_h, value, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        return self.get_y()

    def two_columns(self, left: Sequence[tuple[str, str]], right: Sequence[tuple[str, str]]) -> None:
        top = self.get_y()
        half = self.width / 2
        left_end = self.key_values(left, width=half - 4, label_width=30)
        self.set_y(top)
        right_end = self.key_values(right, x=self.l_margin + half + 4, width=half - 4, label_width=34)
        self.set_y(max(left_end, right_end) + 3)

    def items_table(self, lines: Sequence[LineItem]) -> None:
        if self.paper == "80mm":
            for line in lines:
                top = self.get_y()
                self.set_font(FAMILY, "", 10)
                self.multi_cell(self.width - 24, 5, line.description, align="L",
                                new_x=XPos.LMARGIN, new_y=YPos.NEXT)
                if line.quantity is not None and line.unit_price is not None:
                    self.set_font(FAMILY, "", 8.5)
                    self.cell(self.width - 24, 4, f"    {format_quantity(line.quantity)} {line.unit} × "
                              f"{format_baht(line.unit_price, unit=False)}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
                end = self.get_y()
                self.set_xy(self.w - self.r_margin - 24, top)
                self.set_font(FAMILY, "", 10)
                self.cell(24, 5, format_baht(line.amount, unit=False), align="R")
                self.set_y(end)
            self.gap(1)
            self.rule(width=0.2)
            self.gap(1)
            return
        widths = (12, 78, 22, 30, 32)
        headers = ("ลำดับ", "รายการ", "จำนวน", "ราคาต่อหน่วย", "จำนวนเงิน (บาท)")
        self.set_fill_color(*NAVY)
        self.set_text_color(255, 255, 255)
        self.set_font(FAMILY, "B", 11)
        for w, head in zip(widths, headers, strict=True):
            self.cell(w, 8, head, align="C", fill=True)
        self.ln(8)
        self.set_text_color(0, 0, 0)
        self.set_font(FAMILY, "", 11)
        for number, line in enumerate(lines, start=1):
            fill = number % 2 == 0
            self.set_fill_color(*LIGHT)
            # A line without a count of its own (a fee, one invoice settled by a receipt) is
            # one item at its amount; empty columns read as if something were missing.
            quantity = f"{format_quantity(line.quantity)} {line.unit}".strip() if line.quantity is not None else "1"
            price = format_baht(line.unit_price if line.unit_price is not None else line.amount, unit=False)
            # A long description wraps inside its column and the row grows with it;
            # a cut-off line on a receipt would hide what was paid for.
            wrapped = cast(list[str], self.multi_cell(widths[1] - 2, 6, line.description, dry_run=True, output="LINES"))
            height = max(7.5, 6 * len(wrapped) + 1.5)
            self.keep_together(height)
            left, top = self.get_x(), self.get_y()
            if fill:
                self.rect(left, top, sum(widths), height, style="F")
            cells = (str(number), None, quantity, price, format_baht(line.amount, unit=False))
            aligns = ("C", "L", "R", "R", "R")
            for w, text, align in zip(widths, cells, aligns, strict=True):
                if text is None:
                    x = self.get_x()
                    self.set_xy(x + 1, top + 0.75)
                    self.multi_cell(w - 2, 6, line.description, align="L")
                    self.set_xy(x + w, top)
                else:
                    self.cell(w, height, text, align=align)
            self.set_xy(left, top + height)
        self.rule(width=0.2)
        self.gap(2)

    def totals(self, rows: Sequence[tuple[str, str]], *, emphasise_last: bool = True) -> None:
        label_w, value_w = (42, 30) if self.paper == "80mm" else (60, 38)
        size = 10 if self.paper == "80mm" else 11
        for index, (label, value) in enumerate(rows):
            last = emphasise_last and index == len(rows) - 1
            self.set_x(self.w - self.r_margin - label_w - value_w)
            self.set_font(FAMILY, "B" if last else "", size + (2 if last else 0))
            self.cell(label_w, size * 0.6, label, align="R")
            self.cell(value_w, size * 0.6, value, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.gap(1)

    def amount_in_words(self, amount: Any) -> None:
        text = f"({baht_text(amount)})"
        if self.paper == "80mm":
            self.text_line(text, size=9, align="C")
            return
        self.set_fill_color(*LIGHT)
        self.set_font(FAMILY, "B", 11)
        self.cell(38, 8, "จำนวนเงินตัวอักษร", fill=True)
        self.set_font(FAMILY, "", 11)
        self.cell(self.width - 38, 8, text, fill=True, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.gap(3)

    def qr(self, payload: str, *, x: float, y: float, size: float) -> None:
        self.image(qr_image(payload, box_size=6, border=1), x=x, y=y, w=size, h=size)

    def signature(self, signatory: Signatory | None, label: str, *, on: date | None = None) -> None:
        """ลงชื่อ ..... <label>, the name in brackets (dots to write it by hand when
        nobody is named), the position and the date in Buddhist Era."""
        width = 80 if self.paper == "a4" else self.width
        x = self.w - self.r_margin - width
        self.keep_together(40)
        self.gap(10 if self.paper == "a4" else 6)
        self.set_x(x)
        self.set_font(FAMILY, "", 11 if self.paper == "a4" else 10)
        self.cell(width, 6, f"ลงชื่อ {'.' * 40} {label}".rstrip(), align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
        name = f"({signatory.name})" if signatory else f"({'.' * 40})"
        # a name that is itself a job title ("เจ้าหน้าที่การเงิน") is not printed twice
        position = signatory.position if signatory and signatory.position != signatory.name else ""
        for text in (name, position, f"วันที่ {format_thai_date(on, short=False)}" if on else ""):
            if text:
                self.cell(width, 6, text, align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
        self.set_x(self.l_margin)

    def paragraph(self, text: str, *, size: float = 13, indent: bool = True) -> None:
        self.set_font(FAMILY, "", size)
        # Left-aligned: Thai has no spaces between words, so justifying stretches the few there are.
        self.multi_cell(self.width, size * 0.55, ("\u00a0" * 10 if indent else "") + text, align="L",
                        new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.gap(2)


def _close_fonts(pdf: ThaiPDF) -> None:
    """fpdf2 leaves the font files open until garbage collection; a server renders
    many documents, so give the file handles back now."""
    for font in pdf.fonts.values():
        if isinstance(font, TTFFont):
            font.ttfont.close()


def _finish(pdf: ThaiPDF) -> bytes:
    data = bytes(pdf.output())
    _close_fonts(pdf)
    return data


def render(draw: Callable[[ThaiPDF], None], paper: Paper = "a4") -> bytes:
    """Draw a document and return the PDF bytes. Thermal paper is a roll: the page
    is cut to the content, so it is drawn once to measure and once for real."""
    if paper == "a4":
        pdf = ThaiPDF("a4")
        draw(pdf)
        return _finish(pdf)
    probe = ThaiPDF("80mm", height_mm=2000)
    draw(probe)
    height = probe.get_y() + probe.t_margin + 6
    _close_fonts(probe)
    pdf = ThaiPDF("80mm", height_mm=height)
    draw(pdf)
    return _finish(pdf)
