"""What the intent classifier reads, as opposed to what the resident wrote (`Parse.text`).

Two rewrites of the normalised text, for the classifier only, so that entity spans and
the text a flow shows stay as written:

- English, and English spelled in Thai letters, becomes the Thai word the training data
  uses ("cancel คิว" → "ยกเลิก คิว", "ขอรีซีท" → "ขอใบเสร็จ", "เช็คบิล" → "ดูบิล"): each
  loanword would otherwise be a feature seen once or never in training.
- What a message says it is NOT about is dropped ("ไม่ได้ฉุกเฉินนะ แค่ขอเบอร์โรงพยาบาล",
  "ไม่ได้จะร้องเรียน แค่ถามว่า…", "ไม่ใช่ค่าน้ำ ค่าขยะ…"): a negated cue would otherwise vote
  for the intent it names. "ยังไม่ได้…" (not yet) is not a denial and is kept.
"""
from __future__ import annotations

import re

_EN = r"(?<![a-z])(?:{})(?![a-z])"


def _en(*words: str) -> str:
    return _EN.format("|".join(words))


# Order matters: longer phrases before the words they contain.
_LOANWORDS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), thai) for pattern, thai in (
        (r"เช็[คก]\s?บิล|" + _en(r"check\s?bill"), "ดูบิล"),
        (r"เช็[คก]|" + _en("check"), "ดู"),
        (r"อั[พป]เด[ทต]|" + _en("update[sd]?"), "อัปเดต"),
        (r"สเตตัส|" + _en("status"), "สถานะ"),
        (r"แคนเซิ่?ล|" + _en("cancel(?:led)?"), "ยกเลิก"),
        # บุค alone starts บุคคล (person): without its tone mark it counts only before คิว or กิ้ง.
        (r"บุ๊[คก](?:กิ้ง)?|บุ[คก](?=คิว|กิ้ง)|" + _en("book(?:ing)?", "reserve", "reservation"), "จอง"),
        (_en("appointment"), "นัด"),
        (_en("queue"), "คิว"),
        (_en("promptpay", "prompt\\s?pay"), "พร้อมเพย์"),
        (_en("mobile\\s?banking") + r"|โมบายแบง[คก]์?กิ้ง", "แอปธนาคาร"),
        (_en("paid"), "จ่ายแล้ว"),
        (r"เปย์|" + _en("pay(?:ment)?s?"), "จ่าย"),
        (r"รีซี[ทปพ]ท?์?|" + _en("e-?receipts?", "receipts?"), "ใบเสร็จ"),
        (r"อินวอย[ซส]์|" + _en("invoices?"), "ใบแจ้งหนี้"),
        (_en("bills?"), "บิล"),
        (r"ฮิส[ทต]อรี่|สเตทเม[้]?น[ทต]์?|" + _en("history", "statement"), "ประวัติ"),
        (_en("slips?"), "สลิป"),
        (r"ทรานส?เฟอร์|" + _en("transfer(?:red)?"), "โอน"),
        (r"บาลานซ์|" + _en("outstanding", "balance"), "ยอดค้าง"),
        (r"รีจิสเตอร์|ล็[อ]?[กค]อิน|" + _en("register(?:ed)?", "registration", "sign\\s?up", "log\\s?in"), "ลงทะเบียน"),
        (r"เวริฟาย|" + _en("verify", "verification"), "ยืนยัน"),
        (r"โปรไฟล์|แอ[คก]เคา[ทน]์?|แอ[คก]เค้าท์|" + _en("profile", "account"), "ข้อมูลบัญชี"),
        (r"นิวส์|" + _en("news"), "ข่าว"),
        (r"อีเว[้]?น[ทต]์|" + _en("events?"), "กิจกรรม"),
        (_en("announcements?"), "ประกาศ"),
        (r"โลเคชั่?น|" + _en("location", "maps?"), "แผนที่"),
        (r"คอนแท[คก]ท?์?|" + _en("contact"), "ติดต่อ"),
        (_en("office\\s?hours?", "opening\\s?hours?"), "เวลาทำการ"),
        (r"คอลแบ็[คก]|" + _en("call\\s?back"), "โทรกลับ"),
        (_en("call"), "โทร"),
        (r"สต[๊]?าฟ|" + _en("staff", "agent", "human", "officer"), "เจ้าหน้าที่"),
        (_en("admin"), "แอดมิน"),
        (r"แชต|" + _en("chat"), "แชท"),
        (_en("menu"), "เมนู"),
        (r"ฟังก์ชั่?น|ฟีเจอร์|" + _en("functions?", "features?"), "บริการ"),
        (_en("help\\s?me", "sos"), "ช่วยด้วย"),
        (_en("emergency"), "ฉุกเฉิน"),
        (_en("help"), "วิธีใช้"),
        (_en("street\\s?lights?"), "ไฟถนน"),
        (_en("leak(?:ing|s)?"), "รั่ว"),
        (r"รีพอ[ร]?[ทต]์?|" + _en("report"), "แจ้ง"),
        (r"คอมเพลน|" + _en("complain(?:t|ts)?"), "ร้องเรียน"),
        (r"อีเซอร์วิส|" + _en("e-?service"), "คำร้องออนไลน์"),
        (r"รีเควสท?์?|" + _en("requests?"), "คำขอ"),
        (_en("petition"), "คำร้อง"),
        (_en("forms?"), "แบบฟอร์ม"),
        (_en("track(?:ing)?"), "ติดตาม"),
        (r"แอ[พป]พลาย|" + _en("apply"), "สมัคร"),
        (_en("benefits?", "welfare"), "สวัสดิการ"),
        (_en("reconnect(?:ion)?"), "ต่อน้ำคืน"),
        (_en("connect(?:ion)?"), "ต่อ"),
        (_en("meters?"), "มาตรน้ำ"),
        (_en("water"), "น้ำ"),
        (_en("tax"), "ภาษี"),
        (_en("garbage", "trash", "waste"), "ขยะ"),
        (r"แต[๊้]?งกิ[้]?ว|" + _en("thank(?:s|\\s?you|\\s?u)?", "thx", "tks", "ty"), "ขอบคุณ"),
        (r"ไฮ(?=\s|$|แอด|ค่ะ|ครับ|จ้า)|ฮาย(?=\s|$)|" + _en("hello", "hi", "hey"), "สวัสดี"),
        (_en("ok(?:ay)?"), "โอเค"),
        (r"แอพ|" + _en("app"), "แอป"),
    )
)

