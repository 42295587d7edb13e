"""Thai QR payment payloads (EMVCo merchant-presented QR as the Bank of Thailand
profiles it) and the mini-QR printed on transfer slips.

Builders emit tags in ascending order; the parser accepts any order, because
public implementations differ, and checks the CRC, the TLV structure and the
fields a Thai QR must carry. Every problem is a ``ThaiQRError`` naming the tag
path (``29.01``) and a machine-readable ``code``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal, Union

from stdnum.th import tin

from thai.money import to_money

TLVTree = dict[str, Union[str, "TLVTree"]]

PROMPTPAY_AID = "A000000677010111"
BILL_PAYMENT_AID = "A000000677010112"
SLIP_API_ID = "000001"
MAX_AMOUNT = Decimal("9999999.99")

# Merchant account templates (26-51), additional data (62), language (64) and the
# unreserved templates (80-99) hold nested TLV in a merchant-presented QR.
_NESTED_MERCHANT = {f"{t:02d}" for t in (*range(26, 52), 62, 64, *range(80, 100))}
_REF = re.compile(r"[A-Z0-9]{1,20}")
# Bank-issued QRs and slips carry refs in mixed case; only our builder is strict.
_REF_PARSED = re.compile(r"[A-Za-z0-9]{1,20}")
_AMOUNT_TEXT = re.compile(r"[0-9]{1,7}(\.[0-9]{1,2})?")
_SEPARATORS = re.compile(r"[\s\-.()]")
_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")

ErrorCode = Literal["bad_crc", "truncated", "bad_length", "unknown_structure", "wrong_field",
                    "duplicate_tag", "bad_input"]


class ThaiQRError(ValueError):
    """A payload or an input that is not a valid Thai QR; ``field`` is the tag path
    (``"29.01"``) or the argument name, ``code`` says what kind of problem it is."""

    def __init__(self, code: ErrorCode, message: str, *, field: str | None = None) -> None:
        self.code = code
        self.field = field
        super().__init__(f"{field}: {message}" if field else message)


def _crc_table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
        table.append(crc & 0xFFFF)
    return tuple(table)


_CRC_TABLE = _crc_table()


def crc16(data: str) -> str:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF) as four uppercase hex digits."""
    crc = 0xFFFF
    for byte in data.encode("ascii"):
        crc = ((crc << 8) & 0xFFFF) ^ _CRC_TABLE[((crc >> 8) ^ byte) & 0xFF]
    return f"{crc:04X}"


# ---------------------------------------------------------------- building

def _tlv(tag: str, value: str) -> str:
    if not 0 < len(value) <= 99:
        raise ThaiQRError("bad_input", f"value must be 1-99 characters, got {len(value)}", field=tag)
    return f"{tag}{len(value):02d}{value}"


def _with_crc(body: str, crc_tag: str = "63") -> str:
    body += f"{crc_tag}04"
    return body + crc16(body)


def _amount_text(amount: Decimal | int | str) -> str:
    try:
        money = to_money(amount, exact=True)
    except ValueError as exc:
        raise ThaiQRError("bad_input", str(exc), field="amount") from exc
    if money <= 0:
        raise ThaiQRError("bad_input", f"amount must be more than 0, got {money}", field="amount")
    if money > MAX_AMOUNT:
        raise ThaiQRError("bad_input", f"amount must be at most {MAX_AMOUNT:,}, got {money:,}", field="amount")
    return f"{money:.2f}"


def _merchant_payload(template_tag: str, template: str, amount: Decimal | int | str | None) -> str:
    parts = [_tlv("00", "01"), _tlv("01", "11" if amount is None else "12"), _tlv(template_tag, template),
             _tlv("53", "764")]
    if amount is not None:
        parts.append(_tlv("54", _amount_text(amount)))
    parts.append(_tlv("58", "TH"))
    return _with_crc("".join(parts))


