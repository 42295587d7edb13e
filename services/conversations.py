"""LINE users, their conversations and the transcript, and the events they send.

The webhook records each event, and a message in the transcript, in the transaction
that must commit before it answers: a resident's message survives any later failure,
and the unique event id turns a redelivery into a no-op, so the transcript holds it
exactly once.

An event is worked on by one process at a time: the one holding its lease (an owner
and an expiry the owner renews while it lives). The recording process takes the new
events itself; what it cannot take, or what a dead process left when its lease ran
out, is claimed again by a sweeper. The answer is recorded, under the lease, before
it is sent, so an event claimed again sends that same answer (same retry key)
instead of making a new one. Events that keep failing stop after a number of
attempts ("dead"); malformed ones are recorded as "rejected" and never processed.
"""
from __future__ import annotations

from collections.abc import Callable, Container, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, func, literal, or_, select, text, update
from sqlalchemy.orm import Session

from models.base import as_utc, utcnow
from models.chat import ChatMessage, Conversation, LineUser, WebhookEvent
from models.db import Executor, affected_rows, dialect_of
from models.inserts import insert_or_ignore, insert_rows, update_rows
from services.messaging import outbox

AUTO = "auto"
MANUAL = "manual"
ANSWERED = ("message", "postback", "follow")  # the events a user expects an answer to
UNFINISHED = ("received", "processing")
MAX_ORDER = 2**63
USER_ID_PREFIX = "U"  # LINE's user ids; a group's start with C, a room's with R

# Every event runs the statements below. They are built once, on the tables rather
# than the ORM classes: SQLAlchemy then neither rebuilds nor re-keys them per call and
# skips the ORM's bookkeeping, which together cost more CPU than the database work.
_events, _messages, _conversations = WebhookEvent.__table__, ChatMessage.__table__, Conversation.__table__
_users = LineUser.__table__
_DONE = (
    update(_events).where(_events.c.webhook_event_id.in_(bindparam("event_ids", expanding=True)))
    .values(status="done", error=None, processed_at=bindparam("at"), lease_owner=None, lease_until=None)
)
_FAILED = (
    update(_events).where(_events.c.webhook_event_id == bindparam("event_id"))
    .values(status="failed", error=bindparam("error"), processed_at=bindparam("at"), lease_owner=None,
            lease_until=None)
)
_RENEW = (
    update(_events).where(_events.c.lease_owner == bindparam("owner"), _events.c.status == "processing")
    .values(lease_until=bindparam("until"))
)
_STAMP = (update(_conversations).where(_conversations.c.line_user_id.in_(bindparam("user_ids", expanding=True)))
          .values(last_message_at=bindparam("at")).returning(_conversations.c.line_user_id, _conversations.c.mode))
_MODES = select(_conversations.c.line_user_id, _conversations.c.mode).where(
    _conversations.c.line_user_id.in_(bindparam("user_ids", expanding=True)))
_CONSENT = (update(_users).where(_users.c.line_user_id == bindparam("user_id"))
            .values(consent_version=bindparam("version"), consent_at=bindparam("at")))


@dataclass(frozen=True)
class Event:
    """A webhook event that passed the edge's checks (bot/events.py): the fields the
    bot relies on, typed, and the event as LINE sent it."""

    event_id: str
    type: str
    user_id: str | None
    timestamp_ms: int
    mode: str
    is_redelivery: bool
    reply_token: str | None
    payload: dict[str, Any] = field(repr=False)

    @property
    def message(self) -> dict[str, Any]:
        return self.payload.get("message") or {} if self.type == "message" else {}

    @property
    def order(self) -> tuple[int, str]:
        """A user's events are answered in this order."""
        return self.timestamp_ms, self.event_id


@dataclass(frozen=True)
class Rejected:
    """A malformed event: recorded so it is seen and deduplicated, never processed.
    Its id is derived from its content when its own is unusable."""

    event_id: str
    reason: str
    excerpt: str
    user_id: str | None = None


@dataclass(frozen=True)
class Claim:
    """An event taken for processing, under this process's lease."""

    event: Event
    manual: bool  # staff had the chat when it was taken
    received_at: datetime
    answer: list[dict[str, Any]] | None = None  # recorded before: send this, make nothing new
    attempts: int = 1
    wait_for_earlier: bool = False  # the user had earlier events unfinished when it was taken

    @property
    def retry_key(self) -> str:
        return outbox.retry_key_for("answer", self.event.event_id)


