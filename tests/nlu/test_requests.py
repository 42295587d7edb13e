"""Two requests in one message (nlu/requests.py): found where residents chain them, not
in one request told with a story, a denial or a greeting, and rare on the held-out set."""
import pytest

from nlu import parse
from nlu.data import HELDOUT_FILE, load_yaml


@pytest.mark.parametrize("text, main, other", [
    ("จ่ายแล้วนะคะ ขอใบเสร็จด้วย", "receipts", "send_slip"),
    ("ขอดูยอดค้าง แล้วก็ขอคิวอาร์ด้วย", "check_balance", "pay_bill"),
    ("แจ้งไฟถนนดับค่ะ ขอเบอร์ฉุกเฉินด้วย", "complaint", "emergency"),
])
def test_two_requests_give_the_main_one_and_the_other(text, main, other):
    found = parse(text)
    assert (found.intent, found.also) == (main, other)
    assert found.to_dict()["also"] == other


@pytest.mark.parametrize("text", [
    "สวัสดีค่ะ ท่อหน้าบ้านแตกน้ำไหลนองถนน",  # a greeting is no request
    "ไม่ได้ฉุกเฉินนะคะ แค่อยากได้เบอร์โรงพยาบาล",  # what is not asked is no request
    "ขอ QR ไว้สแกนจ่าย",  # a space inside one request
    "ขอบคุณที่มาเก็บขยะนะคะ แต่ซอย 3 ยังไม่มาเก็บเลย",
    "ขอใบเสร็จค่ะ",
])
def test_one_request_is_one(text):
    assert parse(text).also is None


def test_few_held_out_messages_count_as_two():
    # Each of these messages was written as one request (issue 14's families); a
    # second request found in more than 2% of them would offer residents noise.
    texts = [text for text, _ in load_yaml(HELDOUT_FILE).examples]
    flagged = [t for t in texts if parse(t).also]
    assert len(flagged) <= 0.02 * len(texts), flagged