def normalise_target(target: str) -> tuple[str, str]:
    """PromptPay proxy for ``target``: ``("01", "0066812345678")`` for a mobile phone
    in any usual form (dashes, spaces, +66), ``("02", id)`` for a 13-digit national
    or tax ID with a valid check digit, ``("03", id)`` for a 15-digit e-wallet ID."""
    text = _SEPARATORS.sub("", str(target)).translate(_THAI_DIGITS)
    if text.startswith("+66"):
        text = "0" + text[3:]
    elif text.startswith("66") and len(text) == 11:
        text = "0" + text[2:]
    if not re.fullmatch(r"[0-9]+", text):
        raise ThaiQRError("bad_input", f"PromptPay ID must be a phone number, 13-digit ID or 15-digit "
                          f"e-wallet ID, got {target!r}", field="target")
    if len(text) == 10:
        if not re.fullmatch(r"0[689][0-9]{8}", text):
            raise ThaiQRError("bad_input", f"a PromptPay phone must be a mobile number starting 06, 08 or 09, "
                              f"got {target!r}", field="target")
        return "01", "0066" + text[1:]
    if len(text) == 13:
        if not tin.is_valid(text):
            raise ThaiQRError("bad_input", f"13-digit national/tax ID {text} fails its check digit",
                              field="target")
        return "02", text
    if len(text) == 15:
        return "03", text
    raise ThaiQRError("bad_input", f"PromptPay ID must have 10 (phone), 13 (ID) or 15 (e-wallet) digits, "
                      f"got {len(text)} in {target!r}", field="target")


def promptpay_payload(target: str, amount: Decimal | int | str | None = None) -> str:
    """PromptPay credit transfer (tag 29); static without ``amount``, dynamic with it."""
    proxy_tag, proxy = normalise_target(target)
    return _merchant_payload("29", _tlv("00", PROMPTPAY_AID) + _tlv(proxy_tag, proxy), amount)


def _check_ref(name: str, ref: str) -> str:
    if not isinstance(ref, str) or not _REF.fullmatch(ref):
        raise ThaiQRError("bad_input", f"must be 1-20 uppercase letters A-Z or digits, got {ref!r}", field=name)
    return ref


def bill_payment_payload(biller_id: str, ref1: str, ref2: str | None = None,
                         amount: Decimal | int | str | None = None) -> str:
    """Bill payment (tag 30) to a 15-digit biller ID with ref1 and optional ref2."""
    if not re.fullmatch(r"[0-9]{15}", str(biller_id)):
        raise ThaiQRError("bad_input", f"biller ID must be 15 digits, got {biller_id!r}", field="biller_id")
    template = _tlv("00", BILL_PAYMENT_AID) + _tlv("01", biller_id) + _tlv("02", _check_ref("ref1", ref1))
    if ref2 is not None:
        template += _tlv("03", _check_ref("ref2", ref2))
    return _merchant_payload("30", template, amount)


def slip_payload(sending_bank: str, trans_ref: str) -> str:
    """The mini-QR a bank prints on a transfer slip (used to draw test slips and by
    tools that re-issue a slip reference)."""
    if not re.fullmatch(r"[0-9]{3}", sending_bank):
        raise ThaiQRError("bad_input", f"bank code must be 3 digits, got {sending_bank!r}", field="sending_bank")
    if not re.fullmatch(r"[A-Za-z0-9]{1,40}", trans_ref):
        raise ThaiQRError("bad_input", f"transaction ref must be letters/digits, got {trans_ref!r}",
                          field="trans_ref")
    inner = _tlv("00", SLIP_API_ID) + _tlv("01", sending_bank) + _tlv("02", trans_ref)
    return _with_crc(_tlv("00", inner) + _tlv("51", "TH"), crc_tag="91")


# ---------------------------------------------------------------- parsing

def _split(data: str, path: str) -> list[tuple[str, str]]:
    items: list[tuple[str, str]] = []
    seen: set[str] = set()
    pos = 0
    while pos < len(data):
        where = f"{path}{'.' if path else ''}"
        if len(data) - pos < 4:
            raise ThaiQRError("truncated", f"{len(data) - pos} stray character(s) at position {pos}, "
                              f"a tag and length need 4", field=path or None)
        tag, length_text = data[pos:pos + 2], data[pos + 2:pos + 4]
        if not tag.isdigit():
            raise ThaiQRError("unknown_structure", f"tag {tag!r} at position {pos} is not two digits",
                              field=path or None)
        if not length_text.isdigit() or int(length_text) == 0:
            raise ThaiQRError("bad_length", f"length {length_text!r} at position {pos + 2} is not 01-99",
                              field=where + tag)
        end = pos + 4 + int(length_text)
        if end > len(data):
            raise ThaiQRError("truncated", f"declares {int(length_text)} characters but only "
                              f"{len(data) - pos - 4} remain", field=where + tag)
        if tag in seen:
            raise ThaiQRError("duplicate_tag", "tag appears more than once", field=where + tag)
        seen.add(tag)
        items.append((tag, data[pos + 4:end]))
        pos = end
    return items


def _tree(items: list[tuple[str, str]], nested: set[str], path: str = "") -> TLVTree:
    tree: TLVTree = {}
    for tag, value in items:
        where = f"{path}.{tag}" if path else tag
        tree[tag] = _tree(_split(value, where), set(), where) if tag in nested else value
    return tree