@dataclass(frozen=True)
class Answer:
    """What one event will be answered with, recorded before it is sent."""

    event_id: str
    messages: Sequence[dict[str, Any]]
    retry_key: str


@dataclass(frozen=True)
class Ending:
    """How one event ended: the messages that answered it by reply, and its error
    when it failed."""

    webhook_event_id: str
    line_user_id: str
    replied: Sequence[dict[str, Any]] = ()
    error: str | None = None


@dataclass(frozen=True)
class Dead:
    """An event given up after its last attempt."""

    webhook_event_id: str
    line_user_id: str | None
    type: str


def record_events(executor: Executor, events: Sequence[Event], rejected: Sequence[Rejected] = (),
                  ended: Sequence[Ending] = (), *, owner: str, lease: timedelta,
                  waiting: Container[str] = ()) -> list[Claim]:
    """Store webhook events that arrived, and how earlier ones ended, with a statement
    per kind of row whatever their number (under load the webhook and the workers write
    together: models/group_commit.py): the events; the transcript, the residents'
    messages and the replies alike; the conversations of those who wrote, which say
    whether staff have the chat; the ended events done or failed.

    Returns the events not seen before, taken under `owner`'s lease, except standby
    ones, stored only (another channel answers them), and those `waiting` for room
    in the owner's queues, stored for a sweeper to claim."""
    now = utcnow()
    unique: dict[str, Event | Rejected] = {}
    every: list[Event | Rejected] = [*events, *rejected]
    for event in every:
        unique.setdefault(event.event_id, event)
    new: list[Event] = []
    if unique:
        rows = sorted((_event_row(event, now, None if event.event_id in waiting else owner, now + lease)
                       for event in unique.values()),  # two bodies with the same events wait, not deadlock
                      key=lambda row: row["webhook_event_id"])
        recorded = set(insert_or_ignore(executor, _events, "webhook_event_id", rows, returning="webhook_event_id"))
        new = [e for event_id, e in unique.items() if event_id in recorded and isinstance(e, Event)]
    # Events with a user, the ones a message is stored and a conversation stamped for.
    arrived = [(e, e.user_id) for e in new if e.user_id and e.type in ANSWERED]
    # The replies first: they answer messages that came before these new ones.
    transcript = [_transcript_row(e.line_user_id, "out", message, webhook_event_id=e.webhook_event_id, via="reply")
                  for e in ended for message in e.replied]
    transcript += [_transcript_row(user, "in", e.message, webhook_event_id=e.event_id)
                   for e, user in arrived if e.type == "message"]
    if transcript:
        insert_rows(executor, _messages, transcript)
    modes = stamp_conversations(executor, {user for _, user in arrived}, at=now)
    done = [e.webhook_event_id for e in ended if e.error is None]
    if done:
        executor.execute(_DONE, {"event_ids": done, "at": now})
    for ending in ended:
        if ending.error is not None:
            executor.execute(_FAILED, {"event_id": ending.webhook_event_id, "error": ending.error, "at": now})
    taken = [e for e in new if e.mode != "standby" and e.event_id not in waiting]
    behind = _users_with_earlier(executor, taken, owner)
    return [Claim(e, modes.get(e.user_id or "") == MANUAL, now, wait_for_earlier=e.user_id in behind) for e in taken]


def _event_row(event: Event | Rejected, now: datetime, owner: str | None, lease_until: datetime) -> dict[str, Any]:
    row = {"webhook_event_id": event.event_id, "line_user_id": event.user_id, "received_at": now,
           "lease_owner": None, "lease_until": None}
    if isinstance(event, Rejected):
        return {**row, "type": "rejected", "timestamp_ms": 0, "mode": "active", "is_redelivery": False,
                "payload": {"excerpt": event.excerpt}, "status": "rejected", "attempts": 0, "error": event.reason}
    standby = event.mode == "standby"
    status = "standby" if standby else "processing" if owner else "received"
    return {
        **row,
        "type": event.type,
        "timestamp_ms": event.timestamp_ms,
        "mode": event.mode,
        "is_redelivery": event.is_redelivery,
        "payload": event.payload,
        "status": status,
        "attempts": 1 if status == "processing" else 0,
        "error": None,
        "lease_owner": owner if status == "processing" else None,
        "lease_until": lease_until if status == "processing" else None,
    }


