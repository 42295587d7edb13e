"""Counter documents: the queue ticket (80 mm thermal) and the case print-out (A4)
that goes to the responsible unit."""
from __future__ import annotations

import re

from fpdf.enums import XPos, YPos

from services.documents.data import CasePrintout, QueueTicket
from services.documents.pdfbase import FAMILY, GREY, LIGHT, NAVY, ThaiPDF, render
from thai.dates import format_thai_datetime


def mask_phone(phone: str) -> str:
    """08x-xxx-5678: enough to call back via the system, not to copy (SPEC §6.3)."""
    digits = re.sub(r"[^0-9]", "", phone)
    if len(digits) < 4:
        return "x" * len(digits)
    return f"{digits[:2]}x-xxx-{digits[-4:]}" if len(digits) >= 9 else "x" * (len(digits) - 4) + digits[-4:]


def queue_ticket_pdf(ticket: QueueTicket) -> bytes:
    """บัตรคิว for the counter's thermal printer."""
    def draw(pdf: ThaiPDF) -> None:
        pdf.text_line(ticket.organisation.name, size=11, bold=True, align="C")
        pdf.text_line(ticket.department, size=10, align="C", colour=GREY)
        pdf.gap(1)
        pdf.rule(width=0.2)
        pdf.gap(2)
        pdf.text_line("บัตรคิว", size=12, align="C")
        pdf.text_line(ticket.ticket_number, size=40, bold=True, align="C", colour=NAVY, height=17)
        pdf.text_line(ticket.service, size=11, align="C")
        pdf.text_line(f"นัดหมาย {format_thai_datetime(ticket.slot_start)}", size=10, align="C")
        if ticket.counter:
            pdf.text_line(f"ช่องบริการ {ticket.counter}", size=10, align="C")
        if ticket.waiting_before is not None:
            pdf.text_line(f"มีคิวรอก่อนหน้า {ticket.waiting_before} คิว", size=10, align="C")
        if ticket.tracking_url:
            size = 26
            pdf.gap(1)
            pdf.qr(ticket.tracking_url, x=(pdf.w - size) / 2, y=pdf.get_y(), size=size)
            pdf.set_y(pdf.get_y() + size)
            pdf.text_line("สแกนเพื่อดูสถานะคิว", size=8, align="C", colour=GREY)
        pdf.gap(1)
        pdf.text_line("กรุณารอเรียกคิวและแสดงบัตรนี้ที่ช่องบริการ", size=8, align="C", colour=GREY)

    return render(draw, "80mm")


def case_printout_pdf(case: CasePrintout) -> bytes:
    """A complaint or petition as the responsible unit works it, with its history."""
    def draw(pdf: ThaiPDF) -> None:
        pdf.letterhead(case.organisation, case.kind, f"เลขที่ {case.tracking_number}")
        pdf.two_columns(
            [("ประเภท", case.category), ("ผู้แจ้ง", case.reporter_name), ("โทรศัพท์", mask_phone(case.reporter_phone))],
            [("วันที่แจ้ง", format_thai_datetime(case.submitted_at, short=False)),
             ("หน่วยที่รับผิดชอบ", case.responsible_unit), ("สถานะ", case.status)],
        )
        if case.location:
            pdf.key_values([("สถานที่", case.location)], label_width=30)
            pdf.gap(2)
        pdf.set_fill_color(*LIGHT)
        pdf.set_font(FAMILY, "B", 12)
        pdf.cell(pdf.width, 8, "รายละเอียด", fill=True, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.gap(1)
        pdf.paragraph(case.description, size=12, indent=False)
        if case.events:
            pdf.set_font(FAMILY, "B", 12)
            pdf.cell(pdf.width, 8, "ประวัติการดำเนินการ", fill=True, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.gap(1)
            for event in case.events:
                pdf.set_font(FAMILY, "B", 11)
                pdf.cell(48, 6, format_thai_datetime(event.at))
                pdf.set_font(FAMILY, "", 11)
                text = event.status + (f" — {event.note}" if event.note else "")
                text += f" ({event.by})" if event.by else ""
                pdf.multi_cell(pdf.width - 48, 6, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.gap(8)
        pdf.text_line("ข้อมูลส่วนบุคคลในเอกสารนี้ใช้เพื่อดำเนินการเรื่องนี้เท่านั้น", size=9, colour=GREY)

    return render(draw)