def _fail(field: str, message: str) -> ThaiQRError:
    return ThaiQRError("wrong_field", message, field=field)


def _expect(tree: TLVTree, tag: str, path: str) -> str:
    value = tree.get(tag)
    if value is None:
        raise ThaiQRError("wrong_field", "required but missing", field=path)
    if not isinstance(value, str):
        raise _fail(path, "must be a value, not a template")
    return value


def _template(tree: TLVTree, tag: str) -> TLVTree:
    value = tree[tag]
    if not isinstance(value, dict):
        raise _fail(tag, "must be a template")
    return value


def _check_crc(payload: str, items: list[tuple[str, str]], crc_tag: str) -> None:
    last_tag, last_value = items[-1]
    if last_tag != crc_tag:
        raise ThaiQRError("unknown_structure", f"the CRC (tag {crc_tag}) must be the last field, found tag "
                          f"{last_tag} last", field=crc_tag)
    if not re.fullmatch(r"[0-9A-Fa-f]{4}", last_value):
        raise ThaiQRError("bad_length", f"CRC must be 4 hex digits, got {last_value!r}", field=crc_tag)
    expected = crc16(payload[:-4])
    if last_value.upper() != expected:
        raise ThaiQRError("bad_crc", f"CRC is {last_value.upper()} but the payload's CRC-16 is {expected}",
                          field=crc_tag)


def _check_amount(value: str) -> None:
    if not _AMOUNT_TEXT.fullmatch(value):
        raise _fail("54", f"amount must look like 1234.50, got {value!r}")
    amount = Decimal(value)
    if not Decimal("0") < amount <= MAX_AMOUNT:
        raise _fail("54", f"amount must be more than 0 and at most {MAX_AMOUNT:,}, got {value}")


def _check_promptpay(template: TLVTree) -> None:
    if _expect(template, "00", "29.00") != PROMPTPAY_AID:
        raise _fail("29.00", f"PromptPay AID must be {PROMPTPAY_AID}, got {template['00']!r}")
    proxies = [tag for tag in ("01", "02", "03", "04") if tag in template]
    if len(proxies) != 1:
        raise _fail("29", f"needs exactly one of phone (01), ID (02), e-wallet (03), account (04); "
                    f"found {proxies or 'none'}")
    tag = proxies[0]
    value = _expect(template, tag, f"29.{tag}")
    rules = {"01": (r"0066[0-9]{9}", "a phone as 0066 and 9 digits"),
             "02": (r"[0-9]{13}", "13 digits"),
             "03": (r"[0-9]{15}", "15 digits"),
             "04": (r"[0-9]{1,43}", "1-43 digits")}
    pattern, shape = rules[tag]
    if not re.fullmatch(pattern, value):
        raise _fail(f"29.{tag}", f"must be {shape}, got {value!r}")
    # A wrong check digit is not refused here: the payload is well formed, and the
    # published test payloads of other implementations use 1111111111111. Reading
    # flags it (PaymentQR.id_checksum_ok); building one refuses it (normalise_target).


def _check_bill_payment(template: TLVTree) -> None:
    if _expect(template, "00", "30.00") != BILL_PAYMENT_AID:
        raise _fail("30.00", f"bill payment AID must be {BILL_PAYMENT_AID}, got {template['00']!r}")
    if not re.fullmatch(r"[0-9]{15}", _expect(template, "01", "30.01")):
        raise _fail("30.01", f"biller ID must be 15 digits, got {template['01']!r}")
    for tag, required in (("02", True), ("03", False)):
        if tag not in template and not required:
            continue
        ref = _expect(template, tag, f"30.{tag}")
        if not _REF_PARSED.fullmatch(ref):
            raise _fail(f"30.{tag}", f"reference must be 1-20 letters or digits, got {ref!r}")


def _check_merchant(tree: TLVTree) -> None:
    if tree.get("01") not in (None, "11", "12"):
        raise _fail("01", f"point of initiation must be 11 (static) or 12 (dynamic), got {tree['01']!r}")
    if _expect(tree, "53", "53") != "764":
        raise _fail("53", f"currency must be 764 (baht), got {tree['53']!r}")
    if _expect(tree, "58", "58") != "TH":
        raise _fail("58", f"country must be TH, got {tree['58']!r}")
    if "54" in tree:
        _check_amount(_expect(tree, "54", "54"))
    if "29" not in tree and "30" not in tree:
        raise ThaiQRError("unknown_structure", "neither a PromptPay (29) nor a bill payment (30) template")
    if "29" in tree:
        _check_promptpay(_template(tree, "29"))
    if "30" in tree:
        _check_bill_payment(_template(tree, "30"))