def _earlier_unfinished(user_id: Any, before: tuple[Any, Any]):
    """Events of a user still to answer, earlier than `before` (timestamp, id)."""
    timestamp, event_id = before
    return and_(_events.c.line_user_id == user_id, _events.c.status.in_(UNFINISHED),
                or_(_events.c.timestamp_ms < timestamp,
                    and_(_events.c.timestamp_ms == timestamp, _events.c.webhook_event_id < event_id)))


def _users_with_earlier(executor: Executor, taken: Sequence[Event], owner: str) -> set[str]:
    """Users of `taken` with earlier events still unfinished, waiting or another
    process's: their new events must wait for those. (The owner's own are ahead of
    them in its queue.)"""
    first: dict[str, tuple[int, str]] = {}
    for event in taken:
        if event.user_id and event.order < first.get(event.user_id, (MAX_ORDER, "")):
            first[event.user_id] = event.order
    if not first:
        return set()
    rows = executor.execute(select(_events.c.line_user_id, _events.c.timestamp_ms, _events.c.webhook_event_id)
                            .where(_events.c.line_user_id.in_(list(first)), _events.c.status.in_(UNFINISHED),
                                   or_(_events.c.lease_owner.is_(None), _events.c.lease_owner != owner)))
    return {user for user, timestamp, event_id in rows if (timestamp, event_id) < first[user]}


def has_earlier_unfinished(executor: Executor, event: Event) -> bool:
    """Whether an earlier event of the same user is still to be answered."""
    return executor.execute(select(_events.c.id).where(_earlier_unfinished(event.user_id, event.order))
                            .limit(1)).first() is not None


def _transcript_row(line_user_id: str, direction: str, message: dict[str, Any], *, webhook_event_id: str | None,
                    via: str | None = None, retry_key: str | None = None) -> dict[str, Any]:
    """A row of the transcript; every row has the same keys, so rows in and out go in one INSERT."""
    return {
        "line_user_id": line_user_id,
        "direction": direction,
        "type": str(message.get("type", "unknown"))[:32],
        "text": message.get("text") or message.get("altText"),
        "payload": message,
        "line_message_id": message.get("id") if direction == "in" else None,
        "webhook_event_id": webhook_event_id,
        "via": via,
        "retry_key": retry_key,
    }


def record_answers(executor: Executor, answers: Sequence[Answer], *, owner: str) -> set[str]:
    """Record each answer before it is sent, if `owner` still holds the event's
    lease; returns the ids of the events whose answers were recorded."""
    if not answers:
        return set()
    return set(update_rows(executor, _events, "webhook_event_id", [
        {"webhook_event_id": a.event_id, "answer": list(a.messages), "retry_key": a.retry_key} for a in answers
    ], only_if={"status": "processing", "lease_owner": owner}, returning="webhook_event_id"))


def renew_leases(executor: Executor, owner: str, *, until: datetime) -> int:
    return affected_rows(executor.execute(_RENEW, {"owner": owner, "until": until}))


def release(executor: Executor, webhook_event_ids: Sequence[str], *, owner: str,
            retry_at: datetime | None = None) -> None:
    """Give back events taken but not answered (no room in the workers' queue, or a
    failed attempt, to be tried again from `retry_at`): a sweeper claims them."""
    executor.execute(update(_events).where(_events.c.webhook_event_id.in_(list(webhook_event_ids)),
                                           _events.c.status == "processing", _events.c.lease_owner == owner)
                     .values(status="received", lease_owner=None, lease_until=None, next_attempt_at=retry_at))


def _due(now: datetime):
    return or_(
        and_(_events.c.status == "received",
             or_(_events.c.next_attempt_at.is_(None), _events.c.next_attempt_at <= now)),
        and_(_events.c.status == "processing", or_(_events.c.lease_until.is_(None), _events.c.lease_until < now)),
    )


def users_with_due_events(executor: Executor, *, limit: int = 100) -> list[str | None]:
    """Users with events to claim (waiting, or left by a process whose lease ran
    out), those who waited longest first."""
    first = func.min(_events.c.timestamp_ms)
    return list(executor.execute(select(_events.c.line_user_id, first).where(_due(utcnow()))
                                 .group_by(_events.c.line_user_id).order_by(first).limit(limit)).scalars())


