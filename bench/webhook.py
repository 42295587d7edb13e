"""Webhook benchmark: our bot against line-bot-sdk's README echo bot, same run.

Both run under gunicorn with the same settings; the LINE emulator (also under
gunicorn) plays LINE. Signed webhook bodies with mixed text and postback events
are posted by concurrent senders; for each event we time the acknowledgement (the
HTTP answer to the webhook) and the moment its reply reached the emulator.

    .venv/bin/python bench/webhook.py [--events 2000] [--concurrency 16] [--rounds 3] [--profile DIR]

The bots take turns over --rounds rounds at saturation (medians reported, so that
other work on a shared machine weighs on both), then each is sent events on a
schedule, again taking turns (--paced-rounds): at half the echo's throughput (the
SPEC 6.1 target) and at 80% of ours. For our bot it also reports how many webhook
requests and answers its group commit wrote per transaction.
Besides latency it reports the CPU each process group spent per event (from
/proc), and with --profile it samples the bot's gunicorn workers with py-spy
(``pip install py-spy`` first) into DIR/bot.txt in py-spy's raw format
(BENCH_PROFILE_GIL=1: only samples holding the GIL, i.e. CPU).

The database is BENCH_DATABASE_URL, else TEST_DATABASE_URL (PostgreSQL), else a
temporary SQLite file; Redis is BENCH_REDIS_URL or TEST_REDIS_URL when set.
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
SECRET = "bench-channel-secret-0123456789"
TOKEN = "bench-channel-access-token-0123456789"

BASELINE, OURS = "echo bot (baseline)", "smart service"
TEXTS = [
    "เมนู", "สวัสดีค่ะ", "ขอบคุณครับ", "เบอร์ฉุกเฉิน", "ขอดูเมนูหน่อยค่ะ", "ค่าเช่าเดือนนี้เท่าไหร่คะ",
    "ขอคิวอาร์จ่ายบิลหน่อย", "ขอใบเสร็จเดือนที่แล้ว", "ถนนหน้าบ้านเป็นหลุมค่ะ", "มีข่าวอะไรใหม่บ้าง",
]
POSTBACKS = ["action=menu", "action=intent&name=emergency", "action=intent&name=help", "action=consent&answer=yes&v=1"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(args: list[str], env: dict[str, str], url: str) -> subprocess.Popen:
    proc = subprocess.Popen(args, env={**os.environ, **env}, cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            requests.get(url, timeout=1)
            return proc
        except requests.RequestException:
            time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    raise SystemExit(f"server did not start: {' '.join(args)}")


def stop(proc: subprocess.Popen) -> None:
    """The whole process group, also when its leader has already died (one server
    failing must not leave the others running)."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    proc.wait(timeout=30)


def gunicorn(app: str, port: int, *, workers: int, threads: int, keep_alive: int = 2) -> list[str]:
    return [str(VENV_BIN / "gunicorn"), "-k", "gthread", "-w", str(workers), "--threads", str(threads),
            "-b", f"127.0.0.1:{port}", "--log-level", "warning", "--keep-alive", str(keep_alive), app]


def sign(body: bytes) -> str:
    return base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()


def build_events(emulator: str, n: int, users: int) -> list[tuple[str, str, bytes]]:
    user_ids = []
    for i in range(users):
        uid = "U" + uuid.uuid4().hex
        requests.post(f"{emulator}/_emulator/users", json={"userId": uid, "displayName": f"ผู้ทดสอบ {i}",
                                                         "sendFollow": False}, timeout=10)
        user_ids.append(uid)
    rng = random.Random(7)
    out = []
    for i in range(n):
        user = user_ids[i % users]
        event_id = "B" + uuid.uuid4().hex[:25].upper()
        token = requests.post(f"{emulator}/_emulator/reply-tokens",
                              json={"userId": user, "eventId": event_id}, timeout=10).json()["replyToken"]
        base = {"mode": "active", "timestamp": int(time.time() * 1000), "webhookEventId": event_id,
                "source": {"type": "user", "userId": user}, "replyToken": token,
                "deliveryContext": {"isRedelivery": False}}
        if rng.random() < 0.6:
            event = {**base, "type": "message",
                     "message": {"type": "text", "id": str(10**17 + i), "quoteToken": "q", "text": rng.choice(TEXTS)}}
        else:
            event = {**base, "type": "postback", "postback": {"data": rng.choice(POSTBACKS)}}
        body = json.dumps({"destination": "Ubench", "events": [event]}, ensure_ascii=False).encode()
        out.append((event_id, user, body))
    return out


