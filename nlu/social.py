"""Greetings, thank-yous and apologies around a request ("สวัสดีค่ะ ท่อแตก...", "...ด้วยนะคะ ขอบคุณค่ะ").

Residents wrap requests in courtesy, and a classifier that reads the whole message lets
those words pull it to `greet` or `thanks`. `split()` takes them off the start and the
end so that the request can be classified alone; the pipeline (nlu/pipeline.py) decides
whether what is left really asks for something. Works on normalised text (`หวัดดี` is
already `สวัสดี`, `คับ` is `ครับ`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

GREET, THANKS = "greet", "thanks"

# Particles, and words that only count as courtesy when a word ends there ("ค่า" in
# "สวัสดีค่า" but not in "สวัสดีค่ะ ค่าน้ำ"; "เจ้า" but not "เจ้าของร้าน").
_PURE_PARTICLE = r"(?:ครับผม|ครับ|ค่ะ|คะ|จ้า|จ้ะ|จ๊ะ|ฮะ|นะคะ|นะครับ|นะ|น้า|น่ะ|เด้อ|หนิ|เน้อ)"
_PARTICLE = (rf"(?:{_PURE_PARTICLE}|(?:ค่า|ผม|เจ้า|มากๆ|มาก|หลายๆ|หลาย|ล่วงหน้า|จริงๆ|ทุกคน|ทุกท่าน|ที่เคารพ)"
             rf"(?=\s|$|{_PURE_PARTICLE}))")
_ADDRESSEE = (r"(?:(?:น้อง|พี่|คุณ)?(?:แอดมิน|แอด|admin)|(?:พี่ๆ|น้องๆ|พี่|น้อง|คุณ|ท่าน)?เจ้าหน้าที่"
              r"|พี่ๆ|พี่|น้อง|ท่าน|ทีมงาน|ผู้เกี่ยวข้อง)")
_TAIL = rf"(?:\s?(?:{_ADDRESSEE}|{_PARTICLE}))*"
_GREETING = (r"(?:สวัสดี(?:ตอน(?:เช้า|สาย|บ่าย|เย็น|ค่ำ)|ยาม(?:เช้า|เย็น)|ปีใหม่)?|ฮัลโหล|ฮัลโล|ฮาโหล"
             r"|(?:hello|hi|hey|good\s?(?:morning|afternoon|evening|day))(?![a-z])|ไฮ(?=\s|$|แอด|ค่ะ|ครับ|จ้า)|อรุณสวัสดิ์|สบายดี(?:ไหม|บ่)?"
             r"|ดี(?=\s?(?:ครับ|ค่ะ|ค่า|จ้า|จ้ะ|คะ|เจ้า))|เรียน(?=\s?(?:ท่าน|คุณ|เจ้าหน้าที่|นายก|ผู้)))")
_THANKS = r"(?:ขอบ(?:พระ)?คุณ|ขอบใจ|(?:thank(?:s|\s?you|\s?u)?|thx)(?![a-z])|แต๊งกิ้ว|แต้งกิ้ว|แต๊งกิว)"
_APOLOGY = r"(?:ขอโทษ|ขออภัย|โทษที|sorry(?![a-z])|ขอรบกวน(?=\s?(?:หน่อย|นะ|ค่ะ|ครับ)))"
# "ขอบคุณที่มาเก็บขยะนะคะ", "ขอโทษที่ทักมาดึกนะครับ": a clause that runs to its closing
# particle before a space; written without one, to the first ค่ะ/ครับ (which are never
# part of another word, unlike คะ in คะแนน or จ้า in จ้าง); else to the next space.
_CLAUSE_END = rf"(?:\S*?{_PURE_PARTICLE}(?=\s|$)|\S*?(?:นะคะ|นะครับ|ค่ะ|ครับ)|\S*)"

_LEADING: tuple[tuple[str | None, re.Pattern[str]], ...] = (
    (GREET, re.compile(rf"{_GREETING}{_TAIL}", re.IGNORECASE)),
    (THANKS, re.compile(rf"{_THANKS}(?:ที่{_CLAUSE_END}|{_TAIL})", re.IGNORECASE)),
    (None, re.compile(rf"{_APOLOGY}{_CLAUSE_END}", re.IGNORECASE)),
)
_TRAILING_THANKS = re.compile(rf"{_THANKS}{_TAIL}$", re.IGNORECASE)
# Beyond this many courtesy pieces at the start, what follows is the message itself.
_MAX_LEADING = 3


@dataclass(frozen=True, slots=True)
class Split:
    request: str  # the message without its courtesy; '' when it was nothing else
    acts: tuple[str, ...]  # GREET and/or THANKS found around the request


def split(text: str) -> Split:
    acts: list[str] = []
    rest = text.strip()
    for _ in range(_MAX_LEADING):
        cut = _leading(rest)
        if cut is None:
            break
        kind, rest = cut
        if kind:
            acts.append(kind)
    while rest and (m := _TRAILING_THANKS.search(rest)) and m.start() > 0:
        rest = rest[:m.start()].rstrip()
        acts.append(THANKS)
    return Split(rest, tuple(dict.fromkeys(acts)))


def _leading(text: str) -> tuple[str | None, str] | None:
    for kind, pattern in _LEADING:
        m = pattern.match(text)
        if m:
            return kind, text[m.end():].lstrip()
    return None
