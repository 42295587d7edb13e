"""The job process's schedule: APScheduler's job store table (scheduler/runner.py),
declared here so that the migrations and the models agree; the job store declares
the same columns on its own when it runs."""
from __future__ import annotations

from sqlalchemy import Float, LargeBinary, Unicode
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class ScheduledJob(Base):
    __tablename__ = "apscheduler_jobs"

    id: Mapped[str] = mapped_column(Unicode(191), primary_key=True)
    next_run_time: Mapped[float | None] = mapped_column(Float(25), index=True)
    job_state: Mapped[bytes] = mapped_column(LargeBinary)
