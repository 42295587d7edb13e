import io
import random
from decimal import Decimal

import pytest
from PIL import Image, ImageFilter

from services.payments.slip_reader import (
    MAX_PIXELS,
    MAX_SIDE,
    QROnlySlipVerifier,
    is_reused,
    read_slip_image,
    slip_key,
)
from services.payments.thaiqr import SlipQR, promptpay_payload
from tests.payments.pictures import encoded, png_header_only
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

def test_non_image_bombs_and_broken_images_are_refused():
    assert read_slip_image(b"%PDF-1.7 not an image").status == "not_an_image"
    assert read_slip_image(png(Image.new("1", (10000, 6000)))).status == "too_many_pixels"
    assert read_slip_image(png_header_only(30000, 30000)).status == "too_many_pixels"  # Pillow's own bomb limit
    assert read_slip_image(png_header_only(800, 1200)).status == "not_an_image"  # no pixel data
    truncated = png(slip_image())
    assert read_slip_image(truncated[: len(truncated) // 2]).status == "not_an_image"


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF", "WEBP", "ICO"])
def test_pictures_other_than_jpeg_and_png_are_refused_for_their_format(fmt):
    """Pillow would read these slips' QRs; the form promises JPG or PNG and only those decoders run."""
    picture = slip_image().resize((240, 366)) if fmt == "ICO" else slip_image()
    reading = read_slip_image(encoded(picture, fmt))
    assert (reading.status, reading.slip) == ("wrong_format", None)
    assert "JPG หรือ PNG" in reading.message
    assert read_slip_image(encoded(slip_image(), "JPEG")).status == "ok"


@pytest.mark.parametrize("width,height", [(2_000_000, 20), (65_536, 1), (40_000, 1_000), (10_001, 10),
                                          (20_000, 20_000), (7_300, 7_300)])
def test_sides_and_pixels_are_limited_from_the_header(width, height):
    """A side over MAX_SIDE or more than MAX_PIXELS is refused before decoding; zxing-cpp
    raised on sides over 65,535 and 40000x1000 took seconds and 600 MB."""
    reading = read_slip_image(png_header_only(width, height))
    assert reading.status == "too_many_pixels"
    assert "ความละเอียดสูงเกินไป" in reading.message


def test_a_40_kb_picture_two_million_pixels_wide_is_refused():
    wide = png(Image.new("1", (2_000_000, 20)))
    assert len(wide) < 50_000
    assert read_slip_image(wide).status == "too_many_pixels"


@pytest.mark.parametrize("width,height", [(MAX_SIDE, 20), (20, MAX_SIDE), (MAX_SIDE, 1199), (3, 3)])
def test_pictures_within_the_limits_are_never_enlarged_past_them(width, height):
    """Thin pictures are enlarged to find small QRs; 10000x20 was made 800000x1600 and zxing-cpp raised."""
    assert read_slip_image(png(Image.new("L", (width, height), 255))).status == "no_qr"


def test_a_slip_at_the_largest_allowed_size_is_read():
    big = slip_image().resize((MAX_PIXELS // MAX_SIDE, MAX_SIDE))
    reading = read_slip_image(encoded(big, "JPEG"))
    assert reading.status == "ok" and reading.slip == SlipQR("004", TRANS_REF)


def test_damaged_pictures_are_refused_never_raised():
    """Truncated and scribbled-over JPEGs and PNGs: every one gets an answer."""
    rng = random.Random(12)
    originals = [encoded(slip_image().resize((360, 550)), fmt) for fmt in ("PNG", "JPEG")]
    seen = set()
    for _ in range(300):
        data = bytearray(rng.choice(originals))
        if rng.random() < 0.3:
            data = data[:rng.randrange(len(data))]
        for _ in range(rng.randrange(1, 30)):
            data[rng.randrange(min(len(data), rng.choice((300, len(data)))))] = rng.randrange(256)
        seen.add(read_slip_image(bytes(data)).status)
    assert "not_an_image" in seen and seen <= {"ok", "no_qr", "not_a_slip_qr", "not_an_image", "too_many_pixels"}


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
