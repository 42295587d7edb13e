"""The job process in one process: jobs run under the leader lock and each run is
logged; a schedule survives a change of leader; the locks exclude each other and a
lost connection is noticed."""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import TypeVar

import pytest
from sqlalchemy import create_engine, text

from config.profile import load_profile
from models.db import Database
from scheduler.jobs import Job
from scheduler.runner import JOB_TABLE, AdvisoryLock, FileLock, Runner
from services.container import Services

T = TypeVar("T")


def wait_until(check: Callable[[], T], timeout: float = 30.0) -> T:
    deadline = time.monotonic() + timeout
    while not (result := check()):
        assert time.monotonic() < deadline, "not within the deadline"
        time.sleep(0.05)
    return result


@contextmanager
def running(services: Services, jobs: list[Job]) -> Iterator[Runner]:
    runner = Runner(services, jobs, retry_seconds=0.1)
    thread = threading.Thread(target=runner.run)
    thread.start()
    try:
        yield runner
    finally:
        runner.stop()
        thread.join(30)
        assert not thread.is_alive(), "the runner did not stop"


@pytest.fixture
def services(database_url) -> Iterator[Services]:
    db = Database(database_url)
    yield Services.make(db, load_profile("tenant"), public_base_url="http://127.0.0.1", secret_key="k" * 32)
    db.engine.dispose()


def _log_lines(caplog: pytest.LogCaptureFixture, start: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "scheduler.runner" and r.getMessage().startswith(start)]


def test_a_job_runs_with_the_services_and_each_run_is_logged(services, caplog):
    caplog.set_level(logging.INFO, logger="scheduler.runner")
    seen: list[Services] = []

    def count(given: Services) -> int:
        seen.append(given)
        return len(seen)

    def fail(_given: Services) -> None:
        raise RuntimeError("broken")

    with running(services, [Job("count", timedelta(seconds=0.2), count), Job("fail", timedelta(seconds=0.2), fail)]):
        wait_until(lambda: len(seen) >= 3)
        wait_until(lambda: len(_log_lines(caplog, "job fail failed")) >= 2)  # failing does not stop it
    assert all(given is services for given in seen)
    done = _log_lines(caplog, "job count done in ")
    assert done[:2] and done[0].endswith(": 1") and done[1].endswith(": 2")


def test_a_stored_schedule_is_kept_by_the_next_leader(services, caplog):
    """A daily job ran when first installed; the next leader (a restart, another
    process) keeps its next run a day later instead of running it again."""
    caplog.set_level(logging.INFO, logger="scheduler.runner")
    runs: list[int] = []
    daily = Job("daily", timedelta(days=1), lambda _s: runs.append(1))

    def next_run() -> float | None:
        with services.db.engine.connect() as conn:
            return conn.scalar(text(f"SELECT next_run_time FROM {JOB_TABLE} WHERE id = 'daily'"))

    with services.db.engine.begin() as conn:
        conn.execute(text(f"DELETE FROM {JOB_TABLE}"))
    with running(services, [daily]):
        wait_until(lambda: runs)
        first = wait_until(next_run)
    assert first > time.time() + timedelta(hours=23).total_seconds()
    with running(services, [daily]):
        wait_until(lambda: len(_log_lines(caplog, "scheduler: leading")) == 2)
        assert next_run() == first
    assert runs == [1]


def test_a_job_no_longer_declared_leaves_the_store(services, caplog):
    caplog.set_level(logging.INFO, logger="scheduler.runner")
    with running(services, [Job("old", timedelta(hours=1), lambda _s: None)]):
        wait_until(lambda: _log_lines(caplog, "job old done"))
    with running(services, [Job("new", timedelta(hours=1), lambda _s: None)]):
        wait_until(lambda: _log_lines(caplog, "job new done"))
        with services.db.engine.connect() as conn:
            assert set(conn.scalars(text(f"SELECT id FROM {JOB_TABLE}"))) == {"new"}


def test_file_lock_one_holder_at_a_time(tmp_path):
    first, second = FileLock(tmp_path / "db.sqlite.scheduler.lock"), FileLock(tmp_path / "db.sqlite.scheduler.lock")
    assert first.try_acquire()
    assert not second.try_acquire()
    first.release()
    assert second.try_acquire()
    second.release()


def test_advisory_lock_one_holder_and_a_lost_connection_is_noticed(pg_url):
    first, second = AdvisoryLock(pg_url), AdvisoryLock(pg_url)
    assert first.try_acquire()
    assert not second.try_acquire()
    assert first.held()
    admin = create_engine(pg_url)
    with admin.begin() as conn:  # what a database restart or a cut connection does
        conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_locks "
                          "WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()"
                          " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                          " AND objid = hashtext(current_schema())::oid"))
    admin.dispose()
    assert not first.held()
    assert wait_until(second.try_acquire)
    second.release()
    first.release()
