"""What the domain needs from the deployment, made once at start (bot/app.py) and
handed to every caller: flows, resident pages, the back office and jobs.

Nothing here knows LINE or Flask. What leaves the system (pushes, SMS, staff
notices) is written to an outbox in the caller's transaction; after the commit
the caller wakes the `sender`, which the bot provides."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from config.profile import OrgProfile
from models.db import Database
from services.billing.slips import SlipStore
from services.identity.sms import HttpSmsSettings
from services.links import Links


class Sender(Protocol):
    """Sends what the outboxes hold, now rather than at the job process's next round."""

    def wake(self) -> None: ...

    def wait_idle(self, timeout: float) -> bool:
        """Until what was there at the last wake has been tried; False on timeout."""
        ...


class NoSender:
    """For scripts and tests that run without a bot: outbox rows wait for the job process."""

    def wake(self) -> None:
        pass

    def wait_idle(self, timeout: float) -> bool:
        return True


class MediaSource(Protocol):
    """Pictures and files residents sent, by LINE message id (the bot's LINE channel)."""

    def content(self, message_id: str) -> bytes: ...


class NoMedia:
    """Without a LINE channel (scripts, the job process's tests) nothing can be fetched."""

    def content(self, message_id: str) -> bytes:
        raise LookupError("no LINE channel to fetch message content from")


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Services:
    db: Database
    profile: OrgProfile
    links: Links
    data_dir: Path
    secret_key: str  # signs links, seeds OTP hashes
    sms: HttpSmsSettings | None = None  # None: texts are kept in the development store
    sender: Sender = field(default_factory=NoSender)
    media: MediaSource = field(default_factory=NoMedia)
    clock: Callable[[], datetime] = utc_now

    @property
    def slip_store(self) -> SlipStore:
        return SlipStore(self.data_dir / "slips")

    @classmethod
    def make(cls, db: Database, profile: OrgProfile, *, public_base_url: str, secret_key: str,
             data_dir: Path = Path("var"), sms: HttpSmsSettings | None = None,
             sender: Sender | None = None, media: MediaSource | None = None) -> Services:
        return cls(db=db, profile=profile, links=Links(public_base_url, secret_key), data_dir=Path(data_dir),
                   secret_key=secret_key, sms=sms, sender=sender or NoSender(), media=media or NoMedia())
