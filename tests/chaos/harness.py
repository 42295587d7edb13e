"""The real thing, as LINE sees it: the bot under gunicorn (a master and its
workers, one process group that can be killed) with its job process beside it, the
LINE emulator as its own server, and the count of what reached each user.

Process handling comes from bench/webhook.py, which runs the same servers."""
from __future__ import annotations

import copy
import json
import os
import signal
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import requests
from sqlalchemy import Engine, create_engine, func, select, text

from bench.webhook import ROOT, free_port, gunicorn, start, stop
from config.profile import load_profile
from emulator.webhook import sign
from flows.texts import say
from models import migrate
from models.chat import OutboxMessage, WebhookEvent
from services.messaging.outbox import retry_key_for

PROFILE = "municipality"  # has accounts: a linked resident's photos are downloaded
APOLOGY = say("something_went_wrong", load_profile(PROFILE))
SECRET = "chaos-channel-secret-0123456789"
TOKEN = "chaos-channel-access-token-0123456789"
POLL = 0.2  # seconds between looks at something awaited
UNFINISHED = ("received", "processing")

T = TypeVar("T")


def wait_until(check: Callable[[], T], timeout: float, what: str) -> T:
    """Poll `check` until it gives a true value; fail saying what did not happen."""
    deadline = time.monotonic() + timeout
    while not (result := check()):
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:.0f} s: {what}")
        time.sleep(POLL)
    return result


def fresh_schema(base_url: str, schema: str) -> str:
    """`schema` in the database at `base_url`, made anew and migrated; returns the
    URL that uses it."""
    drop_schema(base_url, schema, then=f"CREATE SCHEMA {schema}")
    url = f"{base_url}{'&' if '?' in base_url else '?'}options=-csearch_path%3D{schema}"
    migrate.upgrade(url)
    return url


def drop_schema(base_url: str, schema: str, *, then: str | None = None) -> None:
    engine = create_engine(base_url)
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        if then:
            conn.execute(text(then))
    engine.dispose()


def _served(app: str, port: int, *, workers: int, threads: int, log: Path, keep_alive: int = 2) -> list[str]:
    """gunicorn as bench/webhook.py runs it, its workers' output kept in `log`."""
    return gunicorn(app, port, workers=workers, threads=threads, keep_alive=keep_alive) + [
        "--error-logfile", str(log), "--capture-output"]


