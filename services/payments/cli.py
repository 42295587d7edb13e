"""Operator commands for Thai QR: ``smartservice qr parse`` and ``smartservice qr build``."""
from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import click

from services.payments.banks import bank_name, bank_short
from services.payments.qrimage import payment_card_png
from services.payments.thaiqr import (
    ThaiQRError,
    TLVTree,
    bill_payment_payload,
    parse_payload,
    promptpay_payload,
    read_payment,
    read_slip,
)
from thai.money import format_baht

_PROXY_LABELS = {"phone": "เบอร์โทรศัพท์ (phone)", "national_id": "เลขประจำตัวประชาชน/ผู้เสียภาษี (national/tax ID)",
                 "ewallet": "e-Wallet ID", "bank_account": "เลขบัญชี (bank account)"}


def describe(payload: str) -> list[tuple[str, str]]:
    """(label, value) pairs an operator reads to check a QR before printing it."""
    tree = parse_payload(payload)
    if "91" in tree:
        slip = read_slip(payload)
        return [("ชนิด / Kind", "QR บนสลิปโอนเงิน (slip mini-QR)"),
                ("ธนาคารผู้โอน / Sending bank",
                 f"{slip.sending_bank} {bank_name(slip.sending_bank)} ({bank_short(slip.sending_bank)})"),
                ("เลขอ้างอิงรายการ / Transaction ref", slip.trans_ref),
                ("CRC", f"{tree['91']} ถูกต้อง (valid)")]
    payment = read_payment(payload)
    rows = []
    if payment.kind == "bill_payment":
        rows += [("ชนิด / Kind", "ชำระบิล (bill payment, tag 30)"), ("รหัสผู้ให้บริการ / Biller ID", payment.biller_id or ""),
                 ("รหัสอ้างอิง 1 / Ref.1", payment.ref1 or "")]
        if payment.ref2:
            rows.append(("รหัสอ้างอิง 2 / Ref.2", payment.ref2))
    else:
        rows += [("ชนิด / Kind", "พร้อมเพย์ (PromptPay credit transfer, tag 29)"),
                 ("ประเภทผู้รับ / Proxy type", _PROXY_LABELS[payment.proxy_type or "phone"]),
                 ("ผู้รับเงิน / Proxy", payment.proxy or "")]
        if not payment.id_checksum_ok:
            rows.append(("คำเตือน / Warning", "เลขตรวจสอบหลักสุดท้ายไม่ถูกต้อง (check digit is wrong)"))
    rows.append(("จำนวนเงิน / Amount",
                 format_baht(payment.amount) if payment.amount is not None else "ผู้จ่ายระบุเอง (payer enters)"))
    rows.append(("รูปแบบ / Initiation", "ใช้ครั้งเดียว (dynamic, 12)" if payment.dynamic else "ใช้ซ้ำได้ (static, 11)"))
    rows.append(("CRC", f"{tree['63']} ถูกต้อง (valid)"))
    return rows


def _display_width(text: str) -> int:
    """Columns on a terminal: Thai vowel and tone marks sit on the letter before them."""
    return sum(1 for ch in text if unicodedata.category(ch) != "Mn")


def _tlv_lines(tree: TLVTree, indent: str = "  ") -> list[str]:
    lines = []
    for tag, value in tree.items():
        if isinstance(value, dict):
            lines.append(f"{indent}{tag}:")
            lines.extend(_tlv_lines(value, indent + "  "))
        else:
            lines.append(f"{indent}{tag}: {value}")
    return lines


@click.group("qr", help="Thai QR payment: parse and build payloads / ตรวจและสร้าง QR รับเงิน")
def qr_cli() -> None:
    pass


@qr_cli.command("parse")
@click.argument("payload")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (fields and the TLV tree).")
def parse_command(payload: str, as_json: bool) -> None:
    """Check PAYLOAD (CRC, structure, fields) and show what it does."""
    try:
        rows = describe(payload)
        tree = parse_payload(payload)
    except ThaiQRError as exc:
        if as_json:
            click.echo(json.dumps({"valid": False, "code": exc.code, "field": exc.field, "error": str(exc)},
                                  ensure_ascii=False))
            raise SystemExit(1) from exc
        raise click.ClickException(f"QR ไม่ถูกต้อง (invalid, {exc.code}): {exc}") from exc
    if as_json:
        click.echo(json.dumps({"valid": True, "fields": dict(rows), "tlv": tree}, ensure_ascii=False, indent=1))
        return
    width = max(_display_width(label) for label, _ in rows)
    for label, value in rows:
        click.echo(f"{label}{' ' * (width - _display_width(label))}  {value}")
    click.echo("TLV:")
    click.echo("\n".join(_tlv_lines(tree)))


@qr_cli.command("build")
@click.option("--promptpay", "target", help="PromptPay ID: phone, 13-digit ID or 15-digit e-wallet.")
@click.option("--biller", "biller_id", help="15-digit biller ID (bill payment).")
@click.option("--ref1", help="Ref.1 for bill payment (A-Z, 0-9, up to 20).")
@click.option("--ref2", help="Ref.2 for bill payment (optional).")
@click.option("--amount", help="Amount in baht, e.g. 1234.50; omit for a static QR.")
@click.option("--payee", default="", help="Payee name printed under the QR.")
@click.option("--caption", default=None, help="Extra line under the amount, e.g. the invoice number.")
@click.option("--png", "png_path", type=click.Path(dir_okay=False, path_type=Path), default=Path("thai-qr.png"),
              show_default=True, help="Where to write the QR card image.")
def build_command(target: str | None, biller_id: str | None, ref1: str | None, ref2: str | None,
                  amount: str | None, payee: str, caption: str | None, png_path: Path) -> None:
    """Print a Thai QR payload and write it as a PNG card."""
    if bool(target) == bool(biller_id):
        raise click.UsageError("give exactly one of --promptpay or --biller")
    try:
        if target:
            if ref1 or ref2:
                raise click.UsageError("--ref1/--ref2 belong to --biller (bill payment)")
            payload = promptpay_payload(target, amount)
        else:
            if not ref1:
                raise click.UsageError("--biller needs --ref1")
            payload = bill_payment_payload(biller_id or "", ref1, ref2, amount)
    except ThaiQRError as exc:
        raise click.ClickException(f"สร้าง QR ไม่ได้ (cannot build): {exc}") from exc
    png_path.write_bytes(payment_card_png(payload, payee=payee, caption=caption))
    click.echo(payload)
    click.echo(f"PNG: {png_path}", err=True)
