"""A periodic job, as a module's descriptor or the platform declares it."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from services.container import Services


@dataclass(frozen=True)
class Job:
    name: str  # its key in the job store: stable, unique among the jobs of one deployment
    every: timedelta
    # What it did, for the log line of each run (a count, a summary); the job
    # process gives every run the one Services container it built at start.
    run: Callable[[Services], object]
