"""From a stored webhook event to an answer.

The webhook records the events and the residents' messages in one transaction (so
nothing is lost and duplicates are dropped) and hands the new ones here, already
taken; a bounded pool of workers processes them after LINE has its 200. Events of
one user are processed one at a time, in timestamp order. Events the pool had no
room for, or that a dead worker left, are claimed again by the sweeper.

What the requests record and what the workers' answers leave is written through one
group commit (models/group_commit.py): under load, one transaction holds several
requests' events and several answers.
"""
from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections import defaultdict
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as futures_wait
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from sqlalchemy import Connection

from bot import logs, metrics
from bot.delivery import Delivery
from bot.line_client import LineClient
from flows.engine import Channel, Context, Engine, Turn
from flows.state import DialogState
from flows.texts import say
from models.db import Database
from models.group_commit import GroupCommit
from services import conversations
from services.conversations import Claim, Ending
from services.identity.sms import HttpSmsSettings
from services.messaging import outbox
from services.messaging.outbox import Push
from services.profile import OrgProfile

log = logging.getLogger(__name__)

SWEEP_BATCH = 200
ALARM_GRAIN = 0.1  # seconds an alarm may run late


def turn_from_event(event: dict[str, Any], parse: Callable[[str], Any]) -> Turn | None:
    user_id = (event.get("source") or {}).get("userId")
    if not user_id:
        return None
    kind = event.get("type")
    event_id = event.get("webhookEventId")
    if kind == "follow":
        return Turn(user_id=user_id, kind="follow", event_id=event_id)
    if kind == "postback":
        postback = event.get("postback") or {}
        return Turn.postback(user_id, str(postback.get("data", "")), postback.get("params") or {}, event_id=event_id)
    if kind == "message":
        message = event.get("message") or {}
        mtype = message.get("type", "")
        if mtype == "text":
            text = str(message.get("text", ""))
            return Turn(user_id=user_id, kind="text", text=text, message=message, parse=parse(text), event_id=event_id)
        return Turn(user_id=user_id, kind=mtype, message=message, event_id=event_id)
    return None


@dataclass(frozen=True)
class _Arrived:
    """A webhook body's events, to record before LINE gets its 200."""

    events: list[dict[str, Any]]


@dataclass(frozen=True)
class _End:
    """What answering one event leaves to write: how it ended, what is left to push,
    and the dialog state the turn left (None: unchanged)."""

    ending: Ending
    to_push: list[dict[str, Any]]
    state: DialogState | None


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


