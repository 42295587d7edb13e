"""The text printed on a transfer slip, read with tesseract (Thai and English models):
amount, date and time, sender, receiver, receiving account and sending bank.

The mini-QR (slip_reader) proves the bank and the transfer; only the printed text
says how much and when. What is read here is a suggestion for finance and the chat,
never proof: OCR misreads, and a picture can be edited.
"""
from __future__ import annotations

import re
import tempfile
import time
import unicodedata
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytesseract
from PIL import Image, ImageFilter
from rapidfuzz import fuzz, process

from services.payments.banks import BANKS, bank_name
from services.payments.slip_reader import open_slip_picture
from thai.dates import BANGKOK, BE_OFFSET, MONTHS_FULL, MONTHS_SHORT
from thai.money import to_money

# Seconds tesseract may take on one slip before it is given up: a slip takes 0.5-2.5 s
# on the 2-core machine; a huge or pathological picture must not hold the chat longer.
TIMEOUT = 15
# Only pictures narrower than this are enlarged: on the generated slips (bench/slip_ocr.py)
# enlarging 700-800 px photos to 1000 px and stretching the contrast each read fewer dates,
# while levelling tilted photos read more amounts.
_MIN_WIDTH = 600
# Page segmentation 6 reads a slip as one block of lines, keeping a label and its value
# (left and right of the line) together. The app's white-on-colour header need not be read.
_CONFIG = "--psm 6 -c tessedit_do_invert=0"
# The second reading's binarisation: a pixel is ink when it is this much darker than
# the mean of the square this many pixels around it (tuned on the generated slips).
_LOCAL_RADIUS = 20
_LOCAL_CONTRAST = 20


@dataclass(frozen=True)
class SlipText:
    """What the slip's text says; each field None when it could not be read."""

    amount: Decimal | None
    paid_at: datetime | None  # aware, Bangkok
    sender: str | None
    receiver: str | None
    account: str | None  # the receiving account as printed, masked: "xxx-x-x1234-x"
    bank: str | None  # sending bank's code, when the text names the bank

    @property
    def bank_name(self) -> str | None:
        return bank_name(self.bank) if self.bank else None

    @property
    def empty(self) -> bool:
        return all(v is None for v in (self.amount, self.paid_at, self.sender, self.receiver, self.account,
                                       self.bank))


# ---------------------------------------------------------------- the picture

def _deskew(grey: Image.Image) -> Image.Image:
    """Turned by the angle (within ±4°) at which the lines of text are level: there the
    ink crowds into the fewest rows, so the row sums vary most. Ink is where the grey
    changes along the row: a photo's noise and shading run in whole rows and would
    otherwise hold the picture at 0°."""
    small = grey.copy()
    small.thumbnail((500, 500))
    along = np.abs(np.diff(np.asarray(small, dtype=np.int16), axis=1))
    ink = Image.fromarray(np.where(along > 30, 255, 0).astype(np.uint8))

    def spread(angle: float) -> float:
        return float(np.asarray(ink.rotate(angle, resample=Image.Resampling.BILINEAR), dtype=np.float32)
                     .sum(axis=1).var())

    best = max((a / 2 for a in range(-8, 9)), key=spread)
    if best == 0:
        return grey
    return grey.rotate(best, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)


def prepare(grey: Image.Image) -> Image.Image:
    """The picture as tesseract reads slips best (measured by bench/slip_ocr.py)."""
    if grey.width < _MIN_WIDTH:
        grey = grey.resize((_MIN_WIDTH, round(grey.height * _MIN_WIDTH / grey.width)), Image.Resampling.LANCZOS)
    return _deskew(grey)


def _binarised(prepared: Image.Image) -> Image.Image:
    """Black where a pixel is clearly darker than its surroundings: on photos, the
    slips' light grey lines (the date) fall below tesseract's one threshold for the
    whole picture, which the dark background and header pull down."""
    smooth = prepared.filter(ImageFilter.GaussianBlur(1))
    local = np.asarray(smooth.filter(ImageFilter.BoxBlur(_LOCAL_RADIUS)), dtype=np.float32)
    ink = np.asarray(smooth, dtype=np.float32) < local - _LOCAL_CONTRAST
    return Image.fromarray(np.where(ink, 0, 255).astype(np.uint8))


_Box = tuple[int, int, int, int]  # left, top, right, bottom


@dataclass(frozen=True)
class _Reading:
    """Tesseract's text, and its words' boxes line by line: the text keeps Thai words
    whole, while the boxes come a syllable or letter at a time."""

    text: str
    lines: list[list[tuple[str, _Box]]]


