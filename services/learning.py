"""Learning from use (docs/nlu.md): the resident texts the bot did not understand,
was unsure of, asked about, or that the resident corrected (tapped another quick
reply, or asked for a person right after a confident answer), for staff to label
with the right intent and export as `nlu.yml` lines for the next training.

Recording is best effort: each write is its own short transaction, and a failure is
logged, never raised, so that the resident's answer never waits on it."""
from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session

from models.base import as_utc, utcnow
from models.chat import ChatMessage
from models.db import Database
from models.inserts import insert_or_ignore
from models.learning import MissedMessage
from services import audit

log = logging.getLogger(__name__)

# What the page calls each reason.
REASON_NAMES: Mapping[str, str] = {
    "not_understood": "บอทไม่เข้าใจ",
    "not_sure": "บอทไม่แน่ใจ ให้เลือกเรื่อง",
    "clarify": "บอทถามว่าหมายถึงเรื่องไหน",
    "corrected": "ผู้ใช้เลือกเรื่องอื่นจากที่บอทเดา",
    "asked_for_staff": "ขอคุยกับเจ้าหน้าที่ทันทีหลังบอทตอบ",
}
# The reasons the bot offered quick replies for: a tap on one that is not the bot's
# first guess turns the row into a correction.
CHOICE_REASONS = ("not_sure", "clarify")
# How soon after the bot's answer a request for a person says the answer missed.
RIGHT_AFTER = timedelta(minutes=10)
PAGE_SIZE = 50

_missed = MissedMessage.__table__


class Guess(Protocol):
    """The NLU's reading of a text (nlu.Parse)."""

    @property
    def intent(self) -> str: ...

    @property
    def confidence(self) -> float: ...


class LearningError(Exception):
    """What a staff member asked for cannot be done; the message is Thai."""


def _safely(db: Database, what: str, write: Callable[[Session], None]) -> None:
    try:
        with db.session() as session, session.begin():
            write(session)
    except Exception:  # noqa: BLE001 - recording must never cost the resident the answer
        log.exception("learning: could not record %s", what)


def record_miss(db: Database, *, event_id: str | None, line_user_id: str, text: str, reason: str,
                guess: Guess | None) -> None:
    """A text the bot answered with a question or an apology; a redelivered event once."""
    if not event_id or not text.strip():
        return
    row = {"event_id": event_id, "line_user_id": line_user_id, "text": text, "reason": reason,
           "guess": guess.intent if guess else None, "confidence": guess.confidence if guess else None,
           "created_at": utcnow()}
    _safely(db, reason, lambda session: _insert(session, row))


def _insert(session: Session, row: dict[str, Any]) -> None:
    insert_or_ignore(session, _missed, "event_id", [row])


def record_choice(db: Database, *, event_id: str, line_user_id: str, intent: str) -> None:
    """The quick reply the resident tapped after the bot asked about the text of `event_id`."""
    def write(session: Session) -> None:
        miss = session.scalar(select(MissedMessage).where(MissedMessage.event_id == event_id,
                                                          MissedMessage.line_user_id == line_user_id))
        if miss is None:
            return
        miss.resident_choice = intent
        if miss.reason in CHOICE_REASONS and miss.guess and intent != miss.guess:
            miss.reason = "corrected"

    _safely(db, "a resident's choice", write)


