import random
import re
import shutil
import subprocess
from dataclasses import replace
from decimal import Decimal

import pytest
import zxingcpp
from PIL import Image
from pythainlp.corpus import thai_words

from services.documents.billing import credit_note_pdf, invoice_pdf, receipt_pdf
from services.documents.counter import case_printout_pdf, mask_phone, queue_ticket_pdf
from services.documents.data import LineItem
from services.documents.letters import disconnection_notice_pdf, dunning_letter_pdf
from services.documents.pdfbase import ThaiPDF
from services.payments.thaiqr import bill_payment_payload
from tests.documents import samples

pytestmark = pytest.mark.skipif(not shutil.which("pdftotext") or not shutil.which("pdftoppm"),
                                reason="poppler-utils (pdftotext, pdftoppm) is not installed")


def _text(pdf: bytes, tmp_path, *, raw: bool = False) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    args = ["pdftotext", *(["-raw"] if raw else []), str(path), "-"]
    return subprocess.run(args, check=True, capture_output=True).stdout.decode()


def _page_png(pdf: bytes, tmp_path, dpi: int = 150, page: int = 1) -> Image.Image:
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile", str(path),
                    str(tmp_path / "page")], check=True)
    return Image.open(tmp_path / "page.png")


def _page_size_mm(pdf: bytes) -> tuple[float, float]:
    width, height = map(float, re.search(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf).groups())
    return width * 25.4 / 72, height * 25.4 / 72


# Strings with SARA AM, tone marks over tall letters and stacked marks: the ones shaping breaks.
THAI_WORDS = ["ตำบลบ้านน้ำใส", "ค่าน้ำประปา", "ชำระ", "จำนวนเงิน", "ที่อยู่", "ผู้เสียภาษี", "ค่าบริการรักษามาตร"]


def test_receipt_text_is_extractable_with_marks(tmp_path):
    text = _text(receipt_pdf(samples.RECEIPT), tmp_path)
    for expected in ["ใบเสร็จรับเงิน", "หนึ่งพันสองร้อยสามสิบสี่บาทห้าสิบสตางค์", "RC-2569-000045", "1,234.50 บาท",
                     "10 ธันวาคม 2569 14:30 น.", "นางสาวมาลี ศรีสุข", "ตำบลบ้านน้ำใส", "ค่าน้ำประปา", "ชำระโดย",
                     "ที่อยู่"]:
        assert expected in text
    assert "ชำ ระ" not in text and "ตำ บล" not in text


def test_invoice_a4_carries_a_scannable_thai_qr(tmp_path):
    pdf = invoice_pdf(samples.INVOICE)
    text = _text(pdf, tmp_path)
    for expected in ["ใบแจ้งหนี้", "INV-2569-000123", "15 ธันวาคม 2569", "ยอดที่ต้องชำระ", "1,234.50 บาท",
                     "(หนึ่งพันสองร้อยสามสิบสี่บาทห้าสิบสตางค์)", "THAI QR PAYMENT", "ค่าน้ำประปา", "94.50"]:
        assert expected in text
    assert [b.text for b in zxingcpp.read_barcodes(_page_png(pdf, tmp_path))] == [samples.QR]
    assert _page_size_mm(pdf) == pytest.approx((210, 297), abs=0.5)


def test_long_invoice_keeps_the_qr_box_whole(tmp_path):
    lines = tuple(LineItem(f"ค่าเช่าแผงตลาด ล็อก {n}", Decimal("30.00")) for n in range(1, 31))
    qr = bill_payment_payload("012345678901200", "W00123", "256912", "900.00")
    pdf = invoice_pdf(replace(samples.INVOICE, lines=lines, payment_qr=qr))
    pages = int(re.search(rb"/Count (\d+)", pdf).group(1))
    assert pages == 2
    text = _text(pdf, tmp_path)
    assert "ล็อก 30" in text and "หน้า 2/2" in text
    assert [b.text for b in zxingcpp.read_barcodes(_page_png(pdf, tmp_path, page=2))] == [qr]


