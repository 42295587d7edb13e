import io
import json

import pytest
import zxingcpp
from click.testing import CliRunner
from PIL import Image

from services.payments.cli import qr_cli
from services.payments.qrimage import payment_card_png
from services.payments.signing import SignatureError, sign_url, verify
from services.payments.thaiqr import bill_payment_payload, parse_payload, promptpay_payload

BILL = bill_payment_payload("012345678901200", "INV2569000123", "256912", "1234.50")


def test_parse_shows_thai_and_english_labels():
    result = CliRunner().invoke(qr_cli, ["parse", BILL])
    assert result.exit_code == 0, result.output
    assert "รหัสอ้างอิง 1 / Ref.1" in result.output and "INV2569000123" in result.output
    assert "1,234.50 บาท" in result.output and "ถูกต้อง (valid)" in result.output


def test_parse_json_and_errors():
    result = CliRunner().invoke(qr_cli, ["parse", "--json", BILL])
    data = json.loads(result.output)
    assert data["valid"] is True and data["tlv"] == parse_payload(BILL)
    bad = CliRunner().invoke(qr_cli, ["parse", "--json", BILL[:-4] + "0000"])
    assert bad.exit_code == 1 and json.loads(bad.output)["code"] == "bad_crc"
    plain = CliRunner().invoke(qr_cli, ["parse", "nonsense"])
    assert plain.exit_code == 1 and "QR ไม่ถูกต้อง" in plain.output


def test_build_prints_payload_and_writes_a_scannable_png(tmp_path):
    png = tmp_path / "qr.png"
    result = CliRunner().invoke(qr_cli, ["build", "--biller", "012345678901200", "--ref1", "INV2569000123",
                                         "--amount", "1234.50", "--payee", "เทศบาลตำบลบ้านน้ำใส", "--png", str(png)])
    assert result.exit_code == 0, result.output
    payload = result.stdout.strip().splitlines()[0]
    assert parse_payload(payload)["30"]["02"] == "INV2569000123"
    assert zxingcpp.read_barcodes(Image.open(png))[0].text == payload


@pytest.mark.parametrize("args,message", [
    (["build"], "exactly one"),
    (["build", "--promptpay", "0812345678", "--ref1", "A"], "--biller"),
    (["build", "--biller", "012345678901200"], "--ref1"),
    (["build", "--promptpay", "0812345678", "--amount", "0"], "more than 0"),
])
def test_build_refuses_bad_input(args, message, tmp_path):
    result = CliRunner().invoke(qr_cli, [*args, "--png", str(tmp_path / "x.png")])
    assert result.exit_code != 0 and message in result.output
    assert not (tmp_path / "x.png").exists()


def test_card_has_the_navy_band_and_a_readable_code():
    payload = promptpay_payload("0812345678", "99")
    card = Image.open(io.BytesIO(payment_card_png(payload, payee="ร้านค้าชุมชน", caption="ค่าขยะ ธ.ค. 2569")))
    assert card.getpixel((5, 5)) == (17, 53, 102)
    assert zxingcpp.read_barcodes(card)[0].text == payload


def test_signed_urls_expire_and_cannot_be_edited():
    url = sign_url("https://bot.example/qr/INV-2569-000123.png?size=l", secret="s3cret", expires_in=600, now=1000)
    assert verify(url, secret="s3cret", now=1500) == {"size": "l"}
    with pytest.raises(SignatureError, match="expired"):
        verify(url, secret="s3cret", now=1601)
    with pytest.raises(SignatureError, match="does not match"):
        verify(url.replace("000123", "000124"), secret="s3cret", now=1500)
    with pytest.raises(SignatureError, match="does not match"):
        verify(url.replace("exp=1600", "exp=9999"), secret="s3cret", now=1500)
    with pytest.raises(SignatureError, match="does not match"):
        verify(url, secret="other", now=1500)
    with pytest.raises(SignatureError, match="no signature"):
        verify("/qr/a.png", secret="s3cret")
    assert verify(sign_url("/r/1.pdf", secret=b"k"), secret=b"k") == {}
