"""From a stored webhook event to an answer, exactly once.

The webhook checks each event (bot/events.py), records the good ones, the rejected
ones and the residents' messages in one transaction (so nothing is lost and
duplicates are dropped) and hands the new ones here, taken under this process's
lease; a bounded pool of workers answers them after LINE has its 200.

Exactly once: the answer is recorded, under the lease, before it is sent; the reply
is retried with the same body; whatever a reply could not carry goes by push with
the event's retry key. A process that dies leaves its leases to run out, and the
job process (`smartservice scheduler`, its "events" job) then claims the events and
sends the recorded answer, or makes one if none was recorded. An event that keeps failing is given up ("dead")
after EVENT_MAX_ATTEMPTS, with at most one apology.

Fairness and order: each user has a queue, answered one event at a time in
timestamp order, and at most one pool thread works for a user at any moment, taking
one event, then going to the back of the pool's queue. One user's backlog waits
behind that user only. A user whose earlier events another process still holds
waits (without holding a thread) until they are answered.

What the requests record and what the workers' answers leave is written through one
group commit (models/group_commit.py): under load, one transaction holds several
requests' events and several answers.
"""
from __future__ import annotations

import bisect
import heapq
import itertools
import logging
import os
import socket
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection

from bot import logs, metrics
from bot.delivery import Delivery
from bot.events import read_event
from flows.engine import Channel, Context, Engine, Turn
from flows.texts import say
from models.base import utcnow
from models.group_commit import GroupCommit
from services import conversations, learning
from services.container import Services
from services.conversations import Answer, Claim, Ending, Event, Rejected
from services.dialog_state import DialogState
from services.identity.sms import send_due
from services.messaging import outbox
from services.messaging.outbox import Push

log = logging.getLogger(__name__)

SWEEP_USERS = 100  # users whose events one sweep round claims
ALARM_GRAIN = 0.1  # seconds an alarm may run late
# First and longest pause while another process answers a user's earlier events:
# short, since a longer one only lets the wait overshoot the moment they are answered.
WAIT_FOR_EARLIER = (0.01, 0.2)
GIVE_UP_WAITING = 10.0  # then the events go back to the database, for whoever answers the earlier ones


def turn_from_event(event: Event, parse: Callable[[str], Any]) -> Turn | None:
    user_id = event.user_id
    if not user_id:
        return None
    payload = event.payload
    if event.type == "follow":
        return Turn(user_id=user_id, kind="follow", event_id=event.event_id)
    if event.type == "postback":
        postback = payload["postback"]
        return Turn.postback(user_id, postback["data"], postback.get("params") or {}, event_id=event.event_id)
    if event.type == "message":
        message = event.message
        if message["type"] == "text":
            text = message["text"]
            return Turn(user_id=user_id, kind="text", text=text, message=message, parse=parse(text),
                        event_id=event.event_id)
        return Turn(user_id=user_id, kind=message["type"], message=message, event_id=event.event_id)
    return None


def read_stored(payload: dict[str, Any]) -> Event:
    """An event as recorded: it passed the same checks when it arrived."""
    event = read_event(payload)
    if isinstance(event, Rejected):  # only if the rules grew stricter since it was recorded
        raise ValueError(f"stored event no longer valid: {event.reason}")
    return event


@dataclass(frozen=True)
class _Arrived:
    """A webhook body's events, to record before LINE gets its 200."""

    events: list[Event]
    rejected: list[Rejected]
    waiting: frozenset[str] = frozenset()  # no room for these here: recorded, for the job process


@dataclass(frozen=True)
class _Answered:
    """An answer to record before it is sent, with the dialog state the turn left
    (None: unchanged)."""

    answer: Answer
    user_id: str
    state: DialogState | None


@dataclass(frozen=True)
class _End:
    """What sending an answer leaves to write: how it ended, and what is left to push."""

    ending: Ending
    to_push: list[dict[str, Any]]
    retry_key: str


