"""LINE users, their conversations and the transcript.

The webhook records each event, and a message in the transcript, in the transaction
that must commit before it answers: a resident's message survives any later failure,
and the unique event id turns a redelivery into a no-op, so the transcript holds it
exactly once. The recording process takes the new events for its own workers
(status "processing"), which saves each event a claiming transaction of its own;
only events it could not process are claimed again, from the database.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Iterable, Sequence

from sqlalchemy import and_, bindparam, or_, select, update
from sqlalchemy.orm import Session

from models.base import utcnow
from models.chat import ChatMessage, Conversation, LineUser, WebhookEvent
from models.db import Executor
from models.inserts import insert_or_ignore, insert_rows

AUTO = "auto"
MANUAL = "manual"
ANSWERED = ("message", "postback", "follow")  # the events a user expects an answer to

# Every event runs the statements below. They are built once, on the tables rather
# than the ORM classes: SQLAlchemy then neither rebuilds nor re-keys them per call and
# skips the ORM's bookkeeping, which together cost more CPU than the database work.
_events, _messages, _conversations = WebhookEvent.__table__, ChatMessage.__table__, Conversation.__table__
_users = LineUser.__table__
_CLAIM = (
    update(_events)
    .where(_events.c.webhook_event_id == bindparam("event_id"), _events.c.status == "received")
    .values(status="processing", attempts=_events.c.attempts + 1)
    .returning(_events.c.payload)
)
_DONE = (
    update(_events).where(_events.c.webhook_event_id.in_(bindparam("event_ids", expanding=True)))
    .values(status="done", error=None, processed_at=bindparam("at"))
)
_FAILED = (
    update(_events).where(_events.c.webhook_event_id == bindparam("event_id"))
    .values(status="failed", error=bindparam("error"), processed_at=bindparam("at"))
)
_STAMP = (update(_conversations).where(_conversations.c.line_user_id.in_(bindparam("user_ids", expanding=True)))
          .values(last_message_at=bindparam("at")).returning(_conversations.c.line_user_id, _conversations.c.mode))
_MODE = select(_conversations.c.mode).where(_conversations.c.line_user_id == bindparam("user_id"))
_CONSENT = (update(_users).where(_users.c.line_user_id == bindparam("user_id"))
            .values(consent_version=bindparam("version"), consent_at=bindparam("at")))


@dataclass(frozen=True)
class Claim:
    """An event taken for processing."""

    event: dict[str, Any]
    manual: bool  # staff had the chat when it arrived


@dataclass(frozen=True)
class Ending:
    """How one event ended: the messages that answered it by reply, and its error
    when it failed."""

    webhook_event_id: str
    line_user_id: str
    replied: Sequence[dict[str, Any]] = ()
    error: str | None = None


def _user(event: dict[str, Any]) -> str | None:
    return (event.get("source") or {}).get("userId")


def record_events(executor: Executor, events: Sequence[dict[str, Any]],
                  ended: Sequence[Ending] = ()) -> list[Claim]:
    """Store webhook events that arrived, and how earlier ones ended, with a statement
    per kind of row whatever their number (under load the webhook and the workers write
    together: models/group_commit.py): the events; the transcript, the residents'
    messages and the replies alike; the conversations of those who wrote, which say
    whether staff have the chat; the ended events done or failed.

    Returns the events not seen before. Each is taken for processing by the caller,
    except standby ones, stored only (another channel answers them)."""
    now = utcnow()
    unique: dict[str, dict[str, Any]] = {}
    for event in events:
        unique.setdefault(event["webhookEventId"], event)
    new: list[dict[str, Any]] = []
    if unique:
        rows = sorted((_event_row(event, now) for event in unique.values()),  # two bodies with the
                      key=lambda row: row["webhook_event_id"])                # same events wait, not deadlock
        recorded = set(insert_or_ignore(executor, _events, "webhook_event_id", rows,
                                        returning="webhook_event_id").scalars())
        new = [event for event_id, event in unique.items() if event_id in recorded]
    arrived = [e for e in new if _user(e) and e.get("type") in ANSWERED]
    # The replies first: they answer messages that came before these new ones.
    transcript = [_transcript_row(e.line_user_id, "out", message, webhook_event_id=e.webhook_event_id, via="reply")
                  for e in ended for message in e.replied]
    transcript += [_transcript_row(_user(e), "in", e["message"] if isinstance(e.get("message"), dict) else {},
                                   webhook_event_id=e["webhookEventId"])
                   for e in arrived if e.get("type") == "message"]
    if transcript:
        insert_rows(executor, _messages, transcript)
    modes = stamp_conversations(executor, {_user(e) for e in arrived}, at=now)
    done = [e.webhook_event_id for e in ended if e.error is None]
    if done:
        executor.execute(_DONE, {"event_ids": done, "at": now})
    for ending in ended:
        if ending.error is not None:
            executor.execute(_FAILED, {"event_id": ending.webhook_event_id, "error": ending.error, "at": now})
    return [Claim(event, modes.get(_user(event)) == MANUAL) for event in new]


def _event_row(event: dict[str, Any], now: datetime) -> dict[str, Any]:
    mode = event.get("mode", "active")
    standby = mode == "standby"
    return {
        "webhook_event_id": event["webhookEventId"],
        "type": str(event.get("type", "unknown"))[:32],
        "line_user_id": _user(event),
        "timestamp_ms": int(event.get("timestamp") or 0),
        "mode": str(mode)[:16],
        "is_redelivery": bool((event.get("deliveryContext") or {}).get("isRedelivery")),
        "payload": event,
        "status": "standby" if standby else "processing",
        "attempts": 0 if standby else 1,
        "received_at": now,
    }


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


def release_events(executor: Executor, webhook_event_ids: list[str]) -> None:
    """Give back events taken but not processed (no room in the workers' queue):
    the sweeper claims them."""
    executor.execute(update(_events).where(_events.c.webhook_event_id.in_(webhook_event_ids),
                                           _events.c.status == "processing").values(status="received"))


def claim_event(session: Session, webhook_event_id: str) -> Claim | None:
    """Take an event again (swept: left by a full queue or a dead worker); None when
    another worker has it or it is done. Its message is in the transcript already."""
    claimed = session.execute(_CLAIM, {"event_id": webhook_event_id}).one_or_none()
    if claimed is None:
        return None
    event = claimed[0]
    user_id = (event.get("source") or {}).get("userId")
    mode = session.execute(_MODE, {"user_id": user_id}).scalar() if user_id else None
    return Claim(event, mode == MANUAL)


def unfinished_events(session: Session, *, older_than: timedelta, waiting_for: timedelta | None = None,
                      limit: int = 100) -> list[tuple[str, str | None]]:
    """(event id, user id) of events no worker finished, oldest first: waiting longer
    than `waiting_for` (default `older_than`), or taken more than `older_than` ago by
    a worker that died before it answered (an event with an answer on record is
    never taken again). Those taken are set back to waiting, to be claimed anew."""
    now = utcnow()
    waiting_cutoff = now - (older_than if waiting_for is None else waiting_for)
    answered = select(ChatMessage.id).where(ChatMessage.webhook_event_id == WebhookEvent.webhook_event_id,
                                            ChatMessage.direction == "out")
    rows = session.execute(
        select(WebhookEvent.webhook_event_id, WebhookEvent.line_user_id)
        .where(
            or_(
                and_(WebhookEvent.status == "received", WebhookEvent.received_at < waiting_cutoff),
                and_(WebhookEvent.status == "processing", WebhookEvent.received_at < now - older_than),
            ),
            ~answered.exists(),
        )
        .order_by(WebhookEvent.timestamp_ms)
        .limit(limit)
    ).all()
    session.execute(
        update(WebhookEvent)
        .where(WebhookEvent.webhook_event_id.in_([r[0] for r in rows]), WebhookEvent.status == "processing")
        .values(status="received")
    )
    return [(event_id, user_id) for event_id, user_id in rows]


def ensure_user(session: Session, line_user_id: str, profile: dict[str, Any] | None = None) -> LineUser:
    insert_or_ignore(session, _users, "line_user_id",
                     [{"line_user_id": line_user_id, "followed_at": utcnow(), "created_at": utcnow()}])
    user = session.scalar(select(LineUser).where(LineUser.line_user_id == line_user_id))
    if profile:
        user.display_name = (profile.get("displayName") or user.display_name or "")[:200] or None
        user.picture_url = profile.get("pictureUrl") or user.picture_url
        user.language = profile.get("language") or user.language
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
    if session.execute(_CONSENT, values).rowcount == 0:
        ensure_user(session, line_user_id)
        session.execute(_CONSENT, values)


def conversation(session: Session, line_user_id: str) -> Conversation:
    """The user's conversation, made on first sight."""
    _first_sight(session, [line_user_id])
    return session.scalar(select(Conversation).where(Conversation.line_user_id == line_user_id))


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
    modes = dict(executor.execute(_STAMP, stamp).all())
    missing = [u for u in users if u not in modes]
    if missing:
        _first_sight(executor, missing)
        modes.update(executor.execute(_STAMP, {**stamp, "user_ids": missing}).all())
    return modes


def switch_to_manual(session: Session, line_user_id: str, *, topic: str | None = None) -> Conversation:
    conv = conversation(session, line_user_id)
    if conv.mode != MANUAL:
        conv.mode = MANUAL
        conv.status = "new"
        conv.manual_since = utcnow()
    if topic:
        conv.topic = topic[:200]
    return conv


def switch_to_auto(session: Session, line_user_id: str) -> Conversation:
    conv = conversation(session, line_user_id)
    conv.mode = AUTO
    conv.status = "done"
    conv.manual_since = None
    return conv


def is_manual(session: Session, line_user_id: str) -> bool:
    """Manual chats left idle return to the bot, so nobody waits forever."""
    return session.execute(_MODE, {"user_id": line_user_id}).scalar() == MANUAL


def release_idle_manual(session: Session, *, idle_for: timedelta) -> list[str]:
    cutoff = utcnow() - idle_for
    convs = session.scalars(
        select(Conversation).where(Conversation.mode == MANUAL, Conversation.last_message_at < cutoff)
    ).all()
    for conv in convs:
        switch_to_auto(session, conv.line_user_id)
    return [c.line_user_id for c in convs]


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
    if webhook_event_id is None:  # an answer's event stamped the conversation when it arrived
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

