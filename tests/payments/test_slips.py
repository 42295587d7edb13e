import io
import struct
import zlib
from decimal import Decimal

import pytest
from PIL import Image, ImageFilter

from services.payments.slips import QROnlySlipVerifier, is_reused, read_slip_image, slip_key
from services.payments.thaiqr import SlipQR, promptpay_payload, slip_payload
from tests.slip_images import TRANS_REF, png, slip_image

def _low_contrast(image: Image.Image) -> Image.Image:
    return image.convert("L").point(lambda v: 120 + v * 40 // 255)

@pytest.mark.parametrize("transform", [
    lambda im: im,
    lambda im: im.rotate(90, expand=True),
    lambda im: im.rotate(180),
    lambda im: im.rotate(17, expand=True, fillcolor="white"),
    lambda im: im.resize((im.width * 2 // 5, im.height * 2 // 5), Image.Resampling.LANCZOS),
    _low_contrast,
    lambda im: _low_contrast(im.resize((im.width // 2, im.height // 2), Image.Resampling.LANCZOS)),
    lambda im: im.convert("RGB").save(buf := io.BytesIO(), "JPEG", quality=45) or Image.open(buf),
    # These three need the retries: contrast stretching, then enlarging.
    lambda im: im.convert("L").point(lambda v: 130 + v * 12 // 255),
    lambda im: im.resize((im.width // 5, im.height // 5), Image.Resampling.LANCZOS),
    lambda im: im.resize((im.width // 3, im.height // 3), Image.Resampling.LANCZOS).filter(ImageFilter.GaussianBlur(1)),
], ids=["upright", "rotated-90", "upside-down", "tilted-17", "small", "low-contrast", "small-low-contrast", "jpeg",
        "twelve-grey-levels", "tiny", "small-blurred"])
def test_reads_bank_and_reference_from_slip_photos(transform):
    reading = read_slip_image(png(transform(slip_image())))
    assert reading.status == "ok", reading.message
    assert reading.slip == SlipQR("004", TRANS_REF)
    assert reading.bank_name == "ธนาคารกสิกรไทย"

def test_slip_without_qr_says_so_in_thai():
    reading = read_slip_image(png(slip_image(payload=None)))
    assert (reading.status, reading.slip) == ("no_qr", None)
    assert "ไม่พบ QR บนสลิป" in reading.message

def test_payment_qr_is_not_a_slip():
    reading = read_slip_image(png(slip_image(payload=promptpay_payload("0812345678", "350"))))
    assert reading.status == "not_a_slip_qr"
    assert "ไม่ใช่ QR ของสลิป" in reading.message

def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims a size but carries no pixels: what a decompression bomb looks like at first."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)) + \
        chunk(b"IEND", b"")

def test_non_image_bombs_and_broken_images_are_refused():
    assert read_slip_image(b"%PDF-1.7 not an image").status == "not_an_image"
    assert read_slip_image(png(Image.new("1", (8000, 6000)))).status == "too_large"
    assert read_slip_image(_png_header_only(30000, 30000)).status == "too_large"  # Pillow's own bomb limit
    assert read_slip_image(_png_header_only(800, 1200)).status == "not_an_image"  # no pixel data
    truncated = png(slip_image())
    assert read_slip_image(truncated[: len(truncated) // 2]).status == "not_an_image"

def test_reused_slip_is_detected_by_transaction_ref():
    slip = SlipQR("004", TRANS_REF)
    assert is_reused(slip, {slip_key(slip)})
    assert not is_reused(SlipQR("014", TRANS_REF), {slip_key(slip)})
    assert is_reused(slip, lambda key: key == "004:" + TRANS_REF)

def test_qr_only_verifier():
    accepted: set[str] = set()
    verifier = QROnlySlipVerifier(accepted)
    first = verifier.verify(png(slip_image()), expected_amount=Decimal("350.00"))
    assert first.verdict == "needs_review"  # the QR carries no amount: staff confirm it
    assert first.details == {"sending_bank": "004", "trans_ref": TRANS_REF, "expected_amount": "350.00"}
    accepted.add(slip_key(first.reading.slip))
    again = verifier.verify(png(slip_image().rotate(90, expand=True)))
    assert again.verdict == "rejected"
    assert "เคยถูกส่งมาแล้ว" in again.message
    missing = verifier.verify(png(slip_image(payload=None)))
    assert (missing.verdict, missing.reading.status) == ("rejected", "no_qr")
