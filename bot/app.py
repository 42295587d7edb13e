"""The Flask app factory: wires settings, database, Redis, the LINE client, the
dialog engine and the event dispatcher, then registers the routes."""
from __future__ import annotations

import logging
import threading
from datetime import timedelta

import redis
from flask import Flask, jsonify
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import BaseConverter, ValidationError

import nlu
import web
from admin import init_admin
from bot import health, webhook
from bot.channel import LineChannel
from bot.delivery import Delivery
from bot.dispatch import Dispatcher
from bot.line_client import LineClient
from bot.settings import Settings, load_settings
from flows import build_router
from flows.engine import Engine
from flows.state import StateStore
from models.db import Database
from services.ids import parse_id

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, *, background: bool = True) -> Flask:
    settings = settings or load_settings()
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        LINE_CHANNEL_SECRET=settings.line_channel_secret,
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
    )
    db = Database(settings.database_url, pool_size=settings.database_pool_size)
    redis_client = (
        redis.Redis.from_url(settings.redis_url, socket_timeout=0.5, socket_connect_timeout=0.5)
        if settings.redis_url else None
    )
    client = LineClient(settings.line_api_base, settings.line_channel_access_token,
                        timeout=settings.line_timeout_seconds, max_retries=settings.line_max_retries,
                        backoff_cap=settings.line_backoff_cap_seconds)
    engine = Engine(build_router(settings.profile), StateStore(db, redis_client),
                    idle_seconds=settings.flow_idle_minutes * 60)
    dispatcher = Dispatcher(
        db=db, engine=engine, delivery=Delivery(db, client), client=client, profile=settings.profile,
        public_base_url=settings.public_base_url, parse=nlu.parse,
        threads=settings.worker_threads, queue_size=settings.worker_queue_size,
        loading_after=settings.loading_after_seconds, lease_seconds=settings.event_lease_seconds,
        max_attempts=settings.event_max_attempts,
        channel=LineChannel(client, api_base=settings.line_api_base, access_token=settings.line_channel_access_token,
                            timeout=settings.line_timeout_seconds),
        secret_key=settings.secret_key, data_dir=settings.data_dir, sms=settings.sms,
    )
    if settings.trusted_proxies:  # each client's own address, for the login limit and the logs
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    app.url_map.converters["id"] = IdConverter
    app.session_interface = _SessionCookies()
    app.extensions.update(settings=settings, db=db, redis=redis_client, line=client, dispatcher=dispatcher)
    app.register_blueprint(webhook.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(web.bp)
    init_admin(app)

    @app.errorhandler(413)
    def _too_large(_exc):
        return jsonify({"message": "request body too large"}), 413

    if background:
        nlu.parse("สวัสดี")  # load the model now, not on a resident's first message
        _start_sweeper(dispatcher, every=settings.sweep_interval_seconds,
                       manual_idle=timedelta(hours=settings.manual_idle_hours))
    return app


class IdConverter(BaseConverter):
    """``<id:name>`` in a route: a record id as services.ids reads it. Werkzeug's
    ``int`` takes Thai digits for another record and 30 digits into a database overflow."""

    regex = r"[0-9]+"

    def to_python(self, value: str) -> int:
        found = parse_id(value)
        if found is None:
            raise ValidationError()
        return found

    def to_url(self, value: int) -> str:
        return str(value)


class _SessionCookies(SecureCookieSessionInterface):
    """Flask's cookie sessions (the back office's), with the signing serializer made
    once instead of on every request: each LINE webhook call paid for one, for a
    session it never uses."""

    def get_signing_serializer(self, app: Flask):  # noqa: ANN201 - Flask's signature
        serializer = app.extensions.get("session_serializer")
        if serializer is None:
            serializer = app.extensions["session_serializer"] = super().get_signing_serializer(app)
        return serializer


def _start_sweeper(dispatcher: Dispatcher, *, every: float, manual_idle: timedelta) -> None:
    def loop() -> None:
        while True:
            dispatcher.wait_for_sweep(every)
            try:
                dispatcher.sweep(manual_idle=manual_idle)
            except Exception:  # noqa: BLE001 - the next round tries again
                log.exception("sweep failed")

    threading.Thread(target=loop, name="sweeper", daemon=True).start()
