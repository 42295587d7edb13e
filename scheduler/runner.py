"""The job process: periodic jobs under APScheduler, their schedule kept in our
database (table apscheduler_jobs), run by one leader among however many
`smartservice scheduler` processes are started.

Leadership is a lock that dies with its holder: on PostgreSQL a session advisory
lock on a connection of its own, on SQLite an exclusive lock on a file next to the
database. The others try again every few seconds; when the leader dies (kill -9
included) one of them takes over and finds the schedule where the leader left it.

APScheduler stores a job as a reference to an importable function and its
arguments, so every stored job is `run_registered(name)`, and the job itself (a
closure, usually) is looked up by name in this process's registry."""
from __future__ import annotations

import fcntl
import logging
import threading
import time
from collections.abc import Sequence
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Protocol

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Connection, create_engine, make_url, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from models.db import make_engine
from scheduler.jobs import Job
from services.container import Services

log = logging.getLogger(__name__)

JOB_TABLE = "apscheduler_jobs"
RETRY_SECONDS = 2.0  # how often a process that does not lead tries to, and the leader checks its lock

_registry: dict[str, tuple[Job, Services]] = {}


def run_registered(name: str) -> None:
    """What the job store holds for every job. One log line per run: the job's
    name, how long it took, and what it returned or that it failed."""
    entry = _registry.get(name)
    if entry is None:  # stored by a process that knew a job this one does not
        log.warning("job %s: not a job of this process, skipped", name)
        return
    job, services = entry
    started = time.monotonic()
    try:
        result = job.run(services)
    except Exception:  # noqa: BLE001 - the next run tries again; the error is in the log
        log.exception("job %s failed after %.2f s", name, time.monotonic() - started)
        return
    log.info("job %s done in %.2f s: %s", name, time.monotonic() - started, result)


class LeaderLock(Protocol):
    def try_acquire(self) -> bool: ...

    def held(self) -> bool:
        """Still ours: false once the lock went with its connection."""
        ...

    def release(self) -> None: ...


class AdvisoryLock:
    """PostgreSQL: a session advisory lock, one per schema (test runs and
    deployments may share a database), on a connection nobody else uses."""

    _TRY = text("SELECT pg_try_advisory_lock(hashtext('smartservice scheduler'), hashtext(current_schema()))")

    def __init__(self, url: str) -> None:
        self._engine = create_engine(url, poolclass=NullPool)
        self._connection: Connection | None = None

    def try_acquire(self) -> bool:
        try:
            if self._connection is None:
                self._connection = self._engine.connect()
            got = bool(self._connection.execute(self._TRY).scalar())
            self._connection.commit()  # a session lock outlives the transaction
        except DBAPIError:
            log.warning("leader lock: database unreachable", exc_info=True)
            self.release()
            return False
        return got

    def held(self) -> bool:
        if self._connection is None:
            return False
        try:
            self._connection.execute(text("SELECT 1"))
            self._connection.commit()
        except DBAPIError:
            self.release()
            return False
        return True

    def release(self) -> None:
        if self._connection is not None:
            with suppress(DBAPIError):  # already gone, and the lock with it
                self._connection.close()  # the lock goes with the session
            self._connection = None


class FileLock:
    """SQLite: an exclusive lock on `<database>.scheduler.lock`; the kernel drops it
    when the process ends, however it ends."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[bytes] | None = None

    def try_acquire(self) -> bool:
        handle = self.path.open("ab")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._file = handle
        return True

    def held(self) -> bool:
        return self._file is not None

    def release(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def leader_lock(database_url: str) -> LeaderLock:
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql":
        return AdvisoryLock(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return FileLock(Path(url.database).resolve().with_name(Path(url.database).name + ".scheduler.lock"))
    raise ValueError(f"the job process needs PostgreSQL or an SQLite file, not {url.get_backend_name()}")


class Runner:
    """Leads when it can, runs the jobs while it leads; `run` returns after `stop`."""

    def __init__(self, services: Services, jobs: Sequence[Job], *, retry_seconds: float = RETRY_SECONDS) -> None:
        names = [job.name for job in jobs]
        if len(set(names)) != len(names):
            raise ValueError(f"job names must be unique: {sorted(names)}")
        self.services = services
        self.jobs = list(jobs)
        self.retry_seconds = retry_seconds
        self.lock = leader_lock(services.db.url)
        self._stop = threading.Event()

    def stop(self) -> None:
        self._stop.set()

    def run(self) -> None:
        _registry.update({job.name: (job, self.services) for job in self.jobs})
        waiting_said = False
        try:
            while not self._stop.is_set():
                if not self.lock.try_acquire():
                    if not waiting_said:
                        log.info("scheduler: another process leads; taking over when it stops")
                        waiting_said = True
                    self._stop.wait(self.retry_seconds)
                    continue
                waiting_said = False
                self._lead()
        finally:
            for job in self.jobs:
                _registry.pop(job.name, None)

    def _lead(self) -> None:
        scheduler = self._scheduler()
        try:
            scheduler.start(paused=True)
            self._install(scheduler)
            scheduler.resume()
            log.info("scheduler: leading, jobs %s", ", ".join(f"{j.name} every {j.every}" for j in self.jobs))
            while not self._stop.wait(self.retry_seconds):
                if not self.lock.held():
                    log.warning("scheduler: leader lock lost with its connection; stepping down")
                    break
        finally:
            if scheduler.running:
                scheduler.shutdown(wait=True)  # runs in progress finish; none starts
            self.lock.release()

    def _scheduler(self) -> BackgroundScheduler:
        # An engine of its own: the job store disposes of its engine when it stops.
        store = SQLAlchemyJobStore(engine=make_engine(self.services.db.url, pool_size=2, max_overflow=2),
                                   tablename=JOB_TABLE)
        return BackgroundScheduler(
            jobstores={"default": store},
            # A thread per job: a long retention run never holds back the events.
            executors={"default": ThreadPoolExecutor(max(len(self.jobs), 1))},
            job_defaults={
                "coalesce": True,  # runs missed while nobody led: one run, not a burst
                "max_instances": 1,
                "misfire_grace_time": None,  # however late, a missed run is still worth one run
            },
            timezone=UTC,
        )

    def _install(self, scheduler: BackgroundScheduler) -> None:
        """Our jobs in the store. One stored with the same interval keeps its next run
        time, so a daily job stays daily across restarts and changes of leader; a new
        or changed one runs now. Stored jobs this deployment no longer has go."""
        wanted = {job.name: job for job in self.jobs}
        for stored in scheduler.get_jobs():
            if stored.id not in wanted:
                scheduler.remove_job(stored.id)
                log.info("scheduler: job %s removed from the store", stored.id)
        now = datetime.now(UTC)
        for job in self.jobs:
            stored = scheduler.get_job(job.name)
            if (stored is not None and isinstance(stored.trigger, IntervalTrigger)
                    and stored.trigger.interval == job.every and stored.args == (job.name,)):
                continue
            scheduler.add_job(run_registered, IntervalTrigger(seconds=job.every.total_seconds(), timezone=UTC),
                              args=[job.name], id=job.name, name=job.name, replace_existing=True,
                              next_run_time=now)
