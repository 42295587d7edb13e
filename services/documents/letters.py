"""Official letters to a customer: dunning letter and disconnection notice (A4),
in the plain style of Thai government correspondence."""
from __future__ import annotations

from fpdf.enums import XPos, YPos

from services.documents.billing import check_qr_amount
from services.documents.data import Customer, DisconnectionNotice, DunningLetter, Organisation
from services.documents.pdfbase import FAMILY, LIGHT, NAVY, ThaiPDF, render
from thai.dates import format_thai_date
from thai.money import baht_text, format_baht


def _heading(pdf: ThaiPDF, org: Organisation, number: str, issued_on_text: str, subject: str,
             customer: Customer) -> None:
    pdf.letterhead(org, "")
    pdf.set_font(FAMILY, "", 13)
    pdf.cell(pdf.width / 2, 7, f"ที่ {number}")
    pdf.cell(pdf.width / 2, 7, issued_on_text, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.gap(3)
    addressee = customer.name + (f" (รหัส {customer.code})" if customer.code else "")
    pdf.key_values([("เรื่อง", subject), ("เรียน", addressee)], label_width=16, size=13)
    if customer.address:
        pdf.key_values([("", customer.address)], label_width=16, size=12)
    pdf.gap(3)


def _bills_table(pdf: ThaiPDF, letter: DunningLetter) -> None:
    widths = (40, 50, 46, 38)
    pdf.set_fill_color(*NAVY)
    pdf.set_text_color(255, 255, 255)
    pdf.set_font(FAMILY, "B", 12)
    for w, head in zip(widths, ("เลขที่ใบแจ้งหนี้", "รอบบิล", "ครบกำหนดชำระ", "จำนวนเงิน (บาท)"), strict=True):
        pdf.cell(w, 8, head, align="C", fill=True)
    pdf.ln(8)
    pdf.set_text_color(0, 0, 0)
    pdf.set_font(FAMILY, "", 12)
    for row, bill in enumerate(letter.bills):
        pdf.set_fill_color(*LIGHT)
        cells = (bill.invoice_number, bill.period, format_thai_date(bill.due_date),
                 format_baht(bill.amount, unit=False))
        for w, text, align in zip(widths, cells, ("L", "L", "C", "R"), strict=True):
            pdf.cell(w, 7.5, text, align=align, fill=row % 2 == 1)
        pdf.ln(7.5)
    pdf.set_font(FAMILY, "B", 12)
    pdf.cell(sum(widths[:3]), 8, "รวมยอดค้างชำระ", align="R")
    pdf.cell(widths[3], 8, format_baht(letter.total, unit=False), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.gap(3)


def dunning_letter_pdf(letter: DunningLetter) -> bytes:
    """หนังสือแจ้งค้างชำระ: what is overdue, by when to pay, and how."""
    check_qr_amount(letter.payment_qr, letter.total)
    def draw(pdf: ThaiPDF) -> None:
        _heading(pdf, letter.organisation, letter.number, format_thai_date(letter.issued_on, short=False),
                 "แจ้งค้างชำระค่าบริการ", letter.customer)
        pdf.paragraph(f"ตามที่ท่านใช้บริการของ{letter.organisation.name} ขณะนี้ยังมียอดค้างชำระตามรายการด้านล่าง "
                      f"รวมเป็นเงินทั้งสิ้น {format_baht(letter.total)} ({baht_text(letter.total)})")
        _bills_table(pdf, letter)
        pay_by = format_thai_date(letter.pay_by, short=False)
        contact = f" หากชำระแล้วหรือมีข้อสงสัย กรุณาติดต่อ โทร {letter.contact_phone}" if letter.contact_phone else ""
        pdf.paragraph(f"จึงเรียนมาเพื่อโปรดชำระภายในวันที่ {pay_by} ที่สำนักงาน หรือสแกน QR ด้านล่างด้วยแอปธนาคาร"
                      f"ใดก็ได้ หากพ้นกำหนดอาจต้องงดให้บริการตามระเบียบ{contact} ขอขอบคุณที่ให้ความร่วมมือ")
        if letter.payment_qr:
            pdf.keep_together(38)
            top = pdf.get_y()
            pdf.qr(letter.payment_qr, x=pdf.l_margin, y=top, size=36)
            pdf.set_xy(pdf.l_margin + 40, top + 10)
            pdf.set_font(FAMILY, "B", 12)
            pdf.cell(80, 7, f"สแกนเพื่อชำระ {format_baht(letter.total)}", new_x=XPos.LEFT, new_y=YPos.NEXT)
            pdf.set_font(FAMILY, "", 11)
            pdf.cell(80, 6, "THAI QR PAYMENT", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.set_y(top + 36)
        pdf.signature(letter.signatory, "")

    return render(draw)


def disconnection_notice_pdf(notice: DisconnectionNotice) -> bytes:
    """หนังสือแจ้งงดจ่ายน้ำ: the date water will be cut and how to avoid it or reconnect."""
    def draw(pdf: ThaiPDF) -> None:
        _heading(pdf, notice.organisation, notice.number, format_thai_date(notice.issued_on, short=False),
                 "แจ้งงดจ่ายน้ำประปา", notice.customer)
        disconnect_on = format_thai_date(notice.disconnect_on, short=False)
        pdf.paragraph(f"ตามที่ผู้ใช้น้ำมาตรเลขที่ {notice.meter_number} มียอดค้างชำระค่าน้ำประปา "
                      f"{format_baht(notice.outstanding)} ({baht_text(notice.outstanding)}) และได้แจ้งเตือนแล้ว "
                      "แต่ยังไม่ได้รับชำระ")
        pdf.set_fill_color(*LIGHT)
        pdf.set_font(FAMILY, "B", 14)
        pdf.multi_cell(pdf.width, 9, f"จะงดจ่ายน้ำในวันที่ {disconnect_on} หากยังไม่ได้รับชำระ", align="C", fill=True,
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.gap(3)
        contact = f" โทร {notice.contact_phone}" if notice.contact_phone else ""
        pdf.paragraph(f"หากชำระครบก่อนวันดังกล่าว จะไม่มีการงดจ่ายน้ำ เมื่องดจ่ายน้ำแล้ว การต่อมาตรกลับต้องชำระยอดค้าง"
                      f"ทั้งหมดพร้อมค่าธรรมเนียมต่อมาตร {format_baht(notice.reconnection_fee)} "
                      f"หากชำระแล้วหรือมีข้อสงสัย กรุณาติดต่อสำนักงาน{contact}")
        pdf.paragraph("จึงเรียนมาเพื่อทราบและโปรดดำเนินการ")
        pdf.signature(notice.signatory, "")

    return render(draw)
