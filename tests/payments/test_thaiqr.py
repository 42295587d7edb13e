import contextlib
import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.payments.thaiqr import (
    ThaiQRError,
    bill_payment_payload,
    crc16,
    parse_payload,
    promptpay_payload,
    read_payment,
    read_slip,
    slip_payload,
)

VECTORS = json.loads((Path(__file__).parent / "vectors" / "thai_qr.json").read_text(encoding="utf-8"))


def _id(v):
    return f"{v['case_id']}-{v['source_package']}"


@pytest.mark.parametrize("vector", VECTORS, ids=_id)
def test_every_shared_vector(vector):
    if not vector["expected_valid"]:
        with pytest.raises(ThaiQRError):
            parse_payload(vector["payload"])
        return
    tree = parse_payload(vector["payload"])
    assert tree == vector["decoded"]
    crc_tag = "91" if "91" in tree else "63"
    assert crc16(vector["payload"][:-4]) == tree[crc_tag]


def _fields(tree):
    """Decoded fields a payer's app acts on (everything but the CRC)."""
    return {tag: value for tag, value in tree.items() if tag not in ("63", "91")}


@pytest.mark.parametrize("vector", [v for v in VECTORS if v["kind"] == "promptpay_anyid" and v["expected_valid"]
                                    and v.get("target") and v.get("id_checksum_ok", True)], ids=_id)
def test_our_promptpay_payload_decodes_like_every_vector(vector):
    amount = None if vector["amount"] is None else str(vector["amount"])
    ours = parse_payload(promptpay_payload(vector["target"], amount))
    assert _fields(ours) == _fields(vector["decoded"])


@pytest.mark.parametrize("vector", [v for v in VECTORS if v["kind"] == "promptpay_bill_payment"
                                    and v.get("biller_id")], ids=_id)
def test_our_bill_payment_payload_decodes_like_every_vector(vector):
    amount = None if vector["amount"] is None else str(vector["amount"])
    ours = parse_payload(bill_payment_payload(vector["biller_id"], vector["ref1"], vector["ref2"], amount))
    assert _fields(ours) == _fields(vector["decoded"])


@pytest.mark.parametrize("vector", [v for v in VECTORS if v["kind"] == "slip_verify_mini_qr"], ids=_id)
def test_slip_mini_qr_vectors(vector):
    expected = vector["promptparse_validate"]
    slip = read_slip(vector["payload"])
    assert (slip.sending_bank, slip.trans_ref) == (expected["sendingBank"], expected["transRef"])
    assert slip_payload(slip.sending_bank, slip.trans_ref) == vector["payload"]


WRONG_CHECK_DIGIT = [v for v in VECTORS if v.get("id_checksum_ok") is False]


@pytest.mark.parametrize("vector", WRONG_CHECK_DIGIT, ids=_id)
def test_published_ids_with_a_wrong_check_digit_are_read_and_flagged(vector):
    payment = read_payment(vector["payload"])
    expected_amount = None if vector["amount"] is None else Decimal(str(vector["amount"])).quantize(Decimal("0.01"))
    assert (payment.proxy_type, payment.proxy, payment.amount) == (
        "national_id", vector["target"].replace("-", ""), expected_amount)
    assert payment.id_checksum_ok is False
    with pytest.raises(ThaiQRError, match="check digit"):
        promptpay_payload(vector["target"], expected_amount)


def test_the_flag_is_raised_only_for_a_wrong_check_digit():
    assert len({v["target"].replace("-", "") for v in WRONG_CHECK_DIGIT}) >= 3
    good_id = read_payment(promptpay_payload(_valid_id("110370004568")))
    assert (good_id.proxy_type, good_id.id_checksum_ok) == ("national_id", True)
    assert read_payment(promptpay_payload("0812345678")).id_checksum_ok is True
    assert read_payment(bill_payment_payload("012345678901200", "T0001")).id_checksum_ok is True
    assert read_payment(promptpay_payload("012345678901234")).id_checksum_ok is True  # e-wallet: no check digit


def test_truemoney_ewallet_reads_as_ewallet():
    vector = next(v for v in VECTORS if v["kind"] == "truemoney_wallet")
    payment = read_payment(vector["payload"])
    assert (payment.proxy_type, payment.proxy, payment.amount) == ("ewallet", "140000801111111", None)


def test_static_and_dynamic():
    static = read_payment(promptpay_payload("0812345678"))
    dynamic = read_payment(promptpay_payload("0812345678", Decimal("50")))
    assert (static.dynamic, static.amount) == (False, None)
    assert (dynamic.dynamic, dynamic.amount) == (True, Decimal("50.00"))
    assert "540550.00" in promptpay_payload("0812345678", Decimal("50"))


@pytest.mark.parametrize("target", ["0812345678", "081-234-5678", "081 234 5678", "+66812345678",
                                    "+66-81-234-5678", "66812345678", "(081) 234-5678"])
def test_phone_forms_give_the_same_payload(target):
    assert promptpay_payload(target) == promptpay_payload("0812345678")


def test_national_id_target():
    national_id = _valid_id("110370004568")
    dashed = f"{national_id[0]}-{national_id[1:5]}-{national_id[5:10]}-{national_id[10:12]}-{national_id[12]}"
    payment = read_payment(promptpay_payload(dashed, "99.5"))
    assert (payment.proxy_type, payment.proxy, payment.amount) == ("national_id", national_id, Decimal("99.50"))
    assert read_payment(promptpay_payload("0994000165871")).proxy_type == "national_id"  # a government tax ID


