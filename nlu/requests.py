"""Two requests in one message ("จ่ายแล้วนะคะ ขอใบเสร็จด้วย", "ขอดูยอดค้าง แล้วก็ขอคิวอาร์ด้วย").

Residents chain requests with a space, often after a closing particle or before
แล้วก็/และ/อีกเรื่อง. The classifier reads the whole message as one of them; `second_request`
cuts it at each space and keeps a cut where both halves are, on their own, clear and
different requests. The bot answers the main one and offers the other (flows/engine.py).
"""
from __future__ import annotations

import re
from collections.abc import Callable

from .types import OUT_OF_SCOPE

Ranking = list[tuple[str, float]]

# Each half must be this clear on its own. Tuned so that single requests with a story
# before them ("ท่อแตกหน้าบ้าน ... ช่วยมาดูหน่อย") do not count as two (docs/nlu.md).
HALF_CONFIDENCE = 0.9
# Not requests of their own: courtesy, "what can you do", and nothing.
_NOT_REQUESTS = frozenset({"greet", "thanks", "help", OUT_OF_SCOPE})
# Where one request ends and the next begins: the first closes with a particle, or the
# second opens with a joining word. A space anywhere else is inside one request
# ("ขอ QR ไว้สแกนจ่าย", "ที่แจ้งน้ำไม่ไหลเมื่อเช้า จะมาซ่อมกี่โมง").
_CLOSES = re.compile(r"(?:ค่ะ|คะ|ครับ|นะ|นะคะ|นะครับ|จ้า|เด้อ|เจ้า|ด้วย)$")
_OPENS = re.compile(r"^(?:แล้วก็|และ|แล้วขอ|แล้วจะ|อีกเรื่อง|อีกอย่าง|ส่วน|พร้อม)")
# "ไม่ได้ฉุกเฉินนะคะ แค่อยากได้เบอร์…": a half that says what is NOT asked is no request.
_DENIES = re.compile(r"^ไม่(?:ได้|ใช่|ต้อง)")
# A message with more spaces than this is a story, not a list of requests; the cost stays
# at a few classifier calls.
MAX_CUTS = 4


def second_request(text: str, whole: Ranking, rank: Callable[[str], Ranking]) -> str | None:
    """The other request's intent, or None.

    The main request is the whole message's reading, which must be one of the two halves:
    otherwise the halves are parts of one request the whole message understands better."""
    words = text.split()
    if not 2 <= len(words) <= MAX_CUTS + 1:
        return None
    for cut in range(1, len(words)):
        if not (_CLOSES.search(words[cut - 1]) or _OPENS.match(words[cut])):
            continue
        halves = " ".join(words[:cut]), " ".join(words[cut:])
        if any(_DENIES.match(half) for half in halves):
            continue
        left, right = rank(halves[0]), rank(halves[1])
        (first, p_first), (second, p_second) = left[0], right[0]
        if first == second or {first, second} & _NOT_REQUESTS or min(p_first, p_second) < HALF_CONFIDENCE:
            continue
        if whole[0][0] in (first, second):
            return second if whole[0][0] == first else first
    return None