def _clock_ticks() -> int:
    return os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> tuple[str, int, float] | None:
    """(command, parent pid, CPU seconds) of a process, None when it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    name = raw[raw.index("(") + 1:raw.rindex(")")]
    fields = raw[raw.rindex(")") + 2:].split()
    return name, int(fields[1]), (int(fields[11]) + int(fields[12])) / _clock_ticks()


def cpu_by_group(roots: dict[str, int]) -> dict[str, dict[int, float]]:
    """CPU seconds so far, per process, of each named process tree, of every
    PostgreSQL and Redis process on the machine (other work on them counts too),
    and of this script."""
    stats = {int(p.name): s for p in Path("/proc").iterdir() if p.name.isdigit() and (s := _stat(int(p.name)))}
    children: dict[int, list[int]] = defaultdict(list)
    for pid, (_, ppid, _) in stats.items():
        children[ppid].append(pid)
    out: dict[str, dict[int, float]] = {}
    for group, root in roots.items():
        todo, out[group] = [root], {}
        while todo:
            pid = todo.pop()
            if pid in stats:
                out[group][pid] = stats[pid][2]
            todo.extend(children.get(pid, []))
    out["postgresql"] = {pid: s[2] for pid, s in stats.items() if s[0] == "postgres"}
    out["redis"] = {pid: s[2] for pid, s in stats.items() if s[0].startswith("redis-server")}
    me = os.times()
    out["load generator"] = {os.getpid(): me.user + me.system}
    return out


def cpu_spent(before: dict[str, dict[int, float]], after: dict[str, dict[int, float]]) -> dict[str, float]:
    """Seconds per group between two snapshots; a process that exited meanwhile
    (a closed database session) is left out."""
    return {group: sum(cpu - before[group].get(pid, 0.0) for pid, cpu in pids.items())
            for group, pids in after.items()}


def write_batches(bot: str) -> tuple[float, float]:
    """(transactions, items written) so far by our bot's group commit, from /metrics;
    zeros for the echo bot, which has none."""
    try:
        text = requests.get(f"{bot}/metrics", timeout=10).text
    except requests.RequestException:
        return 0.0, 0.0
    values = {}
    for line in text.splitlines():
        for name in ("smartservice_write_batch_size_count", "smartservice_write_batch_size_sum"):
            if line.startswith(name + " "):
                values[name] = float(line.split()[1])
    return values.get("smartservice_write_batch_size_count", 0.0), values.get("smartservice_write_batch_size_sum", 0.0)


def run_load(bot: str, emulator: str, events: list[tuple[str, str, bytes]], concurrency: int,
             cpu_roots: dict[str, int] | None = None, rate: float | None = None) -> dict:
    """Post the events with `concurrency` senders, each posting its next event as soon
    as the last is acknowledged (as fast as the bot takes them); or, with `rate`, the
    i-th event at i/rate seconds from the start, as LINE does, whatever the bot's pace."""
    requests.delete(f"{emulator}/_emulator/calls", timeout=30)
    batches_before = write_batches(bot)
    cpu_before = cpu_by_group(cpu_roots or {})
    sent_at: dict[str, float] = {}
    acks: list[float] = []
    errors = 0
    local = threading.local()

    def send(index: int, item: tuple[str, str, bytes]) -> None:
        nonlocal errors
        session = getattr(local, "session", None) or requests.Session()
        local.session = session
        event_id, _, body = item
        if rate is not None:
            time.sleep(max(0.0, began + index / rate - time.time()))
        started = time.time()
        sent_at[event_id] = started
        response = session.post(f"{bot}/callback", data=body, timeout=30,
                                headers={"Content-Type": "application/json", "X-Line-Signature": sign(body)})
        acks.append(time.time() - started)
        if response.status_code != 200:
            errors += 1

    began = time.time()
    with ThreadPoolExecutor(concurrency if rate is None else 64) as pool:
        list(pool.map(send, range(len(events)), events))
    delivered = wait_for_replies(emulator, {e: u for e, u, _ in events}, timeout=120)
    finished = max(delivered.values()) if delivered else time.time()
    missing = sorted({e for e, _, _ in events} - delivered.keys())
    if missing:
        print(f"{len(missing)} event(s) without an answer, e.g. {', '.join(missing[:3])}", file=sys.stderr)
    latencies = [delivered[e] - sent_at[e] for e in delivered]
    cpu_after = cpu_by_group(cpu_roots or {})
    transactions, items = (after - before for after, before in zip(write_batches(bot), batches_before, strict=True))
    return {
        "writes_per_transaction": items / transactions if transactions else float("nan"),
        "cpu_ms_per_event": {k: v * 1000 / len(events) for k, v in cpu_spent(cpu_before, cpu_after).items()},
        "events": len(events),
        "answered": len(delivered),
        "errors": errors,
        "events_per_s": len(delivered) / (finished - began),
        "ack_p50_ms": pct(acks, 50) * 1000,
        "ack_p99_ms": pct(acks, 99) * 1000,
        "reply_p50_ms": pct(latencies, 50) * 1000 if latencies else float("nan"),
        "reply_p99_ms": pct(latencies, 99) * 1000 if latencies else float("nan"),
    }