def record_asked_for_staff(db: Database, *, event_id: str | None, line_user_id: str, now: datetime,
                           confident_guess: Callable[[str], Guess | None]) -> None:
    """A request for a person right after the bot answered the resident's previous text
    confidently: that text, with the guess the bot answered, is a miss.
    `confident_guess` reads a text again and gives its guess when the bot would have
    answered it without asking (the transcript keeps the text, not the guess)."""
    def write(session: Session) -> None:
        previous = session.scalars(
            select(ChatMessage)
            .where(ChatMessage.line_user_id == line_user_id, ChatMessage.direction == "in",
                   ChatMessage.webhook_event_id.is_not(None),
                   ChatMessage.webhook_event_id != (event_id or ""))
            .order_by(ChatMessage.created_at.desc(), ChatMessage.id.desc()).limit(1)).first()
        if (previous is None or previous.type != "text" or not previous.text or previous.webhook_event_id is None
                or as_utc(now) - as_utc(previous.created_at) > RIGHT_AFTER):
            return
        guess = confident_guess(previous.text)
        if guess is None:
            return
        _insert(session, {"event_id": previous.webhook_event_id, "line_user_id": line_user_id,
                          "text": previous.text, "reason": "asked_for_staff", "guess": guess.intent,
                          "confidence": guess.confidence, "created_at": as_utc(now)})

    _safely(db, "a request for a person", write)


@dataclass(frozen=True)
class MissPage:
    rows: list[MissedMessage]
    total: int
    unlabelled: int  # whatever the filter, for the dashboard and the tab


def misses(session: Session, *, unlabelled_only: bool = True, reason: str | None = None,
           page: int = 1) -> MissPage:
    """The page's rows, newest first."""
    where: list[ColumnElement[bool]] = []
    if unlabelled_only:
        where.append(MissedMessage.label.is_(None))
    if reason in REASON_NAMES:
        where.append(MissedMessage.reason == reason)
    total = session.scalar(select(func.count()).select_from(MissedMessage).where(*where)) or 0
    rows = session.scalars(select(MissedMessage).where(*where)
                           .order_by(MissedMessage.created_at.desc(), MissedMessage.id.desc())
                           .offset((max(page, 1) - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    return MissPage(list(rows), total, unlabelled_count(session))


def unlabelled_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(MissedMessage)
                          .where(MissedMessage.label.is_(None))) or 0


def label(session: Session, actor: audit.Actor, miss_id: int, intent: str, *, intents: Sequence[str],
          client: str | None = None, now: datetime | None = None) -> MissedMessage:
    """Staff's answer to what the text meant, one of `intents`; audited in the same transaction."""
    if intent not in intents:
        raise LearningError("ไม่มีเรื่องนี้ในรายการ กรุณาเลือกจากรายการ")
    miss = session.get(MissedMessage, miss_id)
    if miss is None:
        raise LearningError("ไม่พบข้อความนี้ อาจถูกลบตามระยะเวลาเก็บข้อมูลแล้ว")
    before = miss.label
    at = as_utc(now or utcnow())
    session.execute(update(MissedMessage).where(MissedMessage.id == miss_id)
                    .values(label=intent, labelled_by=actor.id, labelled_at=at))
    audit.record(session, actor, "miss_labelled", record_type="missed_message", record_id=miss_id,
                 before={"label": before}, after={"label": intent}, detail=miss.text[:200], client=client, at=at)
    session.refresh(miss)
    return miss


_SPACE = re.compile(r"\s+")
# What nlu.yml would read as an entity annotation "[value](type)": the brackets are
# dropped, the words kept.
_BRACKETS = re.compile(r"[\[\]]")


def export_labels(session: Session) -> str:
    """Every labelled text as Rasa `nlu.yml`, one block per intent (nlu/data.py reads it)."""
    by_intent: dict[str, list[str]] = {}
    rows = session.execute(select(MissedMessage.label, MissedMessage.text)
                           .where(MissedMessage.label.is_not(None)).order_by(MissedMessage.label, MissedMessage.id))
    for intent, text in rows:
        line = _BRACKETS.sub("", _SPACE.sub(" ", text)).strip()
        examples = by_intent.setdefault(intent, [])
        if line and line not in examples:
            examples.append(line)
    lines = ['version: "3.1"', "nlu:"]
    for intent, examples in by_intent.items():
        lines += [f"- intent: {intent}", "  examples: |", *(f"    - {example}" for example in examples)]
    return "\n".join(lines) + "\n"
