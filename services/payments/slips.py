"""Transfer slips: read the bank's mini-QR from a slip photo, tell a reused slip,
and the verifier interface a bank's slip-verification API can plug into.

The mini-QR proves which bank sent the transfer and its transaction reference;
it carries no amount, so a QR-only check leaves the amount for staff to confirm.
"""
from __future__ import annotations

import io
from collections.abc import Callable, Container, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal, Protocol

import zxingcpp
from PIL import Image, ImageOps, UnidentifiedImageError

from services.payments.banks import bank_name
from services.payments.thaiqr import SlipQR, ThaiQRError, read_slip

# A slip photo is a few megapixels; anything far larger is a decompression bomb.
MAX_PIXELS = 40_000_000

NO_QR = "ไม่พบ QR บนสลิป กรุณาส่งภาพสลิปที่เห็น QR ชัดเจนทั้งรูป"
NOT_A_SLIP_QR = "QR ในภาพไม่ใช่ QR ของสลิปโอนเงิน กรุณาส่งภาพสลิปจากแอปธนาคาร"
NOT_AN_IMAGE = "ไม่สามารถเปิดไฟล์นี้เป็นรูปภาพได้ กรุณาส่งภาพสลิปเป็นไฟล์ JPG หรือ PNG "
TOO_LARGE = "ภาพมีขนาดใหญ่เกินไป กรุณาส่งภาพสลิปขนาดปกติ"
REUSED = "สลิปนี้เคยถูกส่งมาแล้ว ไม่สามารถใช้ซ้ำได้"
QR_ONLY_REVIEW = "อ่าน QR บนสลิปได้แล้ว เจ้าหน้าที่จะตรวจยอดเงินและแจ้งผลให้ทราบ"

_QR_ONLY = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)

ReadStatus = Literal["ok", "no_qr", "not_a_slip_qr", "not_an_image", "too_large"]


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


def _variants(image: Image.Image) -> Iterator[tuple[Image.Image, zxingcpp.Binarizer]]:
    """Cheapest first: most slips read on the first try; washed-out photos need
    contrast stretching, tiny or blurred ones also enlarging."""
    grey = image.convert("L")
    yield grey, zxingcpp.Binarizer.LocalAverage
    stretched = ImageOps.autocontrast(grey, cutoff=1)
    yield stretched, zxingcpp.Binarizer.GlobalHistogram
    if min(grey.size) < 1200:
        factor = max(2, 1600 // max(1, min(grey.size)))
        yield (stretched.resize((grey.width * factor, grey.height * factor), Image.Resampling.LANCZOS),
               zxingcpp.Binarizer.LocalAverage)


def _open(data: bytes | Image.Image) -> Image.Image | SlipReading:
    if isinstance(data, Image.Image):
        image = data
    else:
        try:
            image = Image.open(io.BytesIO(data))  # reads the header only
        except Image.DecompressionBombError:
            return SlipReading("too_large", TOO_LARGE)
        except (UnidentifiedImageError, OSError):
            return SlipReading("not_an_image", NOT_AN_IMAGE)
    if image.width * image.height > MAX_PIXELS:
        return SlipReading("too_large", TOO_LARGE)
    try:
        image.load()
    except OSError:  # truncated or corrupt pixel data
        return SlipReading("not_an_image", NOT_AN_IMAGE)
    return ImageOps.exif_transpose(image)


def read_slip_image(data: bytes | Image.Image) -> SlipReading:
    """Find the slip mini-QR in a photo or screenshot of a transfer slip."""
    opened = _open(data)
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