_CUE = (r"(?:เหตุ)?ฉุกเฉิน|(?:เหตุ|เรื่อง)?ด่วน|ร้องเรียน|ร้องทุกข์|แจ้งเหตุ|ต่อว่า|บ่น|เร่ง|โกรธ"
        r"|(?:ส่ง|เรียก)?รถ(?:พยาบาล|กู้ภัย)|ป่วย|เจ็บ|ไฟไหม้")
_NEGATOR = r"(?:ไม่ได้|ไม่ใช่|มิได้|บ่ได้|บ่แม่น|ไม่ต้อง|ไม่ถึงขั้น)"
# Where the denied part ends: the next space, or a word that turns to what is meant.
_TURN = r"(?:แค่|แต่|เพียง|อยาก|ขอ|ถาม|จะ)"
# "ไม่ได้จะร้องเรียน", "ไม่ใช่ค่าน้ำ": an intention denied, or a correction; the clause goes.
_DENIAL = re.compile(
    rf"(?<!ยัง)(?<!ยัง )(?:{_NEGATOR}(?:\s?(?:จะ|คิดจะ|ตั้งใจ(?:จะ)?|อยาก(?:จะ)?|ต้องการ(?:จะ)?))+"
    rf"|(?<!\S)(?:ไม่ใช่|บ่แม่น))\S+?(?=\s|{_TURN}|$)")
# "ไม่ได้ส่งสลิปนะคะ อยากได้ใบเสร็จ": a plain "not" clause, when the next one says what is meant.
_NOT_THEN = re.compile(rf"(?<!\S)(?:ไม่ได้|บ่ได้)\S+(?=\s{_TURN})")
# "ไม่ได้ฉุกเฉินนะ", "ไม่ต้องส่งรถพยาบาล": an emergency or complaint cue denied anywhere.
_DENIED_CUE = re.compile(rf"(?<!ยัง){_NEGATOR}(?:\s?(?:เป็น|เรื่อง|มี))*\s?(?:{_CUE})\S*?(?=\s|{_TURN}|$)")
_HAS_WORD = re.compile(r"[^\W\d_]")
_SPACES = re.compile(r"\s+")


def for_classifier(text: str) -> str:
    """The normalised text as the intent classifier reads it."""
    for pattern, thai in _LOANWORDS:
        text = pattern.sub(thai, text)
    kept = text
    for pattern in (_DENIED_CUE, _DENIAL, _NOT_THEN):
        kept = pattern.sub(" ", kept)
    kept = _SPACES.sub(" ", kept).strip()
    # A message that is nothing but a denial ("ไม่ใช่ค่ะ") keeps its words.
    return kept if _HAS_WORD.search(kept) else text
