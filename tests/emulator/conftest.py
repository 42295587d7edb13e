"""Real HTTP both ways: the emulator and a tiny line-bot-sdk v3 bot, each on its own port."""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
from flask import Flask, abort, request
from linebot.v3 import WebhookParser
from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.messaging import (
    ApiClient,
    Configuration,
    MessagingApi,
    MessagingApiBlob,
    ReplyMessageRequest,
    TextMessage,
)
from linebot.v3.messaging.exceptions import ApiException
from werkzeug.serving import BaseWSGIServer, make_server

from emulator import create_app

SECRET = "test-channel-secret"
TOKEN = "test-access-token"


@dataclass
class Server:
    server: BaseWSGIServer
    thread: threading.Thread

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(5)


def serve(app: Flask) -> Server:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return Server(server, thread)


@dataclass
class TestBot:
    """A bot as line-bot-sdk's README shows it, acknowledging first and answering after."""

    api_base: str = ""
    events: list[dict[str, Any]] = field(default_factory=list)
    failures: list[int] = field(default_factory=list)
    api_errors: list[ApiException] = field(default_factory=list)
    handler: Callable[[TestBot, Any], None] | None = None
    done: threading.Event = field(default_factory=threading.Event)

    def api(self) -> MessagingApi:
        return MessagingApi(ApiClient(Configuration(host=self.api_base, access_token=TOKEN)))

    def blob(self) -> MessagingApiBlob:
        return MessagingApiBlob(ApiClient(Configuration(host=self.api_base, access_token=TOKEN)))

    def reply(self, event: Any, *messages: Any) -> None:
        try:
            self.api().reply_message(ReplyMessageRequest(reply_token=event.reply_token, messages=list(messages)),
                                     _request_timeout=5)
        except ApiException as exc:
            self.api_errors.append(exc)

    def handle(self, event: Any) -> None:
        if self.handler is not None:
            self.handler(self, event)
        elif getattr(event, "reply_token", None):
            text = getattr(getattr(event, "message", None), "text", None) or event.type
            self.reply(event, TextMessage(text=f"ได้รับ: {text}"))
        self.done.set()


def make_bot_app(bot: TestBot) -> Flask:
    app = Flask("test_bot")
    parser = WebhookParser(SECRET)

    @app.post("/callback")
    def callback() -> str:
        body = request.get_data(as_text=True)
        try:
            events = parser.parse(body, request.headers.get("X-Line-Signature", ""))
        except InvalidSignatureError:
            abort(400)
        bot.events.append(request.get_json())
        if bot.failures:
            abort(bot.failures.pop(0))
        for event in events:
            threading.Thread(target=bot.handle, args=(event,), daemon=True).start()
        return "OK"

    return app


@dataclass
class Env:
    emulator: Server
    bot: TestBot
    app: Flask

    @property
    def url(self) -> str:
        return self.emulator.url

    def post(self, path: str, json: Any = None, **kw: Any) -> requests.Response:
        return requests.post(self.url + path, json=json, timeout=20, **kw)

    def get(self, path: str, **kw: Any) -> requests.Response:
        return requests.get(self.url + path, timeout=10, **kw)

    def new_user(self, name: str = "สมชาย ใจดี") -> str:
        resp = self.post("/_emulator/users", {"displayName": name, "wait": 3})
        assert resp.status_code == 200, resp.text
        return resp.json()["userId"]

    def api(self, method: str, path: str, **kw: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {TOKEN}", **kw.pop("headers", {})}
        return requests.request(method, self.url + path, headers=headers, timeout=10, **kw)


def start_env(**config: Any) -> tuple[Env, Server]:
    bot = TestBot()
    bot_server = serve(make_bot_app(bot))
    app = create_app({"CHANNEL_SECRET": SECRET, "CHANNEL_ACCESS_TOKEN": TOKEN,
                      "WEBHOOK_URL": bot_server.url + "/callback", **config})
    emulator = serve(app)
    bot.api_base = emulator.url
    return Env(emulator, bot, app), bot_server


@pytest.fixture(scope="session")
def shared_env() -> Iterator[Env]:
    env, bot_server = start_env(REDELIVERY=True, REDELIVERY_DELAYS=(0.2, 0.4, 0.8))
    yield env
    env.emulator.stop()
    bot_server.stop()


@pytest.fixture()
def env(shared_env: Env) -> Env:
    shared_env.post("/_emulator/reset")
    bot = shared_env.bot
    bot.events.clear()
    bot.failures.clear()
    bot.api_errors.clear()
    bot.handler = None
    bot.done.clear()
    return shared_env