@pytest.mark.parametrize("target,reason", [
    ("1103700045680", "check digit"), ("0212345678", "mobile"), ("08123456", "digits"),
    ("+1 415 555 0100", "PromptPay ID"), ("abc", "PromptPay ID"), ("", "PromptPay ID"),
])
def test_bad_targets_say_why(target, reason):
    with pytest.raises(ThaiQRError, match=reason) as info:
        promptpay_payload(target)
    assert (info.value.code, info.value.field) == ("bad_input", "target")


@pytest.mark.parametrize("amount,reason", [
    ("0", "more than 0"), ("-5", "more than 0"), ("10000000", "at most"), ("1.005", "decimal places"),
    (1.5, "float"), ("ten", "not an amount"),
])
def test_bad_amounts_say_why(amount, reason):
    with pytest.raises(ThaiQRError, match=reason) as info:
        promptpay_payload("0812345678", amount)
    assert info.value.field == "amount"


def test_largest_amount_is_accepted():
    assert read_payment(promptpay_payload("0812345678", "9999999.99")).amount == Decimal("9999999.99")


@pytest.mark.parametrize("kwargs,field", [
    ({"biller_id": "12345", "ref1": "A1"}, "biller_id"),
    ({"biller_id": "012345678901200", "ref1": "inv1"}, "ref1"),
    ({"biller_id": "012345678901200", "ref1": "A" * 21}, "ref1"),
    ({"biller_id": "012345678901200", "ref1": ""}, "ref1"),
    ({"biller_id": "012345678901200", "ref1": "INV1", "ref2": "25-68"}, "ref2"),
])
def test_bad_bill_payment_inputs(kwargs, field):
    with pytest.raises(ThaiQRError) as info:
        bill_payment_payload(**kwargs)
    assert info.value.field == field


GOOD = promptpay_payload("0812345678", "100")


def _recrc(body):
    return body + crc16(body)


@pytest.mark.parametrize("payload,code,field", [
    (GOOD[:-1] + ("0" if GOOD[-1] != "0" else "1"), "bad_crc", "63"),
    (GOOD[:-10], "truncated", "58"),
    (GOOD[:30], "truncated", "29"),
    ("000201010211", "unknown_structure", "63"),
    (_recrc(GOOD[:-8].replace("5802TH", "5802US") + "6304"), "wrong_field", "58"),
    (_recrc(GOOD[:-8].replace("5303764", "5303840") + "6304"), "wrong_field", "53"),
    (_recrc(GOOD[:-8].replace("A000000677010111", "A000000677010199") + "6304"), "wrong_field", "29.00"),
    (_recrc(GOOD[:-8] + "5303764" + "6304"), "duplicate_tag", "53"),
    (_recrc("000201010212" + "29200016A000000677010111" + "53037645802TH6304"), "wrong_field", "29"),
    (_recrc("0002010102125303764" + "5802TH6304"), "unknown_structure", None),
    (_recrc("00020101021229370016A0000006770101110113006681234567853037645802TH5404-1.06304"),
     "wrong_field", "54"),
    ("000201010211290A0016", "bad_length", "29"),
    ("hello world", "unknown_structure", None),
    ("", "unknown_structure", None),
    ("00020101021129370016A00000067701011101130066812345678๕", "unknown_structure", None),
])
def test_bad_payloads_say_what_is_wrong(payload, code, field):
    with pytest.raises(ThaiQRError) as info:
        parse_payload(payload)
    assert info.value.code == code
    assert info.value.field == field
    assert isinstance(info.value, ValueError)


def test_thai_digits_in_a_phone_are_understood():
    assert promptpay_payload("๐๘๑-๒๓๔-๕๖๗๘") == promptpay_payload("0812345678")


def test_lowercase_crc_is_accepted():
    assert parse_payload(GOOD[:-4] + GOOD[-4:].lower())["54"] == "100.00"


REF = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=20)
AMOUNT = st.none() | st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999999.99"), places=2)


def _valid_id(body):
    check = (11 - sum((13 - i) * int(d) for i, d in enumerate(body)) % 11) % 10
    return body + str(check)


TARGET = st.one_of(
    st.builds(lambda p, n: f"0{p}{n:08d}", st.sampled_from("689"), st.integers(0, 99_999_999)),
    st.builds(lambda n: _valid_id(f"{n:012d}"), st.integers(1_000_000_000_00, 8_999_999_999_99)),
    st.builds(lambda n: f"{n:015d}", st.integers(0, 10**15 - 1)),
)


@given(TARGET, AMOUNT)
def test_promptpay_round_trip(target, amount):
    payment = read_payment(promptpay_payload(target, amount))
    assert payment.kind == "promptpay"
    assert payment.proxy == target
    assert payment.amount == amount
    assert payment.dynamic is (amount is not None)


@given(st.integers(0, 10**15 - 1), REF, st.none() | REF, AMOUNT)
def test_bill_payment_round_trip(biller, ref1, ref2, amount):
    biller_id = f"{biller:015d}"
    payment = read_payment(bill_payment_payload(biller_id, ref1, ref2, amount))
    assert (payment.kind, payment.biller_id, payment.ref1, payment.ref2, payment.amount) == \
        ("bill_payment", biller_id, ref1, ref2, amount)


ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


@given(st.from_regex(r"\A[0-9]{3}\Z"), st.text(alphabet=ALNUM, min_size=1, max_size=40))
def test_slip_round_trip(bank, ref):
    slip = read_slip(slip_payload(bank, ref))
    assert (slip.sending_bank, slip.trans_ref) == (bank, ref)


@given(st.text(max_size=120))
def test_parser_never_crashes_on_garbage(text):
    with contextlib.suppress(ThaiQRError):
        parse_payload(text)