def _tesseract(picture: Image.Image, timeout: float) -> _Reading | None:
    """One run of tesseract (Thai and English, one block of lines) writing both the
    text and the words' boxes; None when it failed or took too long."""
    with tempfile.TemporaryDirectory() as folder:
        picture.save(f"{folder}/in.png")
        try:
            pytesseract.pytesseract.run_tesseract(f"{folder}/in.png", f"{folder}/out", "txt", "tha+eng",
                                                  f"{_CONFIG} -c tessedit_create_tsv=1", 0, timeout)
        except (RuntimeError, pytesseract.TesseractError, OSError):  # RuntimeError is pytesseract's time-out
            return None
        text = Path(f"{folder}/out.txt").read_text(encoding="utf-8")
        rows = [row.split("\t") for row in Path(f"{folder}/out.tsv").read_text(encoding="utf-8").splitlines()[1:]]
    lines: dict[tuple[str, ...], list[tuple[str, _Box]]] = {}
    for row in rows:
        if len(row) == 12 and row[11].strip():
            left, top, width, height = map(int, row[6:10])
            lines.setdefault(tuple(row[2:5]), []).append((row[11], (left, top, left + width, top + height)))
    return _Reading(text, list(lines.values()))


def _amount_on_its_own(prepared: Image.Image, reading: _Reading, timeout: float) -> Decimal | None:
    """The amount read again from its own words with the English model, which reads a
    "฿" printed against the figure as "B" where the whole-slip reading made it an 8;
    None unless that reading shows the sign."""
    index = _amount_line("\n".join(" ".join(word for word, _ in line) for line in reading.lines))
    if index is None:
        return None
    boxes = [box for word, box in reading.lines[index] if _MONEY.search(normalise(word))]
    if not boxes:  # the figure split over words
        return None
    left, top, right, bottom = boxes[-1]
    margin = bottom - top
    crop = prepared.crop((max(0, left - 2 * margin), max(0, top - margin // 2), right + margin // 2,
                          bottom + margin // 2))
    try:
        text = str(pytesseract.image_to_string(crop, lang="eng", config="--psm 7", timeout=timeout))
    except (RuntimeError, pytesseract.TesseractError, OSError):
        return None
    signed = _SIGNED_MONEY.search(normalise(text).replace(" ", ""))
    return to_money(signed[1].replace(",", "")) if signed else None


def read_slip_text(image: bytes | Image.Image, *, timeout: float = TIMEOUT) -> SlipText | None:
    """Read a slip picture's text (JPEG/PNG bytes or a Pillow image); None when
    nothing could be read. When the date (with its time) or the amount is missing, the
    picture is read again binarised against each pixel's surroundings."""
    opened = open_slip_picture(image)
    if not isinstance(opened, Image.Image):
        return None
    deadline = time.monotonic() + timeout
    prepared = prepare(opened)
    reading = _tesseract(prepared, timeout)
    if reading is None:
        return None
    found = parse_slip_text(reading.text)
    if deadline - time.monotonic() > 1 \
            and (signed := _amount_on_its_own(prepared, reading, deadline - time.monotonic())) is not None:
        found = replace(found, amount=signed)
    timed = parse_paid_at(reading.text, with_time=True)
    left = deadline - time.monotonic()
    if (timed is None or found.amount is None) and left > 1 \
            and (again := _tesseract(_binarised(prepared), left)) is not None:
        text = again.text
        found = replace(found, paid_at=timed or parse_paid_at(text, with_time=True) or found.paid_at
                        or parse_paid_at(text), amount=found.amount or parse_amount(text))
    return None if found.empty else found


# ---------------------------------------------------------------- the text

# OCR and some apps write sara am as nikhahit + sara aa; Thai digits occur too.
_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
# What a hidden digit of an account number comes out as in OCR.
_MASK_CHARS = str.maketrans({c: "x" for c in "X×%>«»*"})
_MONEY = re.compile(r"(?<![\d,.])(\d{1,3}(?:,\d{3})+|\d+)\.(\d{2})(?![\d])")
# A currency sign before the figure: "฿", or "B" as the English model reads it, or "THB".
_SIGNED_MONEY = re.compile(r"(?:฿|THB|B)((?:\d{1,3}(?:,\d{3})+|\d+)\.\d{2})(?!\d)")
_AMOUNT_LABELS = ("จำนวนเงิน", "จำนวน", "ยอดเงิน", "ยอดโอน", "ยอดชำระ", "amount")
_FEE_LABELS = ("ค่าธรรมเนียม", "fee")
_SENDER_LABELS = ("ผู้โอน", "จาก", "from")
_RECEIVER_LABELS = ("ผู้รับเงิน", "ผู้รับ", "ไปยัง", "ไปที่", "ถึง", "to")
_ACCOUNT = re.compile(r"(?<![\w-])[x\d]{1,4}(?:-[x\d]{1,7}){1,4}(?![\w-])")
# The time after the date: "14:30", "14.30", "14:30:09"; OCR may lose either colon
# ("1430", "14 30:09"), never both of a time with seconds.
_TIME = re.compile(r"(?<!\d)([01]?\d|2[0-3])\s?[:.]?\s?([0-5]\d)(?:\s?:\s?[0-5]\d)?(?!\d)")
# A day, a month word (OCR may glue it to its figures or split it: "26พ.ค.69", "3 n. a. 69")
# and a BE or CE year of two or four digits.
_DAY_MONTH_YEAR = re.compile(r"(?<!\d)(\d{1,2})(?!\d)\s*(\S.{0,12}?)\s*(\d{4}|\d{2})(?!\d)")
# What OCR, the English model mostly, makes of the short months' consonants: "ก.พ." as
# "A.W.", "ธ.ค." as "B.A.", "ก.ค." as "n.m.", "ต.ค." as "#.A.", "พ.ย." as "W.8." or "พ.ข.".
_LOOKALIKES = {"ก": "nAa", "ค": "Aam", "พ": "Ww", "ย": "8ข", "ธ": "6B", "ต": "#A", "ส": "fa"}
_NUMERIC_DATE = re.compile(r"(?<!\d)(\d{1,2})\s?/\s?(\d{1,2})\s?/\s?(\d{4}|\d{2})(?!\d)")
_MONTHS = {name.replace(".", ""): n for n, name in enumerate(MONTHS_SHORT, 1)} | \
          {name: n for n, name in enumerate(MONTHS_FULL, 1)}
# A full month name read with a letter or two wrong is still that month; the short
# ones differ from each other by one letter, so they must read exactly.
_FULL_MONTH_SIMILARITY = 80
# Bank names as slips print them ("ธ.กสิกรไทย", "ธนาคารกรุงไทย", "KBANK"), longest first.
_BANK_WORDS = sorted([(thai.removeprefix("ธนาคาร").replace(" ", ""), code) for code, (_, thai) in BANKS.items()]
                     + [(short.lower(), code) for code, (short, _) in BANKS.items()], key=lambda p: -len(p[0]))
_TITLE_WORDS = ("สำเร็จ", "ทำรายการ", "เลขที่รายการ", "รหัสอ้างอิง", "บันทึก")


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", text).replace("\u0e4d\u0e32", "\u0e33").replace("\u0e4d", "")
    return text.translate(_THAI_DIGITS)


def _amounts(line: str) -> list[Decimal]:
    found = []
    for whole, cents in _MONEY.findall(line):
        # Slips group thousands; four or more digits without a comma after an 8 are "฿" read as 8.
        if len(whole) >= 4 and "," not in whole and whole.startswith("8"):
            whole = whole[1:]
        found.append(to_money(f"{whole}.{cents}"))
    return found


def _amount_line(text: str) -> int | None:
    """The index of the line holding the transferred amount: the first labelled as the
    amount, else the one with the largest amount with satang, never the fee's."""
    labelled: list[int] = []
    others: list[tuple[Decimal, int]] = []
    for i, line in enumerate(normalise(line) for line in text.splitlines()):
        folded = line.replace(" ", "").lower()
        if any(label in folded for label in _FEE_LABELS):
            continue
        amounts = [a for a in _amounts(line) if a > 0]
        if amounts:
            if any(label in folded for label in _AMOUNT_LABELS):
                labelled.append(i)
            else:
                others.append((amounts[-1], i))
    return labelled[0] if labelled else max(others, default=(None, None))[1]


def parse_amount(text: str) -> Decimal | None:
    """The transferred amount: the last amount on the line `_amount_line` finds."""
    index = _amount_line(text)
    return None if index is None else _amounts(normalise(text.splitlines()[index]))[-1]


def _year(digits: str) -> int:
    year = int(digits)
    if len(digits) == 2:
        year += 2500  # slips print "69" for 2569
    return year - BE_OFFSET if year > 2400 else year


def _month(word: str) -> int | None:
    """The month a word read as a month name stands for. OCR adds vowels below that no
    month has ("ก.ุย.") and doubles letters ("พยย"); a short month's consonants may come
    out as their look-alikes, when that leaves one month they can be."""
    bare = re.sub(r"([\u0e01-\u0e4f])\1", r"\1", re.sub(r"[\s.,:;'\"|«»()\-\u0e38\u0e39]", "", word))
    if month := _MONTHS.get(bare):
        return month
    fits = [n for n, name in enumerate(MONTHS_SHORT, 1) if len(letters := name.replace(".", "")) == len(bare)
            and all(c == letter or c in _LOOKALIKES.get(letter, "") for c, letter in zip(bare, letters, strict=True))]
    if len(fits) == 1:
        return fits[0]
    full = process.extractOne(bare, MONTHS_FULL, scorer=fuzz.ratio, score_cutoff=_FULL_MONTH_SIMILARITY)
    return full[2] + 1 if full else None


def _plausible_year(digits: str) -> bool:
    return 2000 <= _year(digits) <= 2100


def _day_month_year(line: str) -> tuple[re.Match[str], int, int, str] | None:
    """The first day, month word and year on the line. Each figure may start one: in
    "7 โ 28พ.ย.2569" the 7 is noise, its "year" 28 implausible, and the date the 28."""
    start = 0
    while match := _DAY_MONTH_YEAR.search(line, start):
        if _plausible_year(match[3]) and (month := _month(match[2])):
            return match, int(match[1]), month, match[3]
        start = match.start() + 1
    return None


def parse_paid_at(text: str, *, with_time: bool = False) -> datetime | None:
    """The first date on the slip ("15 ธ.ค. 69", "15 ธันวาคม 2569", "15/12/2569",
    "15/12/69") with the time after it on the same line, in Bangkok time; midnight when
    no time follows, or None with ``with_time``."""
    for raw in text.splitlines():
        line = normalise(raw)
        found = None
        for match in _NUMERIC_DATE.finditer(line):
            found = (match, int(match[1]), int(match[2]), match[3])
            break
        if found is None:
            found = _day_month_year(line)
        if found is None:
            continue
        match, day, month, year = found
        clock = _TIME.search(line, match.end())
        if clock is None and with_time:
            continue
        try:
            return datetime(_year(year), month, day, int(clock[1]) if clock else 0, int(clock[2]) if clock else 0,
                            tzinfo=BANGKOK)
        except ValueError:
            continue
    return None


def _account_of(line: str) -> str | None:
    masked = line.translate(_MASK_CHARS).lower()
    for match in _ACCOUNT.finditer(masked):
        account = match[0]
        if "x" in account and sum(c.isdigit() for c in account) >= 1:
            return account
    return None


def _strip_label(line: str, labels: tuple[str, ...]) -> str:
    for label in labels:
        if line.lower().startswith(label):
            return line[len(label):].strip(" :")
    return line


def _name(line: str) -> str | None:
    """A line that reads as a person's or an organisation's name: letters, no
    figures, not one of the slip's own words."""
    cleaned = " ".join(re.sub(r"[^\w\u0e00-\u0e7f\s.()]", " ", line).split()).strip(" .")
    cleaned = _strip_label(_strip_label(cleaned, _SENDER_LABELS), _RECEIVER_LABELS)
    if len(cleaned) < 4 or any(c.isdigit() for c in cleaned) or any(w in cleaned for w in _TITLE_WORDS):
        return None
    if cleaned.lower() in _SENDER_LABELS + _RECEIVER_LABELS or _bank_of(cleaned) and len(cleaned) < 16:
        return None
    return cleaned if sum("\u0e00" <= c <= "\u0e7f" or c.isalpha() for c in cleaned) >= 4 else None


def _bank_of(line: str) -> str | None:
    folded = line.replace(" ", "").lower()
    return next((code for word, code in _BANK_WORDS if word in folded), None)


def parse_slip_text(text: str) -> SlipText:
    """Fields from a slip's text as OCR gave it. Each account on a slip follows its
    holder's name: the first is the sender's (with the sending bank), the last the
    receiver's."""
    lines = [line for line in (normalise(raw).strip() for raw in text.splitlines()) if line]
    accounts = [(i, account) for i, line in enumerate(lines) if (account := _account_of(line))]

    def name_before(index: int) -> str | None:
        for line in reversed(lines[max(0, index - 2):index]):
            if (name := _name(line)) is not None:
                return name
        return None

    sender = receiver = account = bank = None
    if accounts:
        first, last = accounts[0][0], accounts[-1][0]
        sender = name_before(first)
        bank = _bank_of(lines[first]) or next((b for line in lines[:first] if (b := _bank_of(line))), None)
        if len(accounts) > 1:
            receiver, account = name_before(last), accounts[-1][1]
    if receiver is None:  # a slip that prints no receiving account: the name after its label
        for i, line in enumerate(lines):
            if line.lower().startswith(_RECEIVER_LABELS):
                receiver = _name(line) or next((n for n in map(_name, lines[i + 1:i + 2]) if n), None)
                break
    return SlipText(parse_amount(text), parse_paid_at(text), sender, receiver, account, bank)


def account_matches(masked: str, number: str) -> bool:
    """Whether a masked account as printed ("xxx-x-x1234-x") can be ``number``: as many
    digits, and every digit shown is the one there."""
    shown = [c for c in masked.lower() if c == "x" or c.isdigit()]
    digits = [c for c in normalise(number) if c.isdigit()]
    return len(shown) == len(digits) and all(s in ("x", d) for s, d in zip(shown, digits, strict=True))
