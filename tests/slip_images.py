"""Slip pictures as banking apps show them: the one slip the slip tests send, and a
seeded set in several banks' layouts (fonts, colours, labels, date formats, phone-photo
damage) that the OCR test and bench/slip_ocr.py measure the text reader on."""
from __future__ import annotations

import io
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import qrcode
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from services.payments.banks import bank_name
from services.payments.thaiqr import slip_payload
from thai.dates import BANGKOK, MONTHS_FULL, MONTHS_SHORT, be_year
from thai.fonts import thai_font
from thai.money import to_money

TRANS_REF = "015125103412ATF12345"
# What slip_image() prints, for the tests that check what the text reader makes of it.
SLIP_SENDER = "นาย ทดสอบ ใจดี"
SLIP_RECEIVER = "เทศบาลตำบลบ้านน้ำใส"
SLIP_ACCOUNT = "xxx-x-x1234-x"
SLIP_PAID_AT = datetime(2026, 12, 15, 14, 30, tzinfo=BANGKOK)


def slip_image(payload: str | None = slip_payload("004", TRANS_REF), amount: str = "350.00") -> Image.Image:
    """A receipt-like slip: text above, the bank's mini-QR below (none when ``payload`` is None)."""
    slip = Image.new("RGB", (720, 1100), (250, 250, 246))
    draw = ImageDraw.Draw(slip)
    font = ImageFont.truetype(str(thai_font("Bold")), 34, layout_engine=ImageFont.Layout.RAQM)
    small = ImageFont.truetype(str(thai_font()), 26, layout_engine=ImageFont.Layout.RAQM)
    draw.rectangle((0, 0, 720, 110), fill=(0, 140, 70))
    draw.text((40, 30), "โอนเงินสำเร็จ", font=font, fill="white")
    for i, line in enumerate([SLIP_SENDER, f"ธ.กสิกรไทย {SLIP_ACCOUNT}", f"ไปยัง {SLIP_RECEIVER}",
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


# ---------------------------------------------------------------- the generated set

_TLWG = Path("/usr/share/fonts/truetype/tlwg")
FONTS = ("Garuda", "Loma", "Kinnari", "Norasi", "Sawasdee", "Waree", "Umpush", "Laksaman")
_TITLES = ("นาย", "นาง", "น.ส.")
_FIRST = ("สมชาย", "สมหญิง", "วิไลวรรณ", "ประเสริฐ", "กิตติพงษ์", "มาลี", "สุนทร", "อรุณี", "ธนพล", "พรทิพย์",
          "ชัยวัฒน์", "บุญมี", "จันทร์เพ็ญ", "ณัฐวุฒิ", "ศิริพร", "วีระ")
_LAST = ("ใจดี", "รักไทย", "สุขสวัสดิ์", "ทองคำ", "ศรีสุข", "แก้วมณี", "บุญประเสริฐ", "พงษ์ไพบูลย์", "วงศ์ใหญ่",
         "มีสุข", "จันทร์หอม", "อินทร์แก้ว")
_PAYEES = ("เทศบาลตำบลบ้านน้ำใส", "กิจการประปา อบต.หนองบัว", "เทศบาลเมืองบ้านสวน", "สหกรณ์ออมทรัพย์ครูสุขใจ",
           "บจก. ศูนย์การค้าชุมชนสุขใจ")


@dataclass(frozen=True)
class Layout:
    """One bank app's slip: its colours, label words, date style and account mask
    (each x hides a digit, each 9 shows one)."""

    bank: str
    header: tuple[int, int, int]
    title: str
    date: Callable[[datetime], str]
    amount: Callable[[Decimal], tuple[str, str]]  # (label, value)
    sender_label: str
    receiver_label: str
    mask: str
    fee: bool = True


def _short(dt: datetime, *, year_digits: int = 2, sep: str = " ") -> str:
    year = be_year(dt.date()) % 100 if year_digits == 2 else be_year(dt.date())
    return f"{dt.day} {MONTHS_SHORT[dt.month - 1]} {year:0{year_digits}d}{sep}{dt:%H:%M}"


LAYOUTS = (
    Layout("004", (0, 150, 70), "โอนเงินสำเร็จ", lambda d: f"{_short(d)} น.",
           lambda a: ("จำนวน:", f"{a:,.2f} บาท"), "", "", "xxx-x-x9999-x"),
    Layout("014", (78, 42, 132), "โอนเงินสำเร็จ", lambda d: _short(d, year_digits=4, sep=" - "),
           lambda a: ("จำนวนเงิน", f"{a:,.2f}"), "จาก", "ไปยัง", "xxx-xxx999-9"),
    Layout("006", (0, 160, 225), "ทำรายการสำเร็จ", lambda d: f"วันที่ทำรายการ {_short(d, year_digits=4)}:{d:%S}",
           lambda a: ("จำนวนเงิน", f"{a:,.2f} บาท"), "ผู้โอน", "ผู้รับเงิน", "xxx-x-xx999-9"),
    Layout("002", (30, 40, 140), "โอนเงินสำเร็จ",
           lambda d: f"{d.day:02d}/{d.month:02d}/{be_year(d.date())} {d:%H:%M}",
           lambda a: ("จำนวนเงิน", f"฿ {a:,.2f}"), "จาก", "ไปที่", "xxx-x-x9999-x"),
    Layout("025", (255, 205, 0), "ทำรายการสำเร็จ",
           lambda d: f"วันที่ {d.day} {MONTHS_FULL[d.month - 1]} {be_year(d.date())} เวลา {d:%H:%M} น.",
           lambda a: ("ยอดเงิน", f"{a:,.2f} บาท"), "จาก", "ไปยัง", "xxx-x-x9999-x", fee=False),
    Layout("030", (235, 20, 140), "โอนเงินสำเร็จ",
           lambda d: f"{d.day:02d}/{d.month:02d}/{be_year(d.date()) % 100:02d} {d:%H:%M} น.",
           lambda a: ("จำนวนเงิน", f"฿{a:,.2f}"), "ผู้โอน", "ผู้รับ", "xxxx-xxxx-9999"),
)


@dataclass(frozen=True)
class GeneratedSlip:
    """A slip picture and what it says, to score a reader against."""

    bank: str
    font: str
    photo: bool
    amount: Decimal
    paid_at: datetime
    sender: str
    receiver: str
    account: str  # the receiving account as printed
    data: bytes  # JPEG


def _apply_mask(mask: str, digits: str) -> str:
    """``digits`` laid into ``mask``: a 9 shows its digit, an x hides it."""
    out, it = [], iter(digits)
    for c in mask:
        if c in "x9":
            digit = next(it)
            out.append(digit if c == "9" else "x")
        else:
            out.append(c)
    return "".join(out)


def _font(name: str, size: int, *, bold: bool = False) -> ImageFont.FreeTypeFont:
    path = _TLWG / f"{name}{'-Bold' if bold else ''}.ttf"
    return ImageFont.truetype(str(path), size, layout_engine=ImageFont.Layout.RAQM)


def _draw_slip(layout: Layout, rng: random.Random, font: str, *, amount: Decimal, paid_at: datetime,
               sender: str, receiver: str, sender_account: str, account: str) -> Image.Image:
    width = rng.choice((720, 1080))
    scale = width / 720
    height = int(1280 * scale)
    slip = Image.new("RGB", (width, height), (255, 255, 255) if rng.random() < 0.5 else (246, 248, 250))
    draw = ImageDraw.Draw(slip)
    size = int(rng.randint(26, 30) * scale)
    body, bold = _font(font, size), _font(font, size, bold=True)
    title = _font(font, int(38 * scale), bold=True)
    dark = (255, 255, 255) if sum(layout.header) < 500 else (40, 40, 40)
    draw.rectangle((0, 0, width, int(120 * scale)), fill=layout.header)
    draw.text((int(40 * scale), int(36 * scale)), layout.title, font=title, fill=dark)
    x, right, y, step = int(40 * scale), int(680 * scale), int(160 * scale), int(size * 1.9)
    grey, ink = (110, 110, 110), (30, 30, 30)

    def line(text: str, *, font_: ImageFont.FreeTypeFont = body, fill: tuple[int, int, int] = ink,
             value: str | None = None) -> None:
        nonlocal y
        draw.text((x, y), text, font=font_, fill=fill)
        if value is not None:
            draw.text((right, y), value, font=bold, fill=ink, anchor="ra")
        y += step

    line(layout.date(paid_at), fill=grey)
    y += step // 3
    if layout.sender_label:
        line(layout.sender_label, fill=grey)
    line(sender, font_=bold)
    line(f"{('ธ.' + bank_name(layout.bank).removeprefix('ธนาคาร'))} {sender_account}", fill=grey)
    y += step // 3
    if layout.receiver_label:
        line(layout.receiver_label, fill=grey)
    else:
        line("↓", fill=grey)
    line(receiver, font_=bold)
    line(account, fill=grey)
    y += step // 3
    draw.line((x, y, right, y), fill=(220, 220, 220), width=2)
    y += step // 2
    label, value = layout.amount(amount)
    line(label, fill=grey, value=value)
    if layout.fee:
        line("ค่าธรรมเนียม", fill=grey, value="0.00 บาท")
    line("เลขที่รายการ", fill=grey, value=f"{rng.randrange(10**15):015d}")
    trans_ref = "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(20))
    code = qrcode.make(slip_payload(layout.bank, trans_ref), box_size=int(5 * scale), border=2).get_image()
    slip.paste(code.convert("RGB"), (width - code.width - x, height - code.height - x))
    return slip


def _photographed(slip: Image.Image, rng: random.Random) -> Image.Image:
    """As a phone camera sees a printed or on-screen slip: a little turned, on a
    background, smaller, soft and noisy."""
    background = tuple(rng.randint(90, 200) for _ in range(3))
    turned = slip.rotate(rng.uniform(-3, 3), resample=Image.Resampling.BICUBIC, expand=True,
                         fillcolor=background)  # type: ignore[arg-type]
    pad = rng.randint(20, 80)
    photo = Image.new("RGB", (turned.width + 2 * pad, turned.height + 2 * pad), background)  # type: ignore[arg-type]
    photo.paste(turned, (pad, pad))
    shrink = rng.uniform(0.75, 1.0)
    photo = photo.resize((int(photo.width * shrink), int(photo.height * shrink)), Image.Resampling.BILINEAR)
    photo = photo.filter(ImageFilter.GaussianBlur(rng.uniform(0.4, 1.2)))
    light = Image.linear_gradient("L").resize(photo.size).point(lambda v: int(v * rng.uniform(0.1, 0.3)))
    photo = Image.composite(Image.new("RGB", photo.size, (0, 0, 0)), photo, light)
    noise = Image.frombytes("L", photo.size, rng.randbytes(photo.width * photo.height)).convert("RGB")
    return Image.blend(photo, noise, rng.uniform(0.04, 0.1))


def generated_slips(count: int, *, seed: int = 2569, photo_share: float = 0.5) -> Iterator[GeneratedSlip]:
    """``count`` slips, round-robin over ``LAYOUTS``, each in a random font of ``FONTS``;
    about ``photo_share`` of them photographed, the rest clean screenshots. Every slip is
    JPEG, as LINE sends pictures."""
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=BANGKOK)
    for n in range(count):
        layout = LAYOUTS[n % len(LAYOUTS)]
        font = rng.choice(FONTS)
        amount = to_money(Decimal(rng.choice((rng.randrange(5_000, 100_000), rng.randrange(100_000, 5_000_000)))) / 100)
        paid_at = start + timedelta(days=rng.randrange(365), minutes=rng.randrange(24 * 60), seconds=rng.randrange(60))
        sender = f"{rng.choice(_TITLES)} {rng.choice(_FIRST)} {rng.choice(_LAST)}"
        receiver = rng.choice(_PAYEES)
        account = _apply_mask(layout.mask, "".join(rng.choice("0123456789") for _ in layout.mask))
        sender_account = _apply_mask("xxx-x-x9999-x", "".join(rng.choice("0123456789") for _ in range(13)))
        image = _draw_slip(layout, rng, font, amount=amount, paid_at=paid_at, sender=sender, receiver=receiver,
                           sender_account=sender_account, account=account)
        photo = rng.random() < photo_share
        if photo:
            image = _photographed(image, rng)
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=rng.randint(60, 90) if photo else rng.randint(85, 95))
        yield GeneratedSlip(layout.bank, font, photo, amount, paid_at.replace(second=0), sender, receiver, account,
                            buffer.getvalue())
