"""Two `smartservice scheduler` processes on one PostgreSQL database: one leads and
runs the jobs, the other stands by; kill -9 the leader and the other takes over;
SIGTERM stops a process cleanly."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import SECRET, TOKEN, private_schema

STARTUP = 180.0  # seconds: a process loads the NLU model before it leads (trained first on a cold cache)


class Process:
    def __init__(self, name: str, env: dict[str, str], folder: Path) -> None:
        self.name = name
        self.log = folder / f"{name}.log"
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen([sys.executable, "-c", "from bot.cli import main; main()", "scheduler"],
                                         env={**os.environ, **env}, stdout=out, stderr=out, start_new_session=True)

    def messages(self) -> list[str]:
        found = []
        for line in self.log.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                found.append(json.loads(line)["message"])
            except (ValueError, KeyError, TypeError):
                found.append(line)  # click's own lines, and anything unexpected: shown on failure
        return found

    def count(self, start: str) -> int:
        return sum(m.startswith(start) for m in self.messages())


def wait_for(what: str, check, processes: list[Process], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline or any(p.proc.poll() is not None for p in processes if p.name != "killed"):
            logs = "\n".join(f"--- {p.name} (exit {p.proc.poll()}):\n" + "\n".join(p.messages()[-30:])
                             for p in processes)
            raise AssertionError(f"not within {timeout:.0f} s: {what}\n{logs}")
        time.sleep(0.1)


@pytest.fixture
def database() -> Iterator[str]:
    with private_schema(f"sched_{os.getpid()}") as url:
        yield url


def test_one_leader_runs_the_jobs_and_another_takes_over_after_kill_9(database, tmp_path):
    env = {"LINE_CHANNEL_SECRET": SECRET, "LINE_CHANNEL_ACCESS_TOKEN": TOKEN, "LINE_API_BASE": "http://127.0.0.1:9",
           "DATABASE_URL": database, "SECRET_KEY": "scheduler-test-key-0123456789", "DATA_DIR": str(tmp_path),
           "PUBLIC_BASE_URL": "http://127.0.0.1", "ORG_PROFILE": "tenant", "SWEEP_INTERVAL_SECONDS": "0.2",
           "DATABASE_POOL_SIZE": "4"}
    processes = [Process("a", env, tmp_path), Process("b", env, tmp_path)]
    try:
        wait_for("one process leads, the other stands by",
                 lambda: sorted(p.count("scheduler: leading") for p in processes) == [0, 1]
                 and any(p.count("scheduler: another process leads") for p in processes), processes, STARTUP)
        leader, other = sorted(processes, key=lambda p: -p.count("scheduler: leading"))
        wait_for("the leader runs the events job again and again", lambda: leader.count("job events done") >= 10,
                 processes, 60)
        assert other.count("job ") == 0, other.messages()
        assert leader.count("job retention done") == 1  # hourly: once at start

        leader.proc.kill()
        leader.proc.wait(30)
        leader.name = "killed"
        wait_for("the other takes over", lambda: other.count("scheduler: leading") == 1, processes, 60)
        wait_for("and runs the jobs", lambda: other.count("job events done") >= 3, processes, 60)
        assert other.count("job retention done") == 0  # the schedule is shared: not due again for an hour

        other.proc.terminate()
        assert other.proc.wait(60) == 0
        assert "scheduler: stopped" in other.messages()
    finally:
        for p in processes:
            if p.proc.poll() is None:
                p.proc.kill()
                p.proc.wait(30)
