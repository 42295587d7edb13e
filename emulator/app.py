"""Flask app factory of the LINE emulator."""
from __future__ import annotations

import os
from typing import Any

from flask import Flask, Response, jsonify, request

from emulator import api, control, ids, media, simulator, sms
from emulator.state import Emulator
from emulator.store import Store
from emulator.webhook import WebhookSender

ENV_KEYS = {
    "CHANNEL_SECRET": "LINE_CHANNEL_SECRET",
    "CHANNEL_ACCESS_TOKEN": "LINE_CHANNEL_ACCESS_TOKEN",
    "WEBHOOK_URL": "EMULATOR_WEBHOOK_URL",
    "SMS_DATABASE_URL": "DATABASE_URL",
}

DEFAULTS: dict[str, Any] = {
    "CHANNEL_SECRET": "emulator-channel-secret",
    # Empty: any non-empty Bearer token is accepted.
    "CHANNEL_ACCESS_TOKEN": "",
    "WEBHOOK_URL": "",
    "REDELIVERY": False,
    "REDELIVERY_DELAYS": (1.0, 2.0, 4.0),
    "REPLY_TOKEN_TTL": 60.0,
    "WEBHOOK_TIMEOUT": 10.0,
    # None: unlimited ("type": "none"); an integer enforces LINE's monthly limit on pushes.
    "MESSAGE_QUOTA": None,
    "BOT_NAME": "Smart Service",
    # The bot's database, for the development SMS inbox page; None hides it.
    "SMS_DATABASE_URL": None,
}


def build_config(config: dict[str, Any] | None) -> dict[str, Any]:
    merged = dict(DEFAULTS)
    for key, env in ENV_KEYS.items():
        if os.environ.get(env):
            merged[key] = os.environ[env]
    merged.update({k: v for k, v in (config or {}).items() if v is not None})
    merged.setdefault("BOT_USER_ID", ids.user_id())
    merged["REPLY_TOKEN_TTL"] = float(merged["REPLY_TOKEN_TTL"])
    return merged


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    settings = build_config(config)
    app.config.update(JSON_SORT_KEYS=False)
    app.json.sort_keys = False
    app.json.ensure_ascii = False
    store = Store()
    app.extensions["line_emulator"] = Emulator(settings, store, WebhookSender(store, settings))
    app.register_blueprint(api.bp)
    app.register_blueprint(control.bp)
    app.register_blueprint(media.bp)
    app.register_blueprint(simulator.bp)
    app.register_blueprint(sms.bp)
    if settings["SMS_DATABASE_URL"]:
        app.extensions["sms_database"] = sms.SmsInbox(settings["SMS_DATABASE_URL"])

    @app.errorhandler(404)
    def not_found(_: Exception) -> tuple[Response, int]:
        # Unknown Messaging API paths answer like LINE does.
        if request.path.startswith("/v2/"):
            return jsonify({"message": "Not found"}), 404
        return jsonify({"error": f"no route {request.path}"}), 404

    @app.after_request
    def request_id(resp: Response) -> Response:
        # Every Messaging API answer carries one, also 404/405 from outside the blueprint.
        if request.path.startswith("/v2/"):
            resp.headers.setdefault("x-line-request-id", ids.request_id())
        return resp

    @app.errorhandler(405)
    def not_allowed(_: Exception) -> tuple[Response, int]:
        return jsonify({"message": "Method Not Allowed"}), 405

    return app