class Line:
    """The LINE emulator in one gunicorn process (its state is in memory)."""

    def __init__(self, folder: Path) -> None:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        # Idle connections kept longer than the bot's pool keeps them, as LINE's API does.
        self.proc = start(_served("emulator:create_app()", port, workers=1, threads=32,
                                  log=folder / "emulator.log", keep_alive=120),
                          {"LINE_CHANNEL_SECRET": SECRET, "LINE_CHANNEL_ACCESS_TOKEN": TOKEN},
                          f"{self.url}/_emulator/info")
        self.destination = self.control("GET", "/info")["botUserId"]

    def stop(self) -> None:
        stop(self.proc)

    def control(self, method: str, path: str, **kwargs: Any) -> Any:
        response = requests.request(method, f"{self.url}/_emulator{path}", timeout=60, **kwargs)
        response.raise_for_status()
        return response.json()

    def users(self, n: int) -> list[str]:
        return [self.control("POST", "/users", json={"sendFollow": False})["userId"] for _ in range(n)]

    def make(self, actions: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Webhook events for these user actions, as LINE makes them (reply tokens
        issued, pictures stored), for the caller to post."""
        return self.control("POST", "/events/batch", json={"deliver": False, "events": actions})["events"]

    def post(self, bot: str, events: list[dict[str, Any]], *, session: requests.Session | None = None,
             redelivery: bool = False) -> int | None:
        """One signed webhook body, as LINE posts it; the bot's status, None when no
        answer came (the bot died or was down). A redelivery is marked as LINE marks it."""
        if redelivery:
            events = copy.deepcopy(events)
            for event in events:
                event["deliveryContext"] = {"isRedelivery": True}
        body = json.dumps({"destination": self.destination, "events": events}, ensure_ascii=False).encode()
        try:
            response = (session or requests).post(f"{bot}/callback", data=body, timeout=60, headers={
                "Content-Type": "application/json; charset=utf-8", "X-Line-Signature": sign(body, SECRET)})
        except requests.RequestException:  # refused, reset, cut off mid-answer
            return None
        return response.status_code

    def fault(self, endpoint: str, *, count: int, status: int | None = None, delay: float = 0.0) -> None:
        self.control("POST", "/faults", json={"endpoint": endpoint, "status": status, "count": count,
                                              "delay": delay})

    def answers(self, events: list[dict[str, Any]]) -> Answers:
        users = {e["source"]["userId"] for e in events}
        rows = [r for r in self.control("GET", "/deliveries")["deliveries"] if r["userId"] in users]
        return Answers(events, rows)


class Answers:
    """What reached the users of some events, each accepted call counted against its
    event: a reply by the event its token came with, a push by its retry key (the bot
    pushes an answer with a key made from the event's id). A call that answers none
    of the events (an apology pushed on its own, say) is a stray."""

    def __init__(self, events: list[dict[str, Any]], rows: list[dict[str, Any]]) -> None:
        self.events = events
        self.by_event: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.strays: list[dict[str, Any]] = []
        keys = {retry_key_for("answer", e["webhookEventId"]): e["webhookEventId"] for e in events}
        for row in rows:
            event_id = row["eventId"] if row["via"] == "reply" else keys.get(row["retryKey"])
            (self.by_event[event_id] if event_id else self.strays).append(row)

    def unanswered(self) -> list[str]:
        return [e["webhookEventId"] for e in self.events if not self.by_event.get(e["webhookEventId"])]

    def problems(self, expected: Callable[[dict[str, Any]], list[dict[str, Any]] | None]) -> list[str]:
        """Each event answered by exactly one call carrying `expected(event)` (None:
        anything but the apology); one line per event where that is not so."""
        out = [f"{row['via']} to {row['userId']} answering none of the events: {_texts(row)}" for row in self.strays]
        for event in self.events:
            rows = self.by_event.get(event["webhookEventId"], [])
            wanted = expected(event)
            if len(rows) != 1:
                out.append(f"{event['webhookEventId']} answered {len(rows)} times: "
                           + "; ".join(f"{r['via']} {_texts(r)}" for r in rows))
            elif (wanted is not None and rows[0]["messages"] != wanted) or APOLOGY in _texts(rows[0], 0):
                out.append(f"{event['webhookEventId']} answered with {_texts(rows[0])}, not "
                           f"{_texts({'messages': wanted}) if wanted else 'its answer'}")
        return out

    def order(self) -> list[str]:
        """The events in the order their first answers arrived."""
        firsts = sorted((rows[0]["seq"], event_id) for event_id, rows in self.by_event.items() if rows)
        return [event_id for _, event_id in firsts]

    def arrived(self, event_id: str) -> float:
        """When the event's first answer reached the emulator (epoch seconds)."""
        return datetime.fromisoformat(self.by_event[event_id][0]["at"].replace("Z", "+00:00")).timestamp()


def _texts(row: dict[str, Any], cut: int = 60) -> list[str]:
    return [(m.get("text") or m.get("altText") or m.get("type"))[:cut or None] for m in row["messages"]]


class Bot:
    """The bot under gunicorn: a master and two workers (two processes that share
    the work), in a process group of their own; and beside it, as in production, the
    job process (`smartservice scheduler`), which takes over the events of a process
    that died. Killing the bot leaves the job process running."""

    def __init__(self, env: dict[str, str], folder: Path) -> None:
        self.env = env
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = folder / "bot.log"
        self.proc = self._start()
        try:
            self.jobs = _job_process(env, folder / "scheduler.log")
        except BaseException:
            stop(self.proc)
            raise

    def _start(self) -> subprocess.Popen:
        return start(_served("bot.app:create_app()", self.port, workers=2, threads=8, log=self.log),
                     self.env, f"{self.url}/healthz")

    def kill_worker(self) -> None:
        """kill -9 of one worker; its master starts another."""
        workers = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
        os.kill(int(workers[0]), signal.SIGKILL)

    def kill(self) -> None:
        """kill -9 of the master and every worker at once."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def restart(self) -> None:
        """After kill(): the same bot on the same database and port."""
        self.proc = self._start()

    def stop(self) -> None:
        stop(self.jobs)
        stop(self.proc)


def _job_process(env: dict[str, str], log: Path) -> subprocess.Popen:
    """`smartservice scheduler`, once it leads (it loads the NLU model first)."""
    with log.open("ab") as out:
        proc = subprocess.Popen([sys.executable, "-c", "from bot.cli import main; main()", "scheduler"],
                                env={**os.environ, **env}, cwd=ROOT, stdout=out, stderr=out, start_new_session=True)

    def leading() -> bool:
        if proc.poll() is not None:
            raise AssertionError(f"the job process ended ({proc.returncode}):\n{log.read_text(errors='replace')}")
        return "scheduler: leading" in log.read_text(errors="replace")

    try:
        wait_until(leading, 180, "the job process leads")
    except BaseException:
        stop(proc)
        raise
    return proc


class Events:
    """The bot's record of events, read from its database."""

    def __init__(self, url: str) -> None:
        self.engine: Engine = create_engine(url, pool_size=2)

    def unfinished(self, event_ids: Iterable[str]) -> int:
        """Events among these still waiting or being worked on, or with a push of
        theirs still to send."""
        ids = list(event_ids)
        events, outbox = WebhookEvent.__table__, OutboxMessage.__table__
        with self.engine.connect() as conn:
            waiting = conn.scalar(select(func.count()).where(events.c.webhook_event_id.in_(ids),
                                                             events.c.status.in_(UNFINISHED)))
            pushing = conn.scalar(select(func.count()).where(outbox.c.webhook_event_id.in_(ids),
                                                             outbox.c.status == "pending"))
        return waiting + pushing

    def taken_again(self, event_ids: Iterable[str]) -> int:
        """Events among these that a process took after another had (a crash's)."""
        events = WebhookEvent.__table__
        with self.engine.connect() as conn:
            return conn.scalar(select(func.count()).where(events.c.webhook_event_id.in_(list(event_ids)),
                                                          events.c.attempts > 1))

    def close(self) -> None:
        self.engine.dispose()


def settle(line: Line, bot_events: Events, events: list[dict[str, Any]], timeout: float) -> Answers:
    """Wait until the bot has finished with every event (nothing left to work on or
    to push) and each has at least one answer; the answers, whatever they are."""
    ids = [e["webhookEventId"] for e in events]

    def done() -> Answers | None:
        if bot_events.unfinished(ids):
            return None
        answers = line.answers(events)
        return None if answers.unanswered() else answers

    try:
        return wait_until(done, timeout, "every event finished and answered")
    except AssertionError as late:
        answers = line.answers(events)
        raise AssertionError(f"{late}: {bot_events.unfinished(ids)} unfinished, {len(answers.unanswered())} of "
                             f"{len(ids)} without an answer; answered twice or more: "
                             f"{sum(len(r) > 1 for r in answers.by_event.values())}") from None