class Alarm:
    def __init__(self, call: Callable[[], None]) -> None:
        self.call = call
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class Alarms:
    """Calls due after a delay, all on one thread. A threading.Timer per event (for
    the loading animation) cost a thread start and join per event, about 8% of the
    bot's CPU, for a call that is almost always cancelled."""

    def __init__(self) -> None:
        self._due: list[tuple[float, int, Alarm]] = []
        self._order = itertools.count()
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None

    def after(self, seconds: float, call: Callable[[], None]) -> Alarm:
        alarm = Alarm(call)
        with self._changed:
            entry = (time.monotonic() + seconds, next(self._order), alarm)
            heapq.heappush(self._due, entry)
            if self._thread is None:  # started on first use: after gunicorn has forked
                self._thread = threading.Thread(target=self._run, name="alarms", daemon=True)
                self._thread.start()
            if self._due[0] is entry:  # else the thread already wakes up early enough
                self._changed.notify()
        return alarm

    def _run(self) -> None:
        while True:
            with self._changed:
                # Almost every alarm is cancelled before it is due: waking at most every
                # ALARM_GRAIN seconds, each wake takes all that fell due, however many.
                while not self._due or self._due[0][0] > time.monotonic():
                    self._changed.wait(max(self._due[0][0] - time.monotonic(), ALARM_GRAIN) if self._due else None)
                now, due = time.monotonic(), []
                while self._due and self._due[0][0] <= now:
                    due.append(heapq.heappop(self._due)[2])
            for alarm in due:
                if alarm.cancelled:
                    continue
                try:
                    alarm.call()
                except Exception:  # noqa: BLE001 - one failing call must not stop the others
                    log.exception("alarm failed")


@dataclass(order=True)
class _Queued:
    """A claim in its user's queue, kept in answering order."""

    order: tuple[int, str]
    claim: Claim = field(compare=False)
    batch: _Batch | None = field(compare=False, default=None)


class _Batch:
    """Claims a sweep hands to the workers; the sweep waits until they are answered."""

    def __init__(self) -> None:
        self._left = 0
        self._done = threading.Condition()

    def add(self, count: int) -> None:
        with self._done:
            self._left += count

    def finished_one(self) -> None:
        with self._done:
            self._left -= 1
            self._done.notify_all()

    def wait(self) -> None:
        with self._done:
            self._done.wait_for(lambda: self._left <= 0)


