"""What the classifier reads: loanwords in Thai, denied cues dropped, courtesy split off."""
import pytest

from nlu import parse
from nlu.normalise import normalise
from nlu.rewrite import for_classifier
from nlu.social import split


@pytest.mark.parametrize(("raw", "expected"), [
    ("เช็คบิลค่าน้ำหน่อย", "ดูบิลค่าน้ำหน่อย"),
    ("เช็กยอดค้าง", "ดูยอดค้าง"),
    ("เปย์ค่าเช่ายังไง", "จ่ายค่าเช่ายังไง"),
    ("ขอรีซีทค่ะ", "ขอใบเสร็จค่ะ"),
    ("ขอ e-receipt", "ขอ ใบเสร็จ"),
    ("history การจ่าย", "ประวัติ การจ่าย"),
    ("cancel คิว", "ยกเลิก คิว"),
    ("update เรื่องที่แจ้ง", "อัปเดต เรื่องที่แจ้ง"),
    ("อัพเดทข่าว", "อัปเดตข่าว"),
    ("บุ๊คคิวพรุ่งนี้", "จองคิวพรุ่งนี้"),
    ("สำเนาบัตรประจำตัวบุคคล", "สำเนาบัตรประจำตัวบุคคล"),  # บุค of บุคคล is not booking
    ("ขอ status คำร้อง", "ขอ สถานะ คำร้อง"),
    ("pay ผ่านพร้อมเพย์", "จ่าย ผ่านพร้อมเพย์"),  # the เพย์ of พร้อมเพย์ stays
    ("ขอ QR", "ขอ QR"),
    ("ไฮ แอดมิน", "สวัสดี แอดมิน"),
    ("ไฮโซมาก", "ไฮโซมาก"),  # not a greeting inside a word
    ("this is history", "this is ประวัติ"),
    ("HISTORY", "ประวัติ"),
    ("checkout", "checkout"),  # English words only whole
])
def test_loanwords(raw, expected):
    assert for_classifier(normalise(raw)) == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ("ไม่ได้ฉุกเฉินนะ แค่ขอเบอร์โรงพยาบาล", "แค่ขอเบอร์โรงพยาบาล"),
    ("ไม่ได้จะร้องเรียน แค่ถามเฉยๆ ว่ากองช่างเบอร์อะไร", "แค่ถามเฉยๆ ว่ากองช่างเบอร์อะไร"),
    ("ไม่ใช่ค่าน้ำค่ะ ค่าขยะ จ่ายแล้ว", "ค่าขยะ จ่ายแล้ว"),
    ("ไม่ต้องส่งรถพยาบาลค่ะ ขอเบอร์ อสม.", "ขอเบอร์ อสม."),
    ("ไม่ได้ส่งสลิปนะคะ อยากได้ใบเสร็จ", "อยากได้ใบเสร็จ"),
    ("ไม่ได้จะขอยกเลิก แต่จะจองคิวเพิ่ม", "แต่จะจองคิวเพิ่ม"),
    # Not denials: a state, a "not yet", an inability, a hedge around a real emergency.
    ("น้ำไม่ไหล", "น้ำไม่ไหล"),
    ("ยังไม่ได้จ่าย ขอ QR", "ยังไม่ได้จ่าย ขอ QR"),
    ("ยังไม่ได้รับใบเสร็จ", "ยังไม่ได้รับใบเสร็จ"),
    ("โอนไม่ได้ค่ะ", "โอนไม่ได้ค่ะ"),
    ("ไม่ได้เบี้ยมาสองเดือน ติดอะไรคะ", "ไม่ได้เบี้ยมาสองเดือน ติดอะไรคะ"),
    ("ไม่รู้ว่าฉุกเฉินไหม แต่พ่อล้มหัวฟาด", "ไม่รู้ว่าฉุกเฉินไหม แต่พ่อล้มหัวฟาด"),
    ("ไม่ใช่ค่ะ", "ไม่ใช่ค่ะ"),  # nothing but a denial keeps its words
])
def test_denied_cues_are_dropped(raw, expected):
    assert for_classifier(normalise(raw)) == expected


@pytest.mark.parametrize(("text", "intent"), [
    ("ไม่ได้ฉุกเฉินนะ แค่ขอเบอร์โรงพยาบาล", "community_info"),
    ("ไม่ได้จะร้องเรียนนะคะ แค่ถามเฉยๆว่าสำนักงานเปิดกี่โมง", "community_info"),
    ("ไม่ใช่ค่าเช่านะ ค่าขยะ โอนแล้ว", "tax_fee_notice"),
    ("ไม่รู้ว่าฉุกเฉินไหม แต่พ่อล้มหัวฟาดพื้นเลือดออก", "emergency"),
    ("cancel คิวพรุ่งนี้", "my_queue"),
    ("ขอรีซีทเดือนก่อน", "receipts"),
    ("เช็คบิลเดือนนี้", "check_balance"),
    ("history การจ่าย", "receipts"),
])
def test_intents_through_the_rewrites(text, intent):
    assert parse(text).intent == intent


@pytest.mark.parametrize(("text", "rest", "acts"), [
    ("สวัสดีค่ะ ท่อหน้าบ้านแตกน้ำไหลนองถนน", "ท่อหน้าบ้านแตกน้ำไหลนองถนน", ("greet",)),
    ("สวัสดีค่ะน้องแอดมินไฟถนนดับ", "ไฟถนนดับ", ("greet",)),
    ("ขอบคุณที่มาเก็บขยะนะคะ แต่ซอย 3 ยังไม่มาเก็บเลย", "แต่ซอย 3 ยังไม่มาเก็บเลย", ("thanks",)),
    ("สวัสดีครับ ขอโทษที่ทักมาดึกนะครับ ค่าน้ำเท่าไร", "ค่าน้ำเท่าไร", ("greet",)),
    ("ขอใบเสร็จด้วยค่ะ ขอบคุณค่ะ ขอบคุณ", "ขอใบเสร็จด้วยค่ะ", ("thanks",)),
    ("hi แอดมิน ขอดูบิล", "ขอดูบิล", ("greet",)),
    ("สวัสดีค่ะ ค่าน้ำ", "ค่าน้ำ", ("greet",)),  # ค่า is a particle only where a word ends
    ("สวัสดีค่ะ", "", ("greet",)),
    ("history การจ่าย", "history การจ่าย", ()),  # hi is a word, not the start of one
    ("อยากขอบคุณทีมที่มาลอกท่อ", "อยากขอบคุณทีมที่มาลอกท่อ", ()),
])
def test_courtesy_is_split_off(text, rest, acts):
    got = split(normalise(text))
    assert (got.request, got.acts) == (normalise(rest), acts)


@pytest.mark.parametrize(("text", "intent", "social"), [
    ("สวัสดีค่ะ ท่อหน้าบ้านแตกน้ำไหลนองถนน", "complaint", ("greet",)),
    ("ขอบคุณที่มาเก็บขยะนะคะ แต่ซอย 3 ยังไม่มาเก็บเลย", "complaint", ("thanks",)),
    ("ขอเบอร์กองช่างด้วยค่ะ ขอบคุณค่ะ 🙏", "community_info", ("thanks",)),
    ("สวัสดีค่ะ ยายเองนะ", "greet", ()),
    ("สวัสดีครับ เทศบาล", "greet", ()),
    ("ขอบคุณค่ะ ได้รับแล้ว", "thanks", ()),
    ("ขอบคุณมากค่ะ", "thanks", ()),
])
def test_greet_and_thanks_win_only_when_nothing_else_is_asked(text, intent, social):
    result = parse(text)
    assert (result.intent, result.social) == (intent, social)