def claim_due(executor: Executor, line_user_id: str | None, *, owner: str, lease: timedelta, max_attempts: int,
              limit: int, event_of: Callable[[dict[str, Any]], Event]) -> tuple[list[Claim], list[Dead]]:
    """Take a user's due events, in order, unless another process holds a live lease
    on one of that user's events (it is answering them: the rest wait for it).
    Events out of attempts are given up instead. Returns what was taken (each
    stored event read back by `event_of`) and what died."""
    now = utcnow()
    user = _events.c.line_user_id.is_(None) if line_user_id is None else _events.c.line_user_id == line_user_id
    if line_user_id is not None:
        if dialect_of(executor) == "postgresql":
            # Two sweepers claiming one user's events take turns; the second then sees
            # the first's leases below. (SQLite runs one writer at a time anyway.)
            executor.execute(text("SELECT pg_advisory_xact_lock(hashtext(:user))"), {"user": line_user_id})
        if executor.execute(select(_events.c.id).where(
                user, _events.c.status == "processing", _events.c.lease_owner != owner,
                _events.c.lease_until >= now).limit(1)).first() is not None:
            return [], []
    dead = [Dead(*row) for row in executor.execute(
        update(_events).where(user, _due(now), _events.c.attempts >= max_attempts)
        .values(status="dead", lease_owner=None, lease_until=None, processed_at=now,
                error=literal(f"gave up after {max_attempts} attempts; last error: ")
                + func.coalesce(_events.c.error, "none recorded"))
        .returning(_events.c.webhook_event_id, _events.c.line_user_id, _events.c.type))]
    pick = (select(_events.c.id).where(user, _due(now)).order_by(_events.c.timestamp_ms, _events.c.webhook_event_id)
            .limit(limit))
    rows = executor.execute(
        update(_events).where(_events.c.id.in_(pick.scalar_subquery()), _due(now))
        .values(status="processing", lease_owner=owner, lease_until=now + lease, attempts=_events.c.attempts + 1,
                next_attempt_at=None)
        .returning(_events.c.payload, _events.c.received_at, _events.c.answer, _events.c.attempts,
                   _events.c.timestamp_ms, _events.c.webhook_event_id)).all()
    rows = sorted(rows, key=lambda row: (row.timestamp_ms, row.webhook_event_id))
    modes: dict[str, str] = {u: m for u, m in executor.execute(_MODES, {"user_ids": [line_user_id]})} \
        if line_user_id else {}
    return [Claim(event_of(row.payload), modes.get(line_user_id or "") == MANUAL, as_utc(row.received_at), row.answer,
                  row.attempts, wait_for_earlier=True) for row in rows], dead


@dataclass(frozen=True)
class GivenUp:
    """An event no answer came of: rejected as malformed, or dead after its attempts."""

    webhook_event_id: str
    status: str
    type: str
    line_user_id: str | None
    attempts: int
    error: str | None
    received_at: datetime


def given_up(session: Session, *, status: str | None = None, offset: int = 0,
             limit: int = 50) -> tuple[list[GivenUp], int]:
    """Dead and rejected events, newest first, a page at a time; and how many there are."""
    statuses = [status] if status in ("dead", "rejected") else ["dead", "rejected"]
    where = _events.c.status.in_(statuses)
    total = session.scalar(select(func.count()).select_from(_events).where(where)) or 0
    rows = session.execute(
        select(_events.c.webhook_event_id, _events.c.status, _events.c.type, _events.c.line_user_id,
               _events.c.attempts, _events.c.error, _events.c.received_at)
        .where(where).order_by(_events.c.received_at.desc(), _events.c.id.desc()).offset(offset).limit(limit))
    return [GivenUp(row.webhook_event_id, row.status, row.type, row.line_user_id, row.attempts, row.error,
                    as_utc(row.received_at)) for row in rows], total


@dataclass(frozen=True)
class UserProfile:
    """What LINE tells of a user who follows us (bot/ reads it from LINE's API)."""

    display_name: str | None = None
    picture_url: str | None = None
    language: str | None = None


def ensure_user(session: Session, line_user_id: str, profile: UserProfile | None = None) -> LineUser:
    insert_or_ignore(session, _users, "line_user_id",
                     [{"line_user_id": line_user_id, "followed_at": utcnow(), "created_at": utcnow()}])
    user = session.scalars(select(LineUser).where(LineUser.line_user_id == line_user_id)).one()
    if profile:
        user.display_name = (profile.display_name or user.display_name or "")[:200] or None
        user.picture_url = profile.picture_url or user.picture_url
        user.language = profile.language or user.language
    return user


