"""Intent quality on the held-out set, and how the data files are kept honest."""
from collections import Counter

import pytest

from nlu import CONFIDENCE_THRESHOLD, INTENTS, parse
from nlu.data import TEST_FILE, TRAINING_FILE, load_yaml
from nlu.evaluate import evaluate
from nlu.normalise import normalise


@pytest.fixture(scope="module")
def report():
    return evaluate(load_yaml(TEST_FILE), parse)


def test_held_out_quality_bar(report):
    assert report.accuracy >= 0.95, report.errors
    assert report.macro_f1 >= 0.93, report.errors
    weak = {intent: s["recall"] for intent, s in report.per_intent.items() if s["recall"] < 0.85}
    assert not weak, (weak, report.errors)


def test_every_intent_has_enough_training_and_test_examples():
    train = Counter(intent for _, intent in load_yaml(TRAINING_FILE).examples)
    test = Counter(intent for _, intent in load_yaml(TEST_FILE).examples)
    assert set(train) == set(INTENTS) == set(test)
    assert min(train.values()) >= 40, train
    assert min(test.values()) >= 12, test


def test_test_set_is_disjoint_from_training():
    train = {normalise(text) for text, _ in load_yaml(TRAINING_FILE).examples}
    shared = [text for text, _ in load_yaml(TEST_FILE).examples if normalise(text) in train]
    assert shared == []


@pytest.mark.parametrize(("text", "intent"), [
    ("ค่าน้ำ", "check_balance"), ("จองคิว", "book_queue"), ("ใบเสร็จ", "receipts"), ("สลิป", "send_slip"),
    ("ไฟไหม้", "emergency"), ("ข่าว", "news"), ("เบี้ยยังชีพ", "welfare"), ("ค่าขยะ", "tax_fee_notice"),
    ("ยกเลิกคิว", "my_queue"), ("เมนู", "help"), ("สวัสดีค่ะ", "greet"), ("ขอบคุณครับ", "thanks"),
])
def test_short_requests_are_not_out_of_scope(text, intent):
    result = parse(text)
    assert (result.intent, result.is_confident) == (intent, True)


@pytest.mark.parametrize("text", ["วันนี้ฟ้าสวยจัง อยากไปเที่ยวทะเล", "ราคาทองคำวันนี้เท่าไร", "เล่ามุกตลกให้ฟังหน่อย"])
def test_chit_chat_is_out_of_scope(text):
    assert parse(text).intent == "out_of_scope"


def test_ranking_is_top_five_best_first_and_names_are_the_spec_names():
    result = parse("อยากทราบยอดค้างค่าน้ำค่ะ")
    assert len(result.ranking) == 5
    scores = [score for _, score in result.ranking]
    assert scores == sorted(scores, reverse=True)
    assert result.ranking[0] == (result.intent, result.confidence)
    assert all(name in INTENTS for name, _ in result.ranking)
    assert 0.0 <= result.confidence <= 1.0


def test_unclear_messages_are_not_confident_and_offer_alternatives():
    # Half a sentence that could be several things: the bot should ask, not guess.
    unsure = [parse(t) for t in ("เรื่องเงิน", "ขอถามหน่อย", "อันนี้", "ทำไม")]
    assert any(not p.is_confident for p in unsure)
    for p in unsure:
        if not p.is_confident:
            assert p.confidence < CONFIDENCE_THRESHOLD
            assert 1 <= len(p.alternatives(3)) <= 3