def wait_for_replies(emulator: str, wanted: dict[str, str], timeout: float) -> dict[str, float]:
    """Event id → when its first answer reached the emulator (epoch seconds). `wanted`
    maps event ids to their users. While the bot is still answering only the
    emulator's call count is polled (one small request a second): asking about each
    user meanwhile cost the emulator and this script as much CPU as the bot's own
    replies, on the cores the bot shares, and only during the slower bot's run."""
    deadline = time.time() + timeout
    delivered: dict[str, float] = {}
    seen: dict[str, int] = defaultdict(int)
    last_count = -1
    while time.time() < deadline:
        count = requests.get(f"{emulator}/_emulator/info", timeout=30).json()["calls"]
        if count < len(wanted) or count != last_count:
            last_count = count
            time.sleep(1)
            continue
        with requests.Session() as session:
            for user in sorted({u for e, u in wanted.items() if e not in delivered}):
                entries = session.get(f"{emulator}/_emulator/users/{user}/conversation",
                                      params={"after": seen[user]}, timeout=30).json()["entries"]
                for entry in entries:
                    seen[user] = max(seen[user], entry["seq"])
                    event_id = entry.get("eventId")
                    if entry["from"] == "bot" and event_id in wanted and event_id not in delivered:
                        delivered[event_id] = datetime.fromisoformat(entry["at"].replace("Z", "+00:00")).timestamp()
        if len(delivered) >= len(wanted):
            break
        time.sleep(1)  # times come from the emulator's clock: polling less often loses nothing
    return delivered


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3, help="alternating runs of each bot; medians reported")
    parser.add_argument("--paced-share", type=float, default=0.5,
                        help="then send at this share of the echo's events/s, on a schedule (0: skip)")
    parser.add_argument("--paced-rounds", type=int, default=3,
                        help="alternating paced runs of each bot at each rate; medians reported")
    parser.add_argument("--profile", type=Path, help="sample the bot's workers with py-spy into this folder")
    opts = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-webhook-"))
    database = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL") \
        or f"sqlite:///{tmp / 'bench.db'}"
    redis_url = os.environ.get("BENCH_REDIS_URL") or os.environ.get("TEST_REDIS_URL") or ""
    if database.startswith("postgresql"):
        database = _fresh_pg_schema(database)
    emu_port, bot_port, echo_port = free_port(), free_port(), free_port()
    emulator = f"http://127.0.0.1:{emu_port}"
    common = {"LINE_CHANNEL_SECRET": SECRET, "LINE_CHANNEL_ACCESS_TOKEN": TOKEN, "LINE_API_BASE": emulator}
    bot_env = {**common, "DATABASE_URL": database, "REDIS_URL": redis_url, "ORG_PROFILE": "municipality",
               "SECRET_KEY": "bench-secret-key-0123456789", "PUBLIC_BASE_URL": "http://127.0.0.1",
               "PROMETHEUS_MULTIPROC_DIR": str(tmp), "LOADING_AFTER_SECONDS": "5"}
    subprocess.run([str(VENV_BIN / "smartservice"), "db", "upgrade"], env={**os.environ, **bot_env},
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    procs = [
        # Like LINE's API, the emulator keeps idle connections open longer than
        # gunicorn's 2 s: a pooled connection it closed between rounds would fail the
        # first reply on it, which the bot then pushes, unmatched to its event here.
        start(gunicorn("emulator:create_app()", emu_port, workers=1, threads=32, keep_alive=120),
              {"LINE_CHANNEL_SECRET": SECRET, "LINE_CHANNEL_ACCESS_TOKEN": TOKEN}, f"{emulator}/_emulator/info"),
    ]
    try:
        procs.append(start(gunicorn("bot.app:create_app()", bot_port, workers=opts.workers, threads=opts.threads),
                           bot_env, f"http://127.0.0.1:{bot_port}/healthz"))
        procs.append(start(gunicorn("bench.echo_bot:app", echo_port, workers=opts.workers, threads=opts.threads),
                           common, f"http://127.0.0.1:{echo_port}/callback"))
        print(f"database: {database.split('@')[-1].split('?')[0]}; redis: {redis_url or 'none'}; "
              f"{opts.events} events, {opts.concurrency} senders, gunicorn {opts.workers}x{opts.threads}")
        for port in (bot_port, echo_port):  # each with its own reply tokens
            run_load(f"http://127.0.0.1:{port}", emulator, build_events(emulator, 100, 20), opts.concurrency)
        # Rounds alternate the two bots, so that other work on a shared machine
        # slows both alike; the report takes the median of the rounds.
        results: dict[str, list[dict]] = {BASELINE: [], OURS: []}
        for round_ in range(opts.rounds):
            for name, proc, port in ((BASELINE, procs[2], echo_port), (OURS, procs[1], bot_port)):
                events = build_events(emulator, opts.events, opts.users)
                profile = opts.profile and proc is procs[1] and round_ == 0
                spy = _py_spy(proc, opts.profile) if profile else None
                results[name].append(run_load(f"http://127.0.0.1:{port}", emulator, events, opts.concurrency,
                                              cpu_roots={"bot": proc.pid, "emulator": procs[0].pid}))
                if spy is not None:
                    spy.send_signal(signal.SIGINT)
                    spy.wait(timeout=60)
        report(results)
        # Latency at a given load, events sent on a schedule as LINE sends them (at
        # saturation a queue builds, whatever the bot): at the SPEC 6.1 throughput
        # target, and at a load this bot carries.
        paced_loads = [(opts.paced_share * _median(results[BASELINE])["events_per_s"],
                        f"{opts.paced_share:.0%} of the echo bot's median throughput"),
                       (0.8 * _median(results[OURS])["events_per_s"], "80% of our own median throughput")]
        for rate, what in paced_loads if opts.paced_share > 0 else []:
            paced: dict[str, list[dict]] = {BASELINE: [], OURS: []}
            for _ in range(opts.paced_rounds):
                for name, proc, port in ((BASELINE, procs[2], echo_port), (OURS, procs[1], bot_port)):
                    paced[name].append(run_load(f"http://127.0.0.1:{port}", emulator,
                                                build_events(emulator, opts.events, opts.users), opts.concurrency,
                                                cpu_roots={"bot": proc.pid, "emulator": procs[0].pid}, rate=rate))
            print(f"\nPaced: {opts.events} events sent on a schedule at {rate:.0f} events/s ({what}), "
                  f"{opts.paced_rounds} rounds\n")
            report(paced, paced=True)
    finally:
        for proc in procs:
            stop(proc)


def _py_spy(proc: subprocess.Popen, folder: Path) -> subprocess.Popen:
    folder.mkdir(parents=True, exist_ok=True)
    # GIL samples are rarer than wall-clock ones: sample more often to get as many.
    cpu_only = ["--gil", "-r", "200"] if os.environ.get("BENCH_PROFILE_GIL") else ["-r", "50"]
    spy = subprocess.Popen([str(VENV_BIN / "py-spy"), "record", "--subprocesses", "--format", "raw", "--nonblocking",
                            *cpu_only, "-o", str(folder / "bot.txt"), "-p", str(proc.pid)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1)  # attached before the first event
    return spy


def _fresh_pg_schema(url: str) -> str:
    from sqlalchemy import create_engine, text

    url = url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS bench_webhook CASCADE"))
        conn.execute(text("CREATE SCHEMA bench_webhook"))
    engine.dispose()
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3Dbench_webhook"


def _median(runs: list[dict]) -> dict:
    out = {k: statistics.median(r[k] for r in runs) for k in runs[0] if k != "cpu_ms_per_event"}
    out["cpu_ms_per_event"] = {g: statistics.median(r["cpu_ms_per_event"][g] for r in runs)
                               for g in runs[0]["cpu_ms_per_event"]}
    return out


def report(results: dict[str, list[dict]], *, paced: bool = False) -> None:
    rounds = len(results[OURS])
    rows = [(f"{name}, round {i + 1}", run) for i in range(rounds) for name in results
            for run in [results[name][i]]] if rounds > 1 else []
    medians = {name: _median(runs) for name, runs in results.items()}
    rows += [(f"{name}{', median' if rounds > 1 else ''}", medians[name]) for name in results]
    print("| bot | events | answered | errors | events/s | ack p50 ms | ack p99 ms | reply p50 ms | reply p99 ms |")
    print("|---|---|---|---|---|---|---|---|---|")
    for label, r in rows:
        print(f"| {label} | {r['events']:.0f} | {r['answered']:.0f} | {r['errors']:.0f} | {r['events_per_s']:.0f} | "
              f"{r['ack_p50_ms']:.1f} | {r['ack_p99_ms']:.1f} | {r['reply_p50_ms']:.1f} | {r['reply_p99_ms']:.1f} |")
    ratios = [o["events_per_s"] / b["events_per_s"] for b, o in zip(results[BASELINE], results[OURS], strict=True)]
    if not paced:
        print(f"\nthroughput ratio (ours / echo): {statistics.median(ratios):.2f}"
              + (f" (median of rounds: {', '.join(f'{r:.2f}' for r in ratios)})" if rounds > 1 else ""))
    print(f"\nour bot wrote {medians[OURS]['writes_per_transaction']:.2f} requests and answers per transaction "
          "(group commit; median of rounds)")
    groups = list(medians[BASELINE]["cpu_ms_per_event"])
    print("\n| CPU ms per event (median) | " + " | ".join(groups) + " | total |")
    print("|---" * (len(groups) + 2) + "|")
    for name, r in medians.items():
        cpu = r["cpu_ms_per_event"]
        print(f"| {name} | " + " | ".join(f"{cpu[g]:.2f}" for g in groups) + f" | {sum(cpu.values()):.2f} |")


if __name__ == "__main__":
    main()