def set_following(session: Session, line_user_id: str, following: bool) -> None:
    user = ensure_user(session, line_user_id)
    user.is_following = following
    if following:
        user.followed_at = utcnow()
    else:
        user.unfollowed_at = utcnow()


def consent_of(session: Session, line_user_id: str) -> str | None:
    """The version of the e-notice consent this user gave, or None."""
    return session.scalar(select(LineUser.consent_version).where(LineUser.line_user_id == line_user_id))


def record_consent(session: Session, line_user_id: str, version: str | None) -> None:
    """None withdraws consent for electronic notices. One UPDATE: the user's row is
    made when their first event arrives."""
    values = {"user_id": line_user_id, "version": version, "at": utcnow()}
    if affected_rows(session.execute(_CONSENT, values)) == 0:
        ensure_user(session, line_user_id)
        session.execute(_CONSENT, values)


def conversation(session: Session, line_user_id: str) -> Conversation:
    """The user's conversation, made on first sight."""
    _first_sight(session, [line_user_id])
    return session.scalars(select(Conversation).where(Conversation.line_user_id == line_user_id)).one()


def _first_sight(executor: Executor, line_user_ids: list[str]) -> None:
    """The users' rows, one statement per table however many are new. Two first
    messages of a new user can arrive at once, so they are made with insert-or-ignore."""
    now = utcnow()
    insert_or_ignore(executor, _users, "line_user_id",
                     [{"line_user_id": u, "followed_at": now, "created_at": now} for u in line_user_ids])
    insert_or_ignore(executor, _conversations, "line_user_id",
                     [{"line_user_id": u, "mode": AUTO, "status": "done", "created_at": now} for u in line_user_ids])


def stamp_conversations(executor: Executor, line_user_ids: Iterable[str], *,
                        at: datetime | None = None) -> dict[str, str]:
    """A message came from (or went to) these users: one UPDATE in the common case,
    the rows made on first sight. Returns each conversation's mode."""
    users = sorted(line_user_ids)  # every transaction locks them in one order
    if not users:
        return {}
    stamp = {"user_ids": users, "at": at or utcnow()}
    modes: dict[str, str] = {u: m for u, m in executor.execute(_STAMP, stamp)}
    missing = [u for u in users if u not in modes]
    if missing:
        _first_sight(executor, missing)
        modes.update({u: m for u, m in executor.execute(_STAMP, {**stamp, "user_ids": missing})})
    return modes


def record_outbound(
    executor: Executor,
    line_user_id: str,
    messages: Iterable[dict[str, Any]],
    *,
    via: str,
    webhook_event_id: str | None = None,
    retry_key: str | None = None,
) -> None:
    rows = [_transcript_row(line_user_id, "out", message, webhook_event_id=webhook_event_id, via=via,
                            retry_key=retry_key) for message in messages]
    if rows:
        insert_rows(executor, _messages, rows)
    # An answer's event stamped the conversation when it arrived; a push to a group
    # (the inbox's alerts to staff) is no resident's conversation.
    if webhook_event_id is None and line_user_id.startswith(USER_ID_PREFIX):
        stamp_conversations(executor, [line_user_id])


def was_sent(executor: Executor, retry_key: str) -> bool:
    """Whether a push with this retry key is already in the transcript."""
    return executor.scalar(
        select(ChatMessage.id).where(ChatMessage.retry_key == retry_key).limit(1)
    ) is not None


def unsend(session: Session, line_message_id: str) -> None:
    """The resident took the message back: keep the row, drop the content (PDPA)."""
    session.execute(
        update(ChatMessage)
        .where(ChatMessage.line_message_id == line_message_id)
        .values(text=None, payload={"unsent": True}, unsent=True)
    )


def transcript(session: Session, line_user_id: str, *, limit: int = 50) -> list[ChatMessage]:
    rows = session.scalars(
        select(ChatMessage)
        .where(ChatMessage.line_user_id == line_user_id)
        .order_by(ChatMessage.created_at.desc(), ChatMessage.id.desc())
        .limit(limit)
    ).all()
    return list(reversed(rows))

