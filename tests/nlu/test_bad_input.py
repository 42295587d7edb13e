"""Whatever arrives, parse() answers with a valid Parse."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nlu import INTENTS, Parse, parse
from nlu.normalise import MAX_INPUT_CHARS, normalise

BAD = [
    "", "   ", "\n\t", "😀😀😀", "🙏", "(emoji)(emoji)", "[สติกเกอร์]", "ค่าน้ำ" * 1000, "ก" * 5000,
    "a" * 5000, "ค่าน้ำ\x00\x07เท่าไร\x1b[0m", "\u200b\u200c\u200d\ufeff", "ค่า\u200bน้ำ",
    "จ่ายบิล ビル 账单 счёт فاتورة", "ค่าน้ำ 🇹🇭 bill เท่าไหร่ ？", "\ud800", "\U0010ffff", "None", "null",
    "<script>alert(1)</script>", "'; DROP TABLE invoices; --", "๑๒๓๔๕๖๗๘๙๐" * 100, "٣٤٥", "１２３ บาท",
]


def _valid(result: Parse) -> None:
    assert isinstance(result, Parse)
    assert result.intent in INTENTS
    assert 0.0 <= result.confidence <= 1.0
    assert 1 <= len(result.ranking) <= 5
    assert len(result.text) <= MAX_INPUT_CHARS
    for e in result.entities:
        assert result.text[e.start:e.end] == e.value


@pytest.mark.parametrize("text", BAD, ids=range(len(BAD)))
def test_bad_text_gives_a_valid_parse(text):
    _valid(parse(text))


@pytest.mark.parametrize("value", [None, 123, 4.5, b"\xe0\xb8\x84\xe0\xb9\x88\xe0\xb8\xb2", b"\xff\xfe", ["ค่าน้ำ"], {}])
def test_non_text_gives_a_valid_parse(value):
    _valid(parse(value))


def test_empty_and_emoji_only_are_out_of_scope():
    assert parse("").intent == "out_of_scope"
    assert parse("😀😀").intent == "out_of_scope"


def test_invisible_characters_do_not_change_the_meaning():
    assert normalise("ค่า\u200bน้ำ\u200d") == "ค่าน้ำ"
    assert parse("ค่า\u200bน้ำ").intent == parse("ค่าน้ำ").intent


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300))
def test_any_text(text):
    _valid(parse(text))


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("กขคงจฉชซญดตถทนบปผพฟมยรลวศสหอฮะาิีึืุูเแโใไ่้๊๋็์ๆ๐๑๒๓๔๕๖๗๘๙"
                                             "0123456789 .,/-:+฿")), max_size=200))
def test_any_thai_looking_text(text):
    _valid(parse(text))
