"""Settings from the environment or a ``.env`` file, validated once at start.

Every knob the bot reads lives here, so an operator sees the whole surface in
one place (docs/configuration.md lists them with examples).
"""
from __future__ import annotations

from functools import cached_property
from pathlib import Path

from pydantic import Field, ValidationError, field_validator, model_validator

from config.profile import OrgProfile
from models.db import DatabaseSettings
from modules import load_profile
from services.identity.sms import HttpSmsSettings

REAL_LINE_API = "https://api.line.me"


class Settings(DatabaseSettings):
    """The bot's settings; DATABASE_URL comes from DatabaseSettings (models/db.py),
    which the command-line tools read on their own."""

    line_channel_secret: str = Field(min_length=8)
    line_channel_access_token: str = Field(min_length=8)
    line_api_base: str = REAL_LINE_API
    # Connections kept open per process: at least WORKER_THREADS + the web server's
    # threads + 2. A busier process opens extra ones per use, each a new PostgreSQL
    # backend process, which under load costs more CPU than the work it does.
    database_pool_size: int = Field(default=20, ge=1, le=200)
    redis_url: str | None = None
    public_base_url: str = "http://127.0.0.1:8080"
    org_profile: str = "tenant"
    secret_key: str = Field(min_length=16)
    data_dir: Path = Path("var")  # slips and receipt PDFs, outside any web root
    # An SMS gateway for OTPs; without one, texts are kept for `smartservice sms list`.
    sms_http_url: str | None = None
    sms_api_key: str | None = None
    sms_sender: str = "SmartSvc"
    sms_api_key_header: str = "X-API-Key"

    line_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    line_max_retries: int = Field(default=4, ge=0, le=10)
    line_backoff_cap_seconds: float = Field(default=8.0, gt=0)
    worker_threads: int = Field(default=8, ge=1, le=64)
    worker_queue_size: int = Field(default=1000, ge=1)
    # An event is leased to the process working on it; the process renews the lease
    # while it lives, and a lease left to expire (a dead process) lets another take it.
    event_lease_seconds: float = Field(default=15.0, ge=1, le=600)
    event_max_attempts: int = Field(default=5, ge=1, le=50)
    sweep_interval_seconds: float = Field(default=10.0, gt=0, le=600)
    flow_idle_minutes: int = Field(default=30, ge=1)
    loading_after_seconds: float = Field(default=1.0, ge=0)
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    # Reverse proxies in front of the bot (nginx, a load balancer) whose
    # X-Forwarded-For/-Proto/-Host are believed; 0 believes no such header.
    trusted_proxies: int = Field(default=0, ge=0, le=5)

    @field_validator("line_api_base", "public_base_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _https_for_real_line(self) -> Settings:
        if self.line_api_base == REAL_LINE_API and not self.public_base_url.startswith("https://"):
            raise ValueError("PUBLIC_BASE_URL must be https:// with the real LINE API: LINE loads QR images "
                             "and opens links only over https")
        return self

    @model_validator(mode="after")
    def _sms_gateway_complete(self) -> Settings:
        if bool(self.sms_http_url) != bool(self.sms_api_key):
            raise ValueError("SMS_HTTP_URL and SMS_API_KEY go together: set both, or neither for the development store")
        return self

    @cached_property
    def sms(self) -> HttpSmsSettings | None:
        if not self.sms_http_url or not self.sms_api_key:
            return None
        return HttpSmsSettings(url=self.sms_http_url, api_key=self.sms_api_key, sender=self.sms_sender,
                               api_key_header=self.sms_api_key_header)

    @cached_property
    def profile(self) -> OrgProfile:
        return load_profile(self.org_profile)


class SettingsError(RuntimeError):
    """Raised with one readable line per bad setting."""


def load_settings(**overrides: object) -> Settings:
    try:
        settings = Settings(**overrides)
        settings.profile  # noqa: B018 - validate the profile at start, not at first use
    except ValidationError as exc:
        lines = [
            f"  {str(err['loc'][0]).upper() if err['loc'] else 'SETTINGS'}: {err['msg']}" for err in exc.errors()
        ]
        raise SettingsError("Invalid settings (environment or .env):\n" + "\n".join(lines)) from exc
    except ValueError as exc:
        raise SettingsError(f"Invalid settings: ORG_PROFILE: {exc}") from exc
    return settings