def _check_slip(tree: TLVTree) -> None:
    data = _template(tree, "00")
    if _expect(data, "00", "00.00") != SLIP_API_ID:
        raise _fail("00.00", f"slip API ID must be {SLIP_API_ID}, got {data['00']!r}")
    if not re.fullmatch(r"[0-9]{3}", _expect(data, "01", "00.01")):
        raise _fail("00.01", f"sending bank must be a 3-digit bank code, got {data['01']!r}")
    if not re.fullmatch(r"[A-Za-z0-9]{1,40}", _expect(data, "02", "00.02")):
        raise _fail("00.02", f"transaction ref must be letters/digits, got {data['02']!r}")
    if _expect(tree, "51", "51") != "TH":
        raise _fail("51", f"country must be TH, got {tree['51']!r}")


def parse_payload(payload: str) -> TLVTree:
    """Parse and validate a Thai QR payment payload or a slip mini-QR.

    Returns the TLV tree (tag → value, templates as nested dicts) in payload order.
    Raises ``ThaiQRError`` on a bad CRC, broken TLV or a field a Thai QR cannot have.
    """
    if not isinstance(payload, str) or not payload.strip():
        raise ThaiQRError("unknown_structure", "empty payload")
    payload = payload.strip()
    if not payload.isascii() or not payload.isprintable():
        raise ThaiQRError("unknown_structure", "payload must be printable ASCII")
    items = _split(payload, "")
    first_tag, first_value = items[0]
    if first_tag == "00" and first_value == "01":
        _check_crc(payload, items, "63")
        tree = _tree(items, _NESTED_MERCHANT)
        _check_merchant(tree)
    elif items[-1][0] == "91" and first_tag == "00":
        _check_crc(payload, items, "91")
        tree = _tree(items, {"00"})
        _check_slip(tree)
    else:
        raise ThaiQRError("unknown_structure", "neither a Thai QR payment (starts 000201) nor a slip mini-QR "
                          "(tag 00 template, CRC in tag 91)")
    return tree


# ---------------------------------------------------------------- reading

ProxyType = Literal["phone", "national_id", "ewallet", "bank_account"]


@dataclass(frozen=True)
class PaymentQR:
    """What a payer's app will do with a Thai QR."""

    kind: Literal["promptpay", "bill_payment"]
    amount: Decimal | None
    dynamic: bool
    proxy_type: ProxyType | None = None
    proxy: str | None = None  # phone as 0812345678, IDs as digits
    biller_id: str | None = None
    ref1: str | None = None
    ref2: str | None = None
    id_checksum_ok: bool = True  # False only for a national/tax ID whose check digit is wrong


@dataclass(frozen=True)
class SlipQR:
    sending_bank: str
    trans_ref: str


_PROXY_TYPES: dict[str, ProxyType] = {"01": "phone", "02": "national_id", "03": "ewallet", "04": "bank_account"}


def read_payment(payload: str) -> PaymentQR:
    tree = parse_payload(payload)
    if "63" not in tree:
        raise ThaiQRError("unknown_structure", "this is a slip mini-QR, not a payment QR")
    amount = to_money(_expect(tree, "54", "54")) if "54" in tree else None
    dynamic = tree.get("01") == "12"
    if "30" in tree:
        bill = _template(tree, "30")
        return PaymentQR("bill_payment", amount, dynamic, biller_id=_expect(bill, "01", "30.01"),
                         ref1=_expect(bill, "02", "30.02"),
                         ref2=_expect(bill, "03", "30.03") if "03" in bill else None)
    promptpay = _template(tree, "29")
    tag = next(t for t in _PROXY_TYPES if t in promptpay)
    proxy = _expect(promptpay, tag, f"29.{tag}")
    if tag == "01":
        proxy = "0" + proxy[4:]
    return PaymentQR("promptpay", amount, dynamic, proxy_type=_PROXY_TYPES[tag], proxy=proxy,
                     id_checksum_ok=tag != "02" or tin.is_valid(proxy))


def read_slip(payload: str) -> SlipQR:
    tree = parse_payload(payload)
    if "91" not in tree:
        raise ThaiQRError("unknown_structure", "this is a payment QR, not a slip mini-QR")
    data = _template(tree, "00")
    return SlipQR(sending_bank=_expect(data, "01", "00.01"), trans_ref=_expect(data, "02", "00.02"))
