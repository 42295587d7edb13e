"""Slip pictures as banking apps show them, for the tests that send slips."""
from __future__ import annotations

import io

import qrcode
from PIL import Image, ImageDraw, ImageFont

from services.payments.thaiqr import slip_payload
from thai.fonts import thai_font

TRANS_REF = "015125103412ATF12345"


def slip_image(payload: str | None = slip_payload("004", TRANS_REF), amount: str = "350.00") -> Image.Image:
    """A receipt-like slip: text above, the bank's mini-QR below (none when ``payload`` is None)."""
    slip = Image.new("RGB", (720, 1100), (250, 250, 246))
    draw = ImageDraw.Draw(slip)
    font = ImageFont.truetype(str(thai_font("Bold")), 34, layout_engine=ImageFont.Layout.RAQM)
    small = ImageFont.truetype(str(thai_font()), 26, layout_engine=ImageFont.Layout.RAQM)
    draw.rectangle((0, 0, 720, 110), fill=(0, 140, 70))
    draw.text((40, 30), "โอนเงินสำเร็จ", font=font, fill="white")
    for i, line in enumerate(["นาย ทดสอบ ใจดี", "ธ.กสิกรไทย xxx-x-x1234-x", "ไปยัง เทศบาลตำบลบ้านน้ำใส",
                              f"จำนวน: {amount} บาท", "ค่าธรรมเนียม: 0.00 บาท", "15 ธ.ค. 69 14:30 น."]):
        draw.text((40, 150 + i * 60), line, font=small, fill=(40, 40, 40))
    if payload:
        code = qrcode.make(payload, box_size=6, border=2).get_image().convert("RGB")
        slip.paste(code, (720 - code.width - 40, 1100 - code.height - 40))
    return slip


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def slip_png(trans_ref: str = TRANS_REF, bank: str = "004", amount: str = "350.00") -> bytes:
    return png(slip_image(slip_payload(bank, trans_ref), amount))
