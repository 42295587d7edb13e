"""Transfer slips: read the bank's mini-QR from a slip photo, tell a reused slip,
and the verifier interface a bank's slip-verification API can plug into.

The mini-QR proves which bank sent the transfer and its transaction reference;
it carries no amount, so a QR-only check leaves the amount for staff to confirm.
"""
from __future__ import annotations

import io
import math
from collections.abc import Callable, Container, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal, Protocol

import zxingcpp
from PIL import Image, ImageOps, UnidentifiedImageError

from services.payments.banks import bank_name
from services.payments.thaiqr import SlipQR, ThaiQRError, read_slip

# A slip is a phone photo (JPEG) or a banking app's screenshot (PNG). The format is
# told from the first bytes, never from the file's name or the declared type, and only
# these decoders ever run on what a resident sends.
_SIGNATURES = {b"\xff\xd8\xff": "JPEG", b"\x89PNG\r\n\x1a\n": "PNG"}

# Checked from the header, before any pixel is decoded. A phone photo is 12 to 50
# megapixels (8192 x 6144 at most; the 108 and 200 MP modes of a few phones make files
# over the 10 MB upload limit anyway) and a screenshot a few megapixels, so no real slip
# passes either limit. Beyond them a picture costs seconds and hundreds of MB to scan,
# and zxing-cpp refuses any side over 65,535 px: a 40 KB PNG of 2,000,000 x 20 is a bomb
# that counting pixels alone lets through.
MAX_SIDE = 10_000
MAX_PIXELS = 52_000_000

NO_QR = "ไม่พบ QR บนสลิป กรุณาส่งภาพสลิปที่เห็น QR ชัดเจนทั้งรูป"
NOT_A_SLIP_QR = "QR ในภาพไม่ใช่ QR ของสลิปโอนเงิน กรุณาส่งภาพสลิปจากแอปธนาคาร"
NOT_AN_IMAGE = "ไฟล์นี้เปิดเป็นรูปภาพไม่ได้ อาจเสียหรือส่งมาไม่ครบ กรุณาส่งภาพสลิปอีกครั้ง"
WRONG_FORMAT = "รับเฉพาะรูปภาพ JPG หรือ PNG กรุณาส่งภาพสลิปเป็นไฟล์ JPG หรือ PNG"
TOO_MANY_PIXELS = "ภาพมีความละเอียดสูงเกินไป กรุณาแคปหน้าจอสลิป หรือย่อภาพแล้วส่งใหม่"
REUSED = "สลิปนี้เคยถูกส่งมาแล้ว ไม่สามารถใช้ซ้ำได้"
QR_ONLY_REVIEW = "อ่าน QR บนสลิปได้แล้ว เจ้าหน้าที่จะตรวจยอดเงินและแจ้งผลให้ทราบ"

_QR_ONLY = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)

# The pictures refused before their QR is looked for; each has its own wording for the resident.
PictureRefusal = Literal["wrong_format", "too_many_pixels", "not_an_image"]
ReadStatus = Literal["ok", "no_qr", "not_a_slip_qr", PictureRefusal]
_REFUSALS: dict[str, str] = {"wrong_format": WRONG_FORMAT, "too_many_pixels": TOO_MANY_PIXELS,
                             "not_an_image": NOT_AN_IMAGE}


@dataclass(frozen=True)
class SlipReading:
    status: ReadStatus
    message: str  # Thai, ready to show the resident
    slip: SlipQR | None = None
    payload: str | None = None  # the mini-QR text as read, kept as evidence

    @property
    def bank_name(self) -> str | None:
        return bank_name(self.slip.sending_bank) if self.slip else None


def slip_key(slip: SlipQR) -> str:
    """Identity of a transfer: the same bank never reuses a transaction ref."""
    return f"{slip.sending_bank}:{slip.trans_ref}"


def is_reused(slip: SlipQR, seen: Container[str] | Callable[[str], bool]) -> bool:
    """True when this slip's transfer was already accepted; ``seen`` is a set of
    slip keys or a lookup function (e.g. a database query)."""
    key = slip_key(slip)
    return seen(key) if callable(seen) else key in seen


