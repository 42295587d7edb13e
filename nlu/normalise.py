"""Turn text as residents type it on LINE into one canonical form.

Digits, separators and letter case are kept so that entity spans stay meaningful;
the classifier lower-cases its own features.
"""
from __future__ import annotations

import re
import unicodedata

from pythainlp.util import normalize as thai_normalize

# Longer messages are cut: nobody's request needs more, and it bounds the work per message.
MAX_INPUT_CHARS = 2000

_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
_FULL_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FULL_WIDTH[0x3000] = 0x20

# Control, format (zero-width, bidi) and private-use characters carry nothing we can read.
_INVISIBLE = re.compile(
    "[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u00ad\u034f\u061c\u180e"
    "\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufe00-\ufe0f\ufeff\ue000-\uf8ff"
    "\U000e0000-\U000e007f]"
)
_EMOJI = re.compile(
    "[\u2190-\u21ff\u2300-\u23ff\u2460-\u27bf\u2900-\u297f\u2b00-\u2bff\u3030\u303d"
    "\u3297\u3299\U0001f000-\U0001faff\U0001fc00-\U0001ffff\u20e3]"
)
# A few emoji say something a resident could also have typed; the rest are decoration.
_EMOJI_WORDS = {
    "🙏": " ขอบคุณ ", "👍": " โอเค ", "👌": " โอเค ", "🆗": " โอเค ", "🆘": " ช่วยด้วย ",
    "🚑": " รถพยาบาล ", "🔥": " ไฟไหม้ ", "💧": " น้ำ ",
}
_EMOJI_WORDS_RE = re.compile("|".join(map(re.escape, _EMOJI_WORDS)))
# Sticker and emoji placeholders that LINE clients paste into copied text.
_PLACEHOLDER = re.compile(r"[\[(](?:emoji|sticker|สติ[๊]?[กค]เกอร์|อีโมจิ|รูปภาพ|photo|image)[\])]", re.I)
_SPACES = re.compile(r"\s+")
_NON_DIGIT_RUN = re.compile(r"([^\d\s])\1{2,}")
_THAI_VOWEL_RUN = re.compile(r"([ะาำิีึืุูเแโใไๅ็่้๊๋์ๆ])\1+")

# Chat spellings → the dictionary spelling, so that one word has one feature.
_CHAT_SPELLINGS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"(?<!บัง)(?:คร้าบ|ค้าบ|คับ|ครัช|คัฟ)(?!แคบ|ข้อง)", "ครับ"),
        # งับ (bite) and คาบ (period) are also words: only as the last word are they ครับ.
        (r"(?:งับ|คาบ|ฮับ)(?=[\s!.~?]*$)", "ครับ"),
        (r"(?:นะ|น่ะ)(?:ค่ะ|ค่า|คร่ะ)", "นะคะ"),
        (r"ค่า(?=[\s!.~?]*$)", "ค่ะ"),
        (r"คร่ะ", "ค่ะ"),
        (r"เท่า(?:ไหร่|ไหร|หร่าย|หรั่ย|ไร่|รัย|ไหล่|ไหล|หล่าย)", "เท่าไร"),
        (r"มั้ย|มั๊ย|ไม๊|มั๋ย", "ไหม"),
        (r"ยังงัย|ยังงาย", "ยังไง"),
        (r"บิลล์|บิ้ล|บิว", "บิล"),
        (r"สลิบ|สลีป|สลิ๊ป", "สลิป"),
        (r"ใบเสร็ด|ใบเส็ด|ใบเสด|ใบเสร้จ", "ใบเสร็จ"),
        (r"คิวอาร์โค้ด|คิวอาร์โค๊ด|คิวอาร์|คิวอา(?=ร|\s|$)|qr\s?code", "QR"),
        (r"ร้องเรียร|รองเรียน|ร้องเรีน", "ร้องเรียน"),
        (r"เจ้าหน้าทื่|จนท\.?|จนท", "เจ้าหน้าที่"),
        (r"ขอบคุน|ขอบคุนณ|ขอบใจจ้า", "ขอบคุณ"),
        (r"หวัดดี|สวัสดีย์|สวัดดี", "สวัสดี"),
        (r"ปะปา|ประปร", "ประปา"),
        (r"มิต?เตอร์(?:น้ำ)?", "มาตรน้ำ"),
    )
)


def normalise(text: object) -> str:
    """Canonical form of a message; never raises, whatever it is given."""
    if text is None:
        return ""
    if not isinstance(text, str):
        text = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    text = unicodedata.normalize("NFC", text[:MAX_INPUT_CHARS])
    text = _INVISIBLE.sub("", text)
    text = _EMOJI_WORDS_RE.sub(lambda m: _EMOJI_WORDS[m.group()], text)
    text = _EMOJI.sub(" ", text)
    text = _PLACEHOLDER.sub(" ", text)
    text = text.translate(_THAI_DIGITS).translate(_FULL_WIDTH)
    text = thai_normalize(text)
    text = _NON_DIGIT_RUN.sub(r"\1", text)
    text = _THAI_VOWEL_RUN.sub(r"\1", text)
    text = _SPACES.sub(" ", text).strip()
    for pattern, replacement in _CHAT_SPELLINGS:
        text = pattern.sub(replacement, text)
    return text
