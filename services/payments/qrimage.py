"""Payment QR images in the Thai QR Payment look: a navy "THAI QR PAYMENT" band,
a PromptPay-style mark, the code, then payee, amount and references in Thai.

What the card says about amount and references is read back from the payload
itself, so the picture can never disagree with what the payer's app will do.
Thai needs Pillow's raqm layout: the basic layout drops or misplaces tone marks.
"""
from __future__ import annotations

import io
from functools import lru_cache

import qrcode
from PIL import Image, ImageDraw, ImageFont, features
from qrcode.constants import ERROR_CORRECT_M

from services.payments.thaiqr import PaymentQR, read_payment
from thai.fonts import Weight, thai_font
from thai.money import format_baht

NAVY = (17, 53, 102)
TEAL = (16, 120, 160)
GREY = (90, 90, 90)
WIDTH = 480
MARGIN = 32


def _require_raqm() -> None:
    if not features.check("raqm"):
        raise RuntimeError("Pillow is built without raqm (libraqm); Thai text would lose its tone marks")


@lru_cache(maxsize=32)
def _font(size: int, weight: Weight = "Regular") -> ImageFont.FreeTypeFont:
    _require_raqm()
    return ImageFont.truetype(str(thai_font(weight)), size, layout_engine=ImageFont.Layout.RAQM)


def qr_image(payload: str, *, box_size: int = 8, border: int = 2) -> Image.Image:
    """The bare QR code as a black-on-white image."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=box_size, border=border)
    code.add_data(payload)
    code.make(fit=True)
    return code.make_image(fill_color="black", back_color="white").get_image().convert("RGB")


def _mask_proxy(payment: PaymentQR) -> str:
    """Show a PromptPay ID as banks do on their cards: only the last digits."""
    proxy = payment.proxy or ""
    if payment.proxy_type == "phone":
        return f"xxx-xxx-{proxy[-4:]}"
    return "x" * (len(proxy) - 4) + proxy[-4:]


def _card_lines(payment: PaymentQR, payee: str, caption: str | None) -> list[tuple[str, int, Weight, tuple]]:
    lines: list[tuple[str, int, Weight, tuple]] = [(payee, 26, "Bold", NAVY)] if payee else []
    if payment.kind == "bill_payment":
        lines.append((f"รหัสอ้างอิง 1 (Ref.1): {payment.ref1}", 20, "Regular", GREY))
        if payment.ref2:
            lines.append((f"รหัสอ้างอิง 2 (Ref.2): {payment.ref2}", 20, "Regular", GREY))
    else:
        lines.append((f"พร้อมเพย์: {_mask_proxy(payment)}", 20, "Regular", GREY))
    if payment.amount is not None:
        lines.append((f"จำนวนเงิน {format_baht(payment.amount)}", 30, "Bold", (0, 0, 0)))
    else:
        lines.append(("ระบุจำนวนเงินในแอปธนาคาร", 22, "Regular", (0, 0, 0)))
    if caption:
        lines.append((caption, 20, "Regular", GREY))
    lines.append(("สแกนจ่ายได้ด้วยแอปธนาคารทุกธนาคาร", 18, "Regular", TEAL))
    return lines


def _centered(draw: ImageDraw.ImageDraw, y: int, text: str, font: ImageFont.FreeTypeFont, fill: tuple) -> int:
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    draw.text(((WIDTH - (right - left)) / 2 - left, y), text, font=font, fill=fill)
    return y + int(font.size * 1.45)


def render_payment_card(payload: str, *, payee: str, caption: str | None = None) -> Image.Image:
    """The card as a Pillow image; ``caption`` is a line such as the invoice number."""
    payment = read_payment(payload)
    code = qr_image(payload, box_size=1)
    # Whole pixels per module keep every module the same size, which scanners like.
    scale = (WIDTH - 2 * MARGIN - 60) // code.width
    code = code.resize((code.width * scale, code.height * scale), Image.Resampling.NEAREST)
    side = code.width
    lines = _card_lines(payment, payee, caption)
    band = 72
    height = band + 70 + side + 24 + sum(int(size * 1.45) for _, size, _, _ in lines) + 24
    card = Image.new("RGB", (WIDTH, height), "white")
    draw = ImageDraw.Draw(card)
    draw.rectangle((0, 0, WIDTH, band), fill=NAVY)
    _centered(draw, 14, "THAI QR PAYMENT", _font(32, "Bold"), (255, 255, 255))
    mark = "พร้อมเพย์ PromptPay" if payment.kind == "promptpay" else "ชำระบิล Bill Payment"
    mark_font = _font(22, "Bold")
    left, _, right, _ = draw.textbbox((0, 0), mark, font=mark_font)
    box = ((WIDTH - (right - left)) / 2 - 16, band + 14, (WIDTH + (right - left)) / 2 + 16, band + 56)
    draw.rounded_rectangle(box, radius=8, outline=NAVY, width=3)
    _centered(draw, band + 18, mark, mark_font, NAVY)
    top = band + 70
    card.paste(code, ((WIDTH - side) // 2, top))
    y = top + side + 24
    for text, size, weight, colour in lines:
        y = _centered(draw, y, text, _font(size, weight), colour)
    draw.rectangle((0, height - 8, WIDTH, height), fill=NAVY)
    return card


def payment_card_png(payload: str, *, payee: str, caption: str | None = None) -> bytes:
    buffer = io.BytesIO()
    render_payment_card(payload, payee=payee, caption=caption).save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()