class Dispatcher:
    def __init__(
        self,
        services: Services,
        engine: Engine,
        delivery: Delivery,
        *,
        parse: Callable[[str], Any],
        channel: Channel | None = None,
        threads: int = 8,
        queue_size: int = 1000,
        loading_after: float = 1.0,
        lease_seconds: float = 15.0,
        max_attempts: int = 5,
    ) -> None:
        self.services = services
        self.db = services.db
        self.engine = engine
        self.delivery = delivery
        self.client = delivery.client
        self.parse = parse
        self.channel = channel
        self.loading_after = loading_after
        self.lease = timedelta(seconds=lease_seconds)
        self.max_attempts = max_attempts
        self.queue_size = queue_size
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="event")
        self._lock = threading.Condition()  # guards the queues below; notified when one empties
        self._queues: dict[str, list[_Queued]] = {}  # per user, in answering order
        self._running: set[str] = set()  # users with a task in the pool or waiting on an alarm
        self._blocked_since: dict[str, float] = {}
        self._queued = 0  # claims in memory, queued or being answered
        self._renewing = False
        self._closed = False
        self._owner: tuple[int, str] | None = None
        self._alarms = Alarms()
        # Requests recording events and workers recording answers, at the same moment,
        # share a transaction.
        self._write = GroupCommit(self.db, self._write_batch, observe=metrics.WRITE_BATCH.observe)

    @property
    def owner(self) -> str:
        """Who holds this process's leases: made after gunicorn forks, so no two
        processes share it."""
        if self._owner is None or self._owner[0] != os.getpid():
            self._owner = (os.getpid(), f"{socket.gethostname()[:32]}:{os.getpid()}:{uuid.uuid4().hex[:12]}")
        return self._owner[1]

    # -- on the webhook's path ---------------------------------------------------
    def accept(self, raw_events: Sequence[Any]) -> int:
        """Check each event, record them (with other requests' events, in one
        transaction), then queue the new ones. A malformed event is recorded as
        rejected and skipped; the rest of its body goes on. Raises only on a database
        error, so the webhook answers 5xx and LINE redelivers."""
        events: list[Event] = []
        rejected: list[Rejected] = []
        for raw in raw_events:
            checked = read_event(raw)
            (rejected if isinstance(checked, Rejected) else events).append(checked)
        for bad in rejected:
            log.warning("webhook event %s rejected: %s", bad.event_id, bad.reason)
        metrics.EVENTS_REJECTED.inc(len(rejected))
        # Each user's events in time order. The unique row is the only duplicate
        # check: a redelivery costs one row that is not written, less than asking
        # Redis first about every event.
        events.sort(key=lambda e: (e.user_id or "", e.order))
        room = max(0, self.queue_size - self._queued)
        waiting = frozenset(e.event_id for e in events[room:])
        if waiting:
            log.warning("worker queue full; %d event(s) left waiting in the database", len(waiting))
        new: list[Claim] = self._write(_Arrived(events, rejected, waiting)) if events or rejected else []
        for kind, count in Counter(e.type for e in events).items():
            metrics.EVENTS_RECEIVED.labels(type=kind).inc(count)
        metrics.EVENTS_DUPLICATE.inc(len(events) - len(new))
        self._give_back(self._enqueue(new))
        return len(new)

    def _enqueue(self, claims: Sequence[Claim], batch: _Batch | None = None) -> list[Claim]:
        """Queue claims on their users' queues; returns those there was no room for
        (the job process claims them from the database)."""
        start: list[str] = []
        with self._lock:
            room = max(0, self.queue_size - self._queued)
            taken, left = list(claims[:room]), list(claims[room:])
            for claim in taken:
                user = claim.event.user_id or ""
                bisect.insort(self._queues.setdefault(user, []), _Queued(claim.event.order, claim, batch))
                if user not in self._running:
                    self._running.add(user)
                    start.append(user)
            self._queued += len(taken)
        if batch is not None:
            batch.add(len(taken))
        for user in start:
            self._pool.submit(self._run_user, user)
        if taken:
            self._keep_leases()
        if left:
            log.warning("worker queue full; %d event(s) left waiting in the database", len(left))
        return left

    # -- in the workers ----------------------------------------------------------
    def _run_user(self, user: str) -> None:
        """Answer the first event in a user's queue, then make way for other users."""
        with self._lock:
            head = self._queues[user][0]
        if head.claim.wait_for_earlier and self._must_wait(user, head.claim):
            return
        with self._lock:
            self._queues[user].pop(0)
        try:
            self.process(head.claim)
        except Exception:  # noqa: BLE001 - a worker must go on to the next event
            log.exception("event %s: unexpected failure", head.claim.event.event_id)
        finally:
            with self._lock:
                self._queued -= 1
                more = bool(self._queues[user])
                if not more:
                    del self._queues[user]
                    self._running.discard(user)
                    self._lock.notify_all()
            if head.batch is not None:
                head.batch.finished_one()
        if more:
            self._pool.submit(self._run_user, user)

    def _must_wait(self, user: str, claim: Claim) -> bool:
        """Whether the user's earlier events, held by another process or waiting in
        the database, must be answered first. The user's turn then comes back after a
        pause, without holding a thread meanwhile; after GIVE_UP_WAITING its events go
        back to the database, for whoever answers the earlier ones."""
        try:
            with self.db.session() as session:
                earlier = conversations.has_earlier_unfinished(session, claim.event)
        except Exception:  # noqa: BLE001 - treated as waiting: asked again after the pause
            log.warning("could not check earlier events of %s", claim.event.event_id)
            earlier = True
        if not earlier:
            self._blocked_since.pop(user, None)
            return False
        waited = time.monotonic() - self._blocked_since.setdefault(user, time.monotonic())
        if waited >= GIVE_UP_WAITING:
            self._blocked_since.pop(user, None)
            with self._lock:
                given = self._queues.pop(user)
                self._running.discard(user)
                self._queued -= len(given)
                self._lock.notify_all()
            self._give_back([q.claim for q in given])
            for queued in given:
                if queued.batch is not None:
                    queued.batch.finished_one()
            return True
        pause = min(WAIT_FOR_EARLIER[1], max(WAIT_FOR_EARLIER[0], waited / 2))
        self._alarms.after(pause, lambda: self._pool.submit(self._run_user, user))
        return True

    def process(self, claim: Claim) -> None:
        """Answer one event taken under this process's lease."""
        token = logs.event_id.set(claim.event.event_id)
        try:
            self._process(claim)
        finally:
            logs.event_id.reset(token)

    def _process(self, claim: Claim) -> None:
        event = claim.event
        started = time.perf_counter()
        if claim.answer is not None:  # recorded before its process died: send that, make nothing new
            self._send(claim, claim.answer, resend=True)
            return
        ctx = self._context(event.user_id or "")
        error = None
        try:
            messages, state = self._handle(event, ctx, manual=claim.manual), ctx.next_state
        except Exception as exc:  # noqa: BLE001 - one bad event must not stop the worker
            log.exception("event %s failed", event.event_id)
            metrics.EVENTS_PROCESSED.labels(outcome="failed").inc()
            # Answered with an apology; the dialog state stays as the turn found it.
            messages, state, error = self._apology(event.type), None, repr(exc)[:2000]
        try:
            if messages or state is not None:
                answer = Answer(event.event_id, messages, claim.retry_key)
                if not self._write(_Answered(answer, event.user_id or "", state)):
                    log.warning("event %s: lease lost to another process; it answers instead", event.event_id)
                    return
            if state is not None:
                self.engine.store.cache(event.user_id or "", state)
            self._send(claim, messages, error=error)
        except Exception:  # noqa: BLE001 - the database is away: tried again later
            log.exception("event %s: could not record its answer", event.event_id)
            self._give_back([claim])
            return
        if error is None:
            metrics.EVENTS_PROCESSED.labels(outcome="done").inc()
            metrics.PROCESS_SECONDS.observe(time.perf_counter() - started)

    def _send(self, claim: Claim, messages: Sequence[dict[str, Any]], *, resend: bool = False,
              error: str | None = None) -> None:
        """Reply, then write the event's end: the reply in the transcript, the rest
        queued to push with the event's retry key, the event done or failed, all in
        one transaction (shared with whatever else is being written at that moment)."""
        event = claim.event
        replied = self.delivery.reply(event.reply_token, messages, event_id=event.event_id, resend=resend,
                                      token_age=(utcnow() - claim.received_at).total_seconds())
        push: Push | None = self._write(_End(Ending(event.event_id, event.user_id or "", replied, error),
                                             list(messages[len(replied):]), claim.retry_key))
        if push is not None:
            self.delivery.send(push)

    def _give_back(self, claims: Sequence[Claim]) -> None:
        """Return claims to the database: no room in memory, or an attempt that could
        not finish (tried again after a pause that grows with each attempt)."""
        if not claims:
            return
        now = utcnow()
        by_pause: dict[int, list[str]] = defaultdict(list)
        for claim in claims:
            fresh = claim.attempts <= 1 and claim.answer is None and not claim.wait_for_earlier
            by_pause[0 if fresh else min(300, 2 ** claim.attempts)].append(claim.event.event_id)
        try:
            with self.db.transaction() as connection:
                for pause, event_ids in by_pause.items():
                    conversations.release(connection, event_ids, owner=self.owner,
                                          retry_at=now + timedelta(seconds=pause) if pause else None)
        except Exception:  # noqa: BLE001 - their leases run out instead
            log.warning("could not give back %d event(s); their leases will run out", len(claims))

    def _keep_leases(self) -> None:
        """Renew this process's leases while it holds events, a third of a lease apart."""
        with self._lock:
            if self._renewing:
                return
            self._renewing = True
        self._alarms.after(self.lease.total_seconds() / 3, self._renew)

    def _renew(self) -> None:
        if self._closed:
            return
        try:
            with self.db.transaction() as connection:
                conversations.renew_leases(connection, self.owner, until=utcnow() + self.lease)
        except Exception:  # noqa: BLE001 - tried again next time; a lease may run out meanwhile
            log.warning("could not renew event leases")
        finally:
            with self._lock:
                self._renewing = self._queued > 0
            if self._renewing:
                self._alarms.after(self.lease.total_seconds() / 3, self._renew)

    def _write_batch(self, connection: Connection, items: Sequence[_Arrived | _Answered | _End]) -> list[Any]:
        """Several requests' events and several workers' answers, in one transaction.
        Each request gets the new events among its own (an event in two bodies at
        once: the first of them); each answer to record, whether this process still
        held the event; each end, its push, if one is left to send."""
        answered = [item for item in items if isinstance(item, _Answered)]
        held = conversations.record_answers(connection, [a.answer for a in answered], owner=self.owner)
        states = {a.user_id: a.state for a in answered if a.state is not None and a.answer.event_id in held}
        if states:
            self.engine.store.write(connection, states)
        arrivals = [item for item in items if isinstance(item, _Arrived)]
        ends = [item for item in items if isinstance(item, _End)]
        claims = {c.event.event_id: c for c in conversations.record_events(
            connection, [e for a in arrivals for e in a.events], [r for a in arrivals for r in a.rejected],
            [end.ending for end in ends], owner=self.owner, lease=self.lease,
            waiting=frozenset().union(*(a.waiting for a in arrivals)))}
        results: list[Any] = []
        for item in items:
            if isinstance(item, _Arrived):
                results.append([claims.pop(e.event_id) for e in item.events if e.event_id in claims])
            elif isinstance(item, _Answered):
                results.append(item.answer.event_id in held)
            else:
                results.append(outbox.enqueue(connection, item.ending.line_user_id, item.to_push,
                                              reason="reply_fallback", retry_key=item.retry_key,
                                              webhook_event_id=item.ending.webhook_event_id)
                               if item.to_push else None)
        return results

    def _context(self, user_id: str) -> Context:
        return Context(user_id=user_id, services=self.services, channel=self.channel)

    def _handle(self, event: Event, ctx: Context, *, manual: bool) -> list[dict[str, Any]]:
        """The answer to one event (often none)."""
        user_id = ctx.user_id
        if not user_id:
            return []
        if event.type in ("follow", "unfollow"):
            self._follow_changed(user_id, following=event.type == "follow")
        if event.type == "unsend":
            with self.db.session() as session, session.begin():
                conversations.unsend(session, event.payload["unsend"]["messageId"])
            return []
        if event.type not in conversations.ANSWERED:
            return []
        turn = turn_from_event(event, self.parse)
        if turn is None:
            return []
        if turn.action == "intent" and turn.data.get("miss"):
            # A quick reply the bot offered for a text it missed: what the text meant.
            learning.record_choice(self.db, event_id=turn.data["miss"], line_user_id=user_id,
                                   intent=turn.data.get("name", ""))
        if manual and not _is_emergency(turn):
            return []  # staff answer from the inbox; the message is already stored
        loading = self._alarms.after(self.loading_after, lambda: self.client.show_loading(user_id))
        try:
            return self.engine.respond(turn, ctx)
        finally:
            loading.cancel()

    def _follow_changed(self, user_id: str, *, following: bool) -> None:
        profile = self.client.profile(user_id) if following else None
        with self.db.session() as session, session.begin():
            conversations.ensure_user(session, user_id, profile)
            conversations.set_following(session, user_id, following)

    def _apology(self, kind: str) -> list[dict[str, Any]]:
        if kind not in ("message", "postback"):
            return []
        return [{"type": "text", "text": say("something_went_wrong", self.services.profile)}]

    # -- housekeeping ------------------------------------------------------------
    def sweep(self) -> int:
        """Claim events nobody is answering (left by a full queue, a failed attempt
        once its pause is over, or a process whose lease ran out), give up those out
        of attempts, send pushes and SMS that are due. The job process runs it
        (`smartservice scheduler`); safe to run in several processes at once. Returns
        how many events it claimed, once the workers have answered them."""
        total = 0
        while True:
            batch, claimed = _Batch(), 0
            with self.db.session() as session:
                users = conversations.users_with_due_events(session, limit=SWEEP_USERS)
            for user in users:
                room = self.queue_size - self._queued
                if room <= 0:
                    break
                claimed += self._claim(user, room, batch)
            batch.wait()
            total += claimed
            if not claimed:
                break
        self.delivery.drain()
        send_due(self.db, self.services.sms)
        return total

    def _claim(self, user: str | None, room: int, batch: _Batch) -> int:
        with self.db.transaction() as connection:
            claims, dead = conversations.claim_due(connection, user, owner=self.owner, lease=self.lease,
                                                   max_attempts=self.max_attempts, limit=room, event_of=read_stored)
            apologies = [
                outbox.enqueue(connection, d.line_user_id, apology, reason="apology",
                               retry_key=outbox.retry_key_for("apology", d.webhook_event_id),
                               webhook_event_id=d.webhook_event_id)
                for d in dead if d.line_user_id and (apology := self._apology(d.type))
            ]
        for d in dead:
            log.warning("event %s given up after %d attempts", d.webhook_event_id, self.max_attempts)
        metrics.EVENTS_DEAD.inc(len(dead))
        for push in apologies:
            self.delivery.send(push)
        left = self._enqueue(claims, batch)
        self._give_back(left)
        return len(claims) - len(left)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        with self._lock:
            return self._lock.wait_for(lambda: self._queued == 0, timeout)

    def shutdown(self) -> None:
        self._closed = True
        self._pool.shutdown(wait=True, cancel_futures=False)


def _is_emergency(turn: Turn) -> bool:
    """Emergencies are answered even when staff have the chat."""
    if turn.kind == "postback":
        return turn.action == "intent" and turn.data.get("name") == "emergency"
    return turn.parse is not None and turn.parse.intent == "emergency" and turn.parse.is_confident