def test_qr_charging_another_amount_is_refused():
    with pytest.raises(ValueError, match="charges 1234.50"):
        invoice_pdf(replace(samples.INVOICE, arrears=Decimal("350")))


@pytest.mark.parametrize("make,title", [(invoice_pdf, "ใบแจ้งหนี้"), (receipt_pdf, "ใบเสร็จรับเงิน")])
def test_thermal_layouts_are_80mm_and_cut_to_content(make, title, tmp_path):
    document = samples.INVOICE if make is invoice_pdf else samples.RECEIPT
    pdf = make(document, paper="80mm")
    width, height = _page_size_mm(pdf)
    assert width == pytest.approx(80, abs=0.2)
    assert 80 < height < 250
    text = _text(pdf, tmp_path)
    assert title in text and "หนึ่งพันสองร้อยสามสิบสี่บาทห้าสิบสตางค์" in text
    if make is invoice_pdf:
        assert [b.text for b in zxingcpp.read_barcodes(_page_png(pdf, tmp_path, dpi=200))] == [samples.QR]


def test_thai_words_survive_in_every_document(tmp_path):
    for pdf in (invoice_pdf(samples.INVOICE), receipt_pdf(samples.RECEIPT)):
        for raw in (False, True):
            text = _text(pdf, tmp_path, raw=raw)
            for word in THAI_WORDS:
                assert word in text


def test_credit_note(tmp_path):
    text = _text(credit_note_pdf(samples.CREDIT_NOTE), tmp_path)
    for expected in ["ใบลดหนี้", "CN-2569-000007", "INV-2569-000123", "มาตรน้ำชำรุด อ่านค่าเกินจริง",
                     "283.50 บาท", "(สองร้อยแปดสิบสามบาทห้าสิบสตางค์)"]:
        assert expected in text


def test_dunning_letter(tmp_path):
    pdf = dunning_letter_pdf(samples.DUNNING)
    text = _text(pdf, tmp_path)
    for expected in ["แจ้งค้างชำระค่าบริการ", "นายสมชาย ใจดี", "INV-2569-000100", "15 พ.ย. 2569", "1,584.50",
                     "หนึ่งพันห้าร้อยแปดสิบสี่บาทห้าสิบสตางค์", "5 มกราคม 2570", "นายประเสริฐ มั่นคง"]:
        assert expected in text
    assert [b.text for b in zxingcpp.read_barcodes(_page_png(pdf, tmp_path))] == [samples.DUNNING.payment_qr]


def test_disconnection_notice(tmp_path):
    text = _text(disconnection_notice_pdf(samples.DISCONNECTION), tmp_path)
    for expected in ["แจ้งงดจ่ายน้ำประปา", "M-0012", "จะงดจ่ายน้ำในวันที่ 20 มกราคม 2570", "200.00 บาท",
                     "1,584.50 บาท"]:
        assert expected in text


def test_queue_ticket_is_a_thermal_slip(tmp_path):
    pdf = queue_ticket_pdf(samples.TICKET)
    assert _page_size_mm(pdf)[0] == pytest.approx(80, abs=0.2)
    text = _text(pdf, tmp_path)
    for expected in ["บัตรคิว", "A012", "กองคลัง", "15 ธ.ค. 2569 09:30 น.", "มีคิวรอก่อนหน้า 3 คิว"]:
        assert expected in text
    assert [b.text for b in zxingcpp.read_barcodes(_page_png(pdf, tmp_path, dpi=200))] == ["https://bot.example/q/abc"]


def test_case_printout_masks_the_phone(tmp_path):
    text = _text(case_printout_pdf(samples.CASE), tmp_path)
    for expected in ["เรื่องร้องเรียน", "C-2569-000045", "กองช่าง", "08x-xxx-5678", "ส่งต่อกองช่าง",
                     "ผู้สูงอายุเดินไม่สะดวก"]:
        assert expected in text
    assert "234-5678" not in text and "0812345678" not in text


def test_mask_phone():
    assert mask_phone("081-234-5678") == "08x-xxx-5678"
    assert mask_phone("043123456") == "04x-xxx-3456"
    assert mask_phone("1234") == "1234" and mask_phone("12") == "xx"