class Dispatcher:
    def __init__(
        self,
        *,
        db: Database,
        engine: Engine,
        delivery: Delivery,
        client: LineClient,
        profile: OrgProfile,
        public_base_url: str,
        parse: Callable[[str], Any],
        threads: int = 8,
        queue_size: int = 1000,
        loading_after: float = 1.0,
        channel: Channel | None = None,
        secret_key: str = "",
        data_dir: Path = Path("var"),
        sms: HttpSmsSettings | None = None,
    ) -> None:
        self.db = db
        self.engine = engine
        self.delivery = delivery
        self.client = client
        self.profile = profile
        self.public_base_url = public_base_url
        self.parse = parse
        self.loading_after = loading_after
        self.channel = channel
        self.secret_key = secret_key
        self.data_dir = data_dir
        self.sms = sms
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="event")
        self._slots = threading.BoundedSemaphore(queue_size)
        # Striped locks keep one user's events in order without a lock per user forever.
        self._user_locks = [threading.Lock() for _ in range(256)]
        self._idle = threading.Condition()
        self._in_flight = 0
        self._alarms = Alarms()
        self._overflowed = threading.Event()
        # Requests recording events and workers recording answers, at the same moment,
        # share a transaction.
        self._write = GroupCommit(db, self._write_batch, observe=metrics.WRITE_BATCH.observe)

    # -- on the webhook's path ---------------------------------------------------
    def accept(self, events: Iterable[dict[str, Any]]) -> int:
        """Record the events (with other requests' events, in one transaction), then
        queue the new ones. Raises on a database error so the webhook answers 5xx and
        LINE redelivers."""
        # Each user's events in time order. The unique row is the only duplicate
        # check: a redelivery costs one row that is not written, less than asking
        # Redis first about every event.
        ordered = sorted((e for e in events if isinstance(e, dict) and e.get("webhookEventId")),
                         key=lambda e: (str((e.get("source") or {}).get("userId") or ""), e.get("timestamp") or 0))
        new: list[Claim] = self._write(_Arrived(ordered)) if ordered else []
        for event in ordered:
            metrics.EVENTS_RECEIVED.labels(type=str(event.get("type"))[:32]).inc()
        metrics.EVENTS_DUPLICATE.inc(len(ordered) - len(new))
        by_user: dict[str, list[Claim]] = defaultdict(list)
        for claim in new:
            if claim.event.get("mode", "active") != "standby":
                by_user[(claim.event.get("source") or {}).get("userId") or ""].append(claim)
        unqueued: list[str] = []
        for user_id, claims in by_user.items():
            if self.submit(user_id, claims) is None:
                unqueued += [c.event["webhookEventId"] for c in claims]
        if unqueued:  # given back in one transaction, for the sweeper
            with self.db.session() as session, session.begin():
                conversations.release_events(session, unqueued)
        return len(new)

    def submit(self, user_id: str, work: list[Claim | str], *, wait: bool = False) -> Future | None:
        """Queue one user's events (taken, or ids to claim) for the workers. None when
        the queue is full: the sweeper is woken to feed them in as room frees up."""
        if not self._slots.acquire(blocking=wait):
            log.warning("worker queue full; %d event(s) left for the sweeper", len(work))
            self._overflowed.set()
            return None
        with self._idle:
            self._in_flight += 1
        return self._pool.submit(self._run, user_id, work)

    # -- in the workers ----------------------------------------------------------
    def _run(self, user_id: str, work: list[Claim | str]) -> None:
        try:
            with self._user_lock(user_id):
                for item in work:
                    self.process(item)
        finally:
            self._slots.release()
            with self._idle:
                self._in_flight -= 1
                self._idle.notify_all()

    def _user_lock(self, user_id: str) -> threading.Lock:
        return self._user_locks[hash(user_id) % len(self._user_locks)]

    def process(self, item: Claim | str) -> None:
        """One event: taken when it was recorded, or its id, to be claimed (swept)."""
        event_id = item if isinstance(item, str) else item.event["webhookEventId"]
        token = logs.event_id.set(event_id)
        try:
            if isinstance(item, str):
                with self.db.session() as session, session.begin():
                    item = conversations.claim_event(session, event_id)
            if item is not None:
                self._process(item)
        finally:
            logs.event_id.reset(token)

    def _process(self, claim: Claim) -> None:
        event = claim.event
        event_id = event["webhookEventId"]
        started = time.perf_counter()
        ctx = self._context((event.get("source") or {}).get("userId") or "")
        try:
            self._answer(event, self._handle(event, ctx, manual=claim.manual), ctx.next_state)
        except Exception as exc:  # noqa: BLE001 - one bad event must not stop the worker
            log.exception("event %s failed", event_id)
            metrics.EVENTS_PROCESSED.labels(outcome="failed").inc()
            # Marked failed with an apology; the dialog state stays as the turn found it.
            try:
                self._answer(event, self._apology(event), None, error=repr(exc)[:2000])
            except Exception:  # noqa: BLE001 - left unfinished: the sweeper takes it again
                log.exception("could not mark %s failed", event_id)
            return
        metrics.EVENTS_PROCESSED.labels(outcome="done").inc()
        metrics.PROCESS_SECONDS.observe(time.perf_counter() - started)

    def _answer(self, event: dict[str, Any], messages: list[dict[str, Any]], state: DialogState | None, *,
                error: str | None = None) -> None:
        """Reply, then write the event's end: the reply in the transcript, the rest
        queued to push, the dialog state and the event done or failed, all in one
        transaction (shared with whatever else is being written at that moment), so
        a retried event starts from the state it saw. Redis has the state once the
        database has it."""
        event_id = event["webhookEventId"]
        user_id = (event.get("source") or {}).get("userId") or ""
        replied = self.delivery.reply(event.get("replyToken"), messages, event_id=event_id)
        push: Push | None = self._write(_End(Ending(event_id, user_id, replied, error),
                                             messages[len(replied):], state))
        if state is not None:
            self.engine.store.cache(user_id, state)
        if push is not None:
            self.delivery.send(push)

    def _write_batch(self, connection: Connection, items: Sequence[_Arrived | _End]) -> list[Any]:
        """Several requests' events and several workers' answers, in one transaction.
        Each request gets the new events among its own (an event in two bodies at
        once: the first of them); each answer, its push, if one is left to send."""
        ends = [item for item in items if isinstance(item, _End)]
        states = {end.ending.line_user_id: end.state for end in ends if end.state is not None}
        if states:
            self.engine.store.write(connection, states)
        pushes = [
            outbox.enqueue(connection, item.ending.line_user_id, item.to_push, reason="reply_fallback",
                           retry_key=outbox.retry_key_for("answer", item.ending.webhook_event_id),
                           webhook_event_id=item.ending.webhook_event_id)
            if isinstance(item, _End) and item.to_push else None
            for item in items
        ]
        bodies = [item.events for item in items if isinstance(item, _Arrived)]
        claims = {c.event["webhookEventId"]: c for c in conversations.record_events(
            connection, [e for body in bodies for e in body], [end.ending for end in ends])}
        return [
            [claims.pop(e["webhookEventId"]) for e in item.events if e["webhookEventId"] in claims]
            if isinstance(item, _Arrived) else push
            for item, push in zip(items, pushes)
        ]

    def _context(self, user_id: str) -> Context:
        return Context(user_id=user_id, profile=self.profile, db=self.db, public_base_url=self.public_base_url,
                       secret_key=self.secret_key, data_dir=self.data_dir, channel=self.channel, sms=self.sms)

    def _handle(self, event: dict[str, Any], ctx: Context, *, manual: bool) -> list[dict[str, Any]]:
        """The answer to one event (often none)."""
        kind = event.get("type")
        user_id = ctx.user_id
        if not user_id:
            return []
        if kind in ("follow", "unfollow"):
            self._follow_changed(user_id, following=kind == "follow")
        if kind == "unsend":
            with self.db.session() as session, session.begin():
                conversations.unsend(session, str((event.get("unsend") or {}).get("messageId", "")))
            return []
        if kind not in conversations.ANSWERED:
            return []
        turn = turn_from_event(event, self.parse)
        if turn is None:
            return []
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

    def _apology(self, event: dict[str, Any]) -> list[dict[str, Any]]:
        if event.get("type") not in ("message", "postback"):
            return []
        return [{"type": "text", "text": say("something_went_wrong", self.profile)}]

    # -- housekeeping ------------------------------------------------------------
    def sweep(self, *, older_than: timedelta = timedelta(seconds=30), manual_idle: timedelta | None = None) -> int:
        """Finish events nobody finished, send pushes that are due, return idle
        manual chats to the bot. Safe to run in every process at once.

        Events a full queue left behind are taken at once, whatever their age; the
        others after `older_than`, so that a live worker's events are not taken from
        it. They run in the worker pool, as room frees up, and the sweep returns
        when they are done."""
        waiting_for = timedelta(0) if self._overflowed.is_set() else older_than
        self._overflowed.clear()
        if manual_idle is not None:
            with self.db.session() as session, session.begin():
                conversations.release_idle_manual(session, idle_for=manual_idle)
        total = 0
        while True:
            with self.db.session() as session, session.begin():
                found = conversations.unfinished_events(session, older_than=older_than, waiting_for=waiting_for,
                                                        limit=SWEEP_BATCH)
            by_user: dict[str, list[str]] = defaultdict(list)
            for event_id, user_id in found:
                by_user[user_id or ""].append(event_id)
            futures_wait([self.submit(user_id, event_ids, wait=True) for user_id, event_ids in by_user.items()])
            total += len(found)
            if len(found) < SWEEP_BATCH:
                break
        self.delivery.drain()
        return total

    def wait_for_sweep(self, timeout: float) -> None:
        """Until the next sweep is due: `timeout`, or sooner when the queue overflowed."""
        self._overflowed.wait(timeout)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._in_flight:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
        return True

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=False)


def _is_emergency(turn: Turn) -> bool:
    """Emergencies are answered even when staff have the chat."""
    if turn.kind == "postback":
        return turn.action == "intent" and turn.data.get("name") == "emergency"
    return turn.parse is not None and turn.parse.intent == "emergency" and turn.parse.is_confident