def _variants(grey: Image.Image) -> Iterator[tuple[Image.Image, zxingcpp.Binarizer]]:
    """Cheapest first: most slips read on the first try; washed-out photos need
    contrast stretching, tiny or blurred ones also enlarging."""
    yield grey, zxingcpp.Binarizer.LocalAverage
    stretched = ImageOps.autocontrast(grey, cutoff=1)
    yield stretched, zxingcpp.Binarizer.GlobalHistogram
    if min(grey.size) < 1200:
        # Never enlarged past the limits a sent picture is held to.
        factor = min(max(2, 1600 // max(1, min(grey.size))), MAX_SIDE // max(grey.size),
                     math.isqrt(MAX_PIXELS // (grey.width * grey.height)))
        if factor >= 2:
            yield (stretched.resize((grey.width * factor, grey.height * factor), Image.Resampling.LANCZOS),
                   zxingcpp.Binarizer.LocalAverage)


def picture_format(data: bytes) -> str | None:
    """"JPEG" or "PNG" as the first bytes say, or None for anything else."""
    return next((name for signature, name in _SIGNATURES.items() if data.startswith(signature)), None)


def _refused(reason: PictureRefusal) -> SlipReading:
    return SlipReading(reason, _REFUSALS[reason])


def _is_other_picture(data: bytes) -> bool:
    """Whether Pillow knows ``data`` as some picture (GIF, WebP...): such a file is
    refused for its format, not as unreadable. Only the header is read."""
    try:
        Image.open(io.BytesIO(data)).close()
    except Image.DecompressionBombError:
        return True
    except Exception:  # noqa: BLE001 - any plugin's complaint means: not a picture we could name
        return False
    return True


def open_slip_picture(data: bytes | Image.Image) -> Image.Image | SlipReading:
    """The picture upright and grey, or the refusal; also opens it for the text reader."""
    if isinstance(data, Image.Image):
        image = data
    else:
        kind = picture_format(data)
        if kind is None:
            return _refused("wrong_format" if _is_other_picture(data) else "not_an_image")
        try:
            image = Image.open(io.BytesIO(data), formats=[kind])  # reads the header only
        except Image.DecompressionBombError:  # Pillow's own limit, far above ours
            return _refused("too_many_pixels")
        except (UnidentifiedImageError, OSError, ValueError):
            return _refused("not_an_image")
    if max(image.size) > MAX_SIDE or image.width * image.height > MAX_PIXELS:
        return _refused("too_many_pixels")
    if not image.width or not image.height:
        return _refused("not_an_image")
    if image.format == "JPEG":
        image.draft("L", image.size)  # the QR is looked for in grey: decoded so, a third of the memory
    try:
        image.load()
    except (OSError, ValueError, SyntaxError, EOFError):  # truncated or corrupt pixel data
        return _refused("not_an_image")
    # Grey at once, so the colour picture is freed before the scanning begins.
    return ImageOps.exif_transpose(image if image.mode == "L" else image.convert("L"))


def read_slip_image(data: bytes | Image.Image) -> SlipReading:
    """Find the slip mini-QR in a photo or screenshot of a transfer slip."""
    opened = open_slip_picture(data)
    if isinstance(opened, SlipReading):
        return opened
    found_other_qr = False
    for variant, binarizer in _variants(opened):
        for barcode in zxingcpp.read_barcodes(variant, formats=_QR_ONLY, binarizer=binarizer):
            try:
                return SlipReading("ok", "อ่าน QR บนสลิปได้แล้ว", read_slip(barcode.text), barcode.text)
            except ThaiQRError:
                found_other_qr = True
        if found_other_qr:
            break
    return SlipReading("not_a_slip_qr", NOT_A_SLIP_QR) if found_other_qr else SlipReading("no_qr", NO_QR)


Verdict = Literal["verified", "needs_review", "rejected"]


@dataclass(frozen=True)
class SlipVerdict:
    verdict: Verdict
    message: str  # Thai, ready to show the resident
    reading: SlipReading
    amount: Decimal | None = None  # known only when a bank confirmed the transfer
    details: dict[str, str] = field(default_factory=dict)


class SlipVerifier(Protocol):
    """Decides what a slip proves. A bank slip-verification API implements this
    too and can then confirm amount, payee and time."""

    def verify(self, image: bytes | Image.Image, *, expected_amount: Decimal | None = None) -> SlipVerdict: ...


class QROnlySlipVerifier:
    """Reads the mini-QR and refuses reused slips; the amount goes to staff review
    because the QR does not carry it."""

    def __init__(self, seen: Container[str] | Callable[[str], bool]) -> None:
        self._seen = seen

    def verify(self, image: bytes | Image.Image, *, expected_amount: Decimal | None = None) -> SlipVerdict:
        reading = read_slip_image(image)
        if reading.slip is None:
            return SlipVerdict("rejected", reading.message, reading)
        if is_reused(reading.slip, self._seen):
            return SlipVerdict("rejected", REUSED, reading)
        details = {"sending_bank": reading.slip.sending_bank, "trans_ref": reading.slip.trans_ref}
        if expected_amount is not None:
            details["expected_amount"] = f"{expected_amount:.2f}"
        return SlipVerdict("needs_review", QR_ONLY_REVIEW, reading, details=details)