def test_any_thai_word_comes_back_whole_from_pdftotext(tmp_path):
    """Random dictionary words, regular and bold, small and large: every word must
    extract exactly (marks on tall letters and "ำ" used to come out as "ปิ่ นโต", "ชำ ระ")."""
    words = sorted(w for w in thai_words() if " " not in w)
    random.Random(2569).shuffle(words)
    words = words[:600]
    pdf = ThaiPDF()
    for style, size in (("", 9), ("B", 9), ("", 14), ("B", 14)):
        pdf.set_font("Sarabun", style, size)
        for start in range(0, len(words), 8):
            pdf.multi_cell(0, size * 0.5, " ".join(words[start:start + 8]), align="L", new_x="LMARGIN", new_y="NEXT")
    data = bytes(pdf.output())
    extracted = _text(data, tmp_path).split()
    assert [w for w in words if extracted.count(w) < 4] == []


def test_a_long_line_description_wraps_inside_its_column(tmp_path):
    long = "ชำระตามใบแจ้งหนี้ INV-2570-000002 (ค่าเช่าพื้นที่และค่าส่วนกลาง งวดพฤศจิกายน 2569 แผง A-12)"
    receipt = replace(samples.RECEIPT, lines=(LineItem(long, Decimal("1234.50")),))
    path = tmp_path / "doc.pdf"
    path.write_bytes(receipt_pdf(receipt))
    words = subprocess.run(["pdftotext", "-bbox", str(path), "-"], check=True, capture_output=True).stdout.decode()
    column_right = (18 + 12 + 78) * 72 / 25.4  # left margin + number column + description column, in points
    for word in ("INV-2570-000002", "A-12)"):
        x_max = float(re.search(rf'xMax="([\d.]+)"[^>]*>{re.escape(word)}<', words).group(1))
        assert x_max <= column_right, f"{word} runs past the description column ({x_max:.0f} > {column_right:.0f} pt)"


def _table_row(text: str, description: str) -> list[str]:
    """The cells of the items-table row of ``description`` in ``pdftotext -layout`` output."""
    row = next(line for line in text.splitlines() if description in line)
    return re.split(r"\s{2,}", row.strip())


def test_a_line_without_a_quantity_is_one_at_its_amount(tmp_path):
    fee = LineItem("ค่าธรรมเนียมเก็บขยะ", Decimal("1234.50"))
    path = tmp_path / "doc.pdf"
    path.write_bytes(receipt_pdf(replace(samples.RECEIPT, lines=(fee, LineItem(
        "ค่าน้ำประปา", Decimal("94.50"), Decimal("1.000"), "ลบ.ม.", Decimal("94.50"))))))
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True).stdout.decode()
    assert _table_row(text, "ค่าธรรมเนียมเก็บขยะ")[-3:] == ["1", "1,234.50", "1,234.50"]
    assert _table_row(text, "ค่าน้ำประปา")[-3:] == ["1 ลบ.ม.", "94.50", "94.50"]  # 1, not 1.000


def test_receipt_is_signed_by_the_receiver_with_the_buddhist_era_date(tmp_path):
    for paper in ("a4", "80mm"):
        text = _text(receipt_pdf(samples.RECEIPT, paper=paper), tmp_path)
        assert re.search(r"ลงชื่อ \.{20,} ผู้รับเงิน", text), paper
        assert "(นางสาวมาลี ศรีสุข)" in text and "เจ้าพนักงานการเงินและบัญชี" in text, paper
        assert "วันที่ 10 ธันวาคม 2569" in text, paper
    # nobody named (a payment matched automatically): a line to write the name by hand
    unsigned = _text(receipt_pdf(replace(samples.RECEIPT, received_by=None)), tmp_path)
    assert re.search(r"ลงชื่อ \.{20,} ผู้รับเงิน", unsigned) and re.search(r"\(\.{20,}\)", unsigned)
    assert "วันที่ 10 ธันวาคม 2569" in unsigned
