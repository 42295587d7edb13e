"""The bot's parts, assembled once (`assemble`): settings → database, Redis, the
LINE client → the services container → the router of the enabled modules → the
dialog engine and the event dispatcher. `create_app` serves them over HTTP; the
job process (`smartservice scheduler`) uses the same assembly without a server."""
from __future__ import annotations

import logging
from dataclasses import dataclass

import redis
from flask import Flask, jsonify
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import BaseConverter, ValidationError

import modules
import nlu
import web
from admin import init_admin
from bot import health, webhook
from bot.channel import LineChannel
from bot.delivery import Delivery, OutboxSender
from bot.dispatch import Dispatcher
from bot.line_client import LineClient
from bot.settings import Settings, load_settings
from flows.engine import Engine
from models.db import Database
from modules import Module
from services.container import Services
from services.dialog_state import StateStore
from services.ids import parse_id

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Assembly:
    settings: Settings
    services: Services
    modules: list[Module]  # those the profile enables
    line: LineClient
    delivery: Delivery
    dispatcher: Dispatcher
    redis: redis.Redis | None


def assemble(settings: Settings) -> Assembly:
    db = Database(settings.database_url, pool_size=settings.database_pool_size)
    redis_client = (
        redis.Redis.from_url(settings.redis_url, socket_timeout=0.5, socket_connect_timeout=0.5)
        if settings.redis_url else None
    )
    client = LineClient(settings.line_api_base, settings.line_channel_access_token,
                        timeout=settings.line_timeout_seconds, max_retries=settings.line_max_retries,
                        backoff_cap=settings.line_backoff_cap_seconds)
    delivery = Delivery(db, client)
    channel = LineChannel(client, api_base=settings.line_api_base, access_token=settings.line_channel_access_token,
                          timeout=settings.line_timeout_seconds)
    services = Services.make(db, settings.profile, public_base_url=settings.public_base_url,
                             secret_key=settings.secret_key, data_dir=settings.data_dir, sms=settings.sms,
                             sender=OutboxSender(delivery, settings.sms), media=channel)
    engine = Engine(modules.build_router(settings.profile), StateStore(db, redis_client),
                    idle_seconds=settings.flow_idle_minutes * 60)
    dispatcher = Dispatcher(
        services, engine, delivery, parse=nlu.parse, channel=channel,
        threads=settings.worker_threads, queue_size=settings.worker_queue_size,
        loading_after=settings.loading_after_seconds, lease_seconds=settings.event_lease_seconds,
        max_attempts=settings.event_max_attempts,
    )
    return Assembly(settings=settings, services=services, modules=modules.enabled(settings.profile), line=client,
                    delivery=delivery, dispatcher=dispatcher, redis=redis_client)


class BotApp(Flask):
    """The Flask app, carrying its assembly: the webhook and health routes take
    their parts from here, typed, instead of from `extensions`."""

    assembly: Assembly


def create_app(settings: Settings | None = None) -> BotApp:
    settings = settings or load_settings()
    app = BotApp(__name__)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        LINE_CHANNEL_SECRET=settings.line_channel_secret,
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
    )
    parts = app.assembly = assemble(settings)
    if settings.trusted_proxies:  # each client's own address, for the login limit and the logs
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    app.url_map.converters["id"] = IdConverter
    app.session_interface = _SessionCookies()
    app.register_blueprint(webhook.blueprint(settings.line_channel_secret, parts.dispatcher))
    app.register_blueprint(health.blueprint(parts.services.db, parts.redis))
    app.register_blueprint(web.blueprint(parts.services))
    app.register_blueprint(web.front(parts.services))
    init_admin(app, parts.services, [pages for module in parts.modules for pages in module.staff_pages],
               [tile for module in parts.modules for tile in module.tiles])

    @app.errorhandler(413)
    def _too_large(_exc):
        return jsonify({"message": "request body too large"}), 413

    nlu.parse("สวัสดี")  # load the model now, not on a resident's first message
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
    session it never uses. One interface per app: the serializer holds its key."""

    def __init__(self) -> None:
        self._serializer = None

    def get_signing_serializer(self, app: Flask):  # noqa: ANN201 - Flask's signature
        if self._serializer is None:
            self._serializer = super().get_signing_serializer(app)
        return self._serializer
