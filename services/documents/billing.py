"""Invoice (with its Thai QR), receipt (with the amount in words) and credit note."""
from __future__ import annotations

from decimal import Decimal

from services.documents.data import CreditNote, Customer, Invoice, Receipt
from services.documents.pdfbase import GREY, NAVY, Paper, ThaiPDF, render
from services.payments.thaiqr import read_payment
from thai.dates import format_thai_date, format_thai_datetime
from thai.money import format_baht


def _customer_rows(customer: Customer, code_label: str = "รหัสลูกค้า") -> list[tuple[str, str]]:
    rows = [("ชื่อ", customer.name)]
    if customer.code:
        rows.append((code_label, customer.code))
    if customer.address:
        rows.append(("ที่อยู่", customer.address))
    if customer.tax_id:
        rows.append(("เลขผู้เสียภาษี", customer.tax_id))
    return rows


def _invoice_totals(invoice: Invoice) -> list[tuple[str, str]]:
    rows = [("รวมเป็นเงิน", format_baht(invoice.subtotal))]
    if invoice.vat:
        rows.append(("ภาษีมูลค่าเพิ่ม", format_baht(invoice.vat)))
    if invoice.arrears:
        rows += [("ค่าบริการงวดนี้", format_baht(invoice.total)), ("ยอดค้างชำระยกมา", format_baht(invoice.arrears))]
    rows.append(("ยอดที่ต้องชำระ", format_baht(invoice.total_due)))
    return rows


def _draw_invoice_a4(pdf: ThaiPDF, invoice: Invoice) -> None:
    pdf.letterhead(invoice.organisation, "ใบแจ้งหนี้", "ต้นฉบับ (สำหรับลูกค้า)")
    right = [("เลขที่", invoice.number), ("วันที่ออก", format_thai_date(invoice.issued_on, short=False)),
             ("ครบกำหนดชำระ", format_thai_date(invoice.due_date, short=False))]
    if invoice.period:
        right.append(("รอบบิล", invoice.period))
    pdf.two_columns(_customer_rows(invoice.customer), right)
    if invoice.details:
        pdf.key_values(invoice.details, label_width=30)
        pdf.gap(2)
    pdf.items_table(invoice.lines)
    pdf.totals(_invoice_totals(invoice))
    pdf.amount_in_words(invoice.total_due)
    if invoice.payment_qr:
        size = 42
        pdf.keep_together(size + 12)
        top = pdf.get_y() + 2
        pdf.set_draw_color(*NAVY)
        pdf.set_line_width(0.5)
        pdf.rect(pdf.l_margin, top, pdf.width, size + 8)
        pdf.set_fill_color(*NAVY)
        pdf.rect(pdf.l_margin, top, pdf.width, 8, style="F")
        pdf.set_xy(pdf.l_margin, top)
        pdf.set_text_color(255, 255, 255)
        pdf.set_font("Sarabun", "B", 12)
        pdf.cell(pdf.width, 8, "THAI QR PAYMENT  ชำระเงินด้วยการสแกน QR", align="C")
        pdf.set_text_color(0, 0, 0)
        pdf.qr(invoice.payment_qr, x=pdf.l_margin + 6, y=top + 9, size=size - 3)
        rows = [("ยอดชำระ", format_baht(invoice.total_due)), ("ชำระภายใน", format_thai_date(invoice.due_date))]
        if invoice.ref1:
            rows.append(("รหัสอ้างอิง 1", invoice.ref1))
        if invoice.ref2:
            rows.append(("รหัสอ้างอิง 2", invoice.ref2))
        pdf.set_y(top + 12)
        pdf.key_values(rows, x=pdf.l_margin + size + 12, width=pdf.width - size - 16, label_width=28, size=12)
        pdf.set_x(pdf.l_margin + size + 12)
        pdf.set_font("Sarabun", "", 10)
        pdf.set_text_color(*GREY)
        pdf.multi_cell(pdf.width - size - 16, 5, "สแกนด้วยแอปธนาคารใดก็ได้ ระบบจะบันทึกการชำระให้อัตโนมัติ "
                       "ไม่ต้องส่งสลิป", align="L")
        pdf.set_text_color(0, 0, 0)
        pdf.set_y(top + size + 12)
    if invoice.note:
        pdf.text_line(invoice.note, size=10, colour=GREY)


def _draw_invoice_thermal(pdf: ThaiPDF, invoice: Invoice) -> None:
    pdf.letterhead(invoice.organisation, "ใบแจ้งหนี้", invoice.number)
    rows = [("วันที่", format_thai_date(invoice.issued_on)), ("ครบกำหนด", format_thai_date(invoice.due_date)),
            *[(label, value) for label, value in _customer_rows(invoice.customer) if label != "ที่อยู่"]]
    if invoice.period:
        rows.append(("รอบบิล", invoice.period))
    pdf.key_values([*rows, *invoice.details], label_width=22, size=10)
    pdf.gap(1)
    pdf.rule(width=0.2)
    pdf.gap(1)
    pdf.items_table(invoice.lines)
    pdf.totals(_invoice_totals(invoice))
    pdf.amount_in_words(invoice.total_due)
    if invoice.payment_qr:
        size = 46
        pdf.gap(1)
        pdf.text_line("สแกนจ่ายด้วย Thai QR", size=10, bold=True, align="C", colour=NAVY)
        pdf.qr(invoice.payment_qr, x=(pdf.w - size) / 2, y=pdf.get_y(), size=size)
        pdf.set_y(pdf.get_y() + size + 1)
        for ref_label, ref in (("รหัสอ้างอิง 1", invoice.ref1), ("รหัสอ้างอิง 2", invoice.ref2)):
            if ref:
                pdf.text_line(f"{ref_label}: {ref}", size=9, align="C")
    if invoice.note:
        pdf.text_line(invoice.note, size=8, align="C", colour=GREY)


def check_qr_amount(payload: str | None, amount_due: Decimal) -> None:
    """Refuse to print a QR that would charge something other than the document says."""
    if payload is None:
        return
    amount = read_payment(payload).amount
    if amount is not None and amount != amount_due:
        raise ValueError(f"the payment QR charges {amount} but the document asks for {amount_due}")


def invoice_pdf(invoice: Invoice, *, paper: Paper = "a4") -> bytes:
    """ใบแจ้งหนี้ on A4 or 80 mm thermal paper."""
    check_qr_amount(invoice.payment_qr, invoice.total_due)
    draw = _draw_invoice_a4 if paper == "a4" else _draw_invoice_thermal
    return render(lambda pdf: draw(pdf, invoice), paper)


def _receipt_rows(receipt: Receipt, *, short: bool) -> list[tuple[str, str]]:
    rows = [("วันที่ชำระ", format_thai_datetime(receipt.paid_at, short=short)),
            ("ชำระโดย", receipt.payment_method)]
    if receipt.invoice_numbers:
        rows.append(("ชำระใบแจ้งหนี้", ", ".join(receipt.invoice_numbers)))
    if receipt.payment_ref:
        rows.append(("เลขอ้างอิง", receipt.payment_ref))
    return rows


def _draw_receipt_a4(pdf: ThaiPDF, receipt: Receipt) -> None:
    pdf.letterhead(receipt.organisation, "ใบเสร็จรับเงิน", "ต้นฉบับ")
    pdf.two_columns(_customer_rows(receipt.customer), [("เลขที่", receipt.number), *_receipt_rows(receipt, short=False)])
    pdf.items_table(receipt.lines)
    pdf.totals([("รวมเงินที่รับชำระ", format_baht(receipt.total))])
    pdf.amount_in_words(receipt.total)
    pdf.signature(receipt.received_by, "ผู้รับเงิน", on=receipt.paid_at)
    pdf.gap(6)
    pdf.text_line("ใบเสร็จรับเงินนี้จะสมบูรณ์เมื่อได้รับเงินเรียบร้อยแล้ว", size=10, colour=GREY)


def _draw_receipt_thermal(pdf: ThaiPDF, receipt: Receipt) -> None:
    pdf.letterhead(receipt.organisation, "ใบเสร็จรับเงิน", receipt.number)
    rows = [(label, value) for label, value in _customer_rows(receipt.customer) if label != "ที่อยู่"]
    pdf.key_values([*rows, *_receipt_rows(receipt, short=True)], label_width=22, size=10)
    pdf.gap(1)
    pdf.rule(width=0.2)
    pdf.gap(1)
    pdf.items_table(receipt.lines)
    pdf.totals([("รวมรับชำระ", format_baht(receipt.total))])
    pdf.amount_in_words(receipt.total)
    pdf.signature(receipt.received_by, "ผู้รับเงิน", on=receipt.paid_at)
    pdf.gap(2)
    pdf.text_line("ขอบคุณที่ชำระเงิน", size=9, align="C", colour=GREY)


def receipt_pdf(receipt: Receipt, *, paper: Paper = "a4") -> bytes:
    """ใบเสร็จรับเงิน on A4 or 80 mm thermal paper."""
    draw = _draw_receipt_a4 if paper == "a4" else _draw_receipt_thermal
    return render(lambda pdf: draw(pdf, receipt), paper)


def credit_note_pdf(note: CreditNote) -> bytes:
    """ใบลดหนี้ (A4)."""
    def draw(pdf: ThaiPDF) -> None:
        pdf.letterhead(note.organisation, "ใบลดหนี้", "ต้นฉบับ")
        pdf.two_columns(_customer_rows(note.customer),
                        [("เลขที่", note.number), ("วันที่", format_thai_date(note.issued_on, short=False)),
                         ("อ้างถึงใบแจ้งหนี้", note.original_invoice)])
        pdf.key_values([("เหตุผลที่ลดหนี้", note.reason)], label_width=32)
        pdf.gap(2)
        pdf.items_table(note.lines)
        pdf.totals([("ยอดลดหนี้ทั้งสิ้น", format_baht(note.total))])
        pdf.amount_in_words(note.total)
        if note.signatory:
            pdf.signature(note.signatory, "ผู้อนุมัติ")

    return render(draw)
