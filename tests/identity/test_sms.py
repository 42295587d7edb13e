"""SMS providers: the development store, the HTTP gateway and ``sms list``."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from models.base import Base
from models.db import Database
from models.identity import OtpChallenge
from services.identity.cli import sms_cli
from services.identity.otp import start_registration
from services.identity.sms import DevSmsProvider, HttpSmsProvider, HttpSmsSettings, SmsError, stored_messages
from tests.identity.helpers import NOW, POLICY, two_customers


class Gateway:
    """A tiny SMS gateway on a free local port that records what it was sent."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.requests: list[dict] = []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                gateway.requests.append({"path": self.path, "key": self.headers.get("X-API-Key"),
                                         "type": self.headers.get("Content-Type"), "json": json.loads(body)})
                self.send_response(gateway.status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"ok": true}')

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/v1/sms"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.running = True

    def stop(self) -> None:
        if self.running:
            self.running = False
            self.server.shutdown()
            self.server.server_close()


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    g = Gateway()
    yield g
    g.stop()


def test_http_provider_posts_json_with_the_api_key(gateway):
    provider = HttpSmsProvider(HttpSmsSettings(url=gateway.url, api_key="k-123"))
    provider.send("0810000001", "รหัส OTP ของคุณคือ 123456")
    assert gateway.requests == [{"path": "/v1/sms", "key": "k-123", "type": "application/json",
                                 "json": {"to": "0810000001", "sender": "OSS-LOCAL", "text": "รหัส OTP ของคุณคือ 123456"}}]


def test_http_provider_reports_a_refusing_or_missing_gateway(gateway):
    gateway.status = 503
    with pytest.raises(SmsError, match="HTTP 503"):
        HttpSmsProvider(HttpSmsSettings(url=gateway.url, api_key="k")).send("0810000001", "x")
    gateway.stop()
    with pytest.raises(SmsError, match="unreachable"):
        HttpSmsProvider(HttpSmsSettings(url=gateway.url, api_key="k", timeout_seconds=2)).send("0810000001", "x")


def test_registration_through_the_gateway_and_a_failing_gateway_answers_the_same(db, gateway):
    with db.session() as s, s.begin():
        two_customers(s)
        sms = HttpSmsProvider(HttpSmsSettings(url=gateway.url, api_key="k"))
        ok = start_registration(s, customer_code="T0001", phone="0810000001", line_user_id="U1",
                                policy=POLICY, sms=sms, now=NOW)
        assert gateway.requests[0]["json"]["to"] == "0810000001"
        gateway.status = 500
        failed = start_registration(s, customer_code="T0001", phone="0810000001", line_user_id="U2",
                                    policy=POLICY, sms=sms, now=NOW)
        assert failed == ok
        assert s.scalar(select(func.count(OtpChallenge.id))) == 2


def test_dev_provider_stores_messages_and_sms_list_shows_them(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'sms.db'}"
    database = Database(url)
    Base.metadata.create_all(database.engine)
    monkeypatch.setenv("DATABASE_URL", url)
    runner = CliRunner()
    assert "ยังไม่มีข้อความ SMS" in runner.invoke(sms_cli, ["list"]).output
    with database.session() as s, s.begin():
        DevSmsProvider(s).send("0810000001", "รหัส OTP ของคุณคือ 111111")
        DevSmsProvider(s).send("0810000002", "รหัส OTP ของคุณคือ 222222")
        assert [m.phone for m in stored_messages(s)] == ["0810000002", "0810000001"]
    database.engine.dispose()

    listed = runner.invoke(sms_cli, ["list", "--phone", "081-000-0001"])
    assert listed.exit_code == 0 and "111111" in listed.output and "222222" not in listed.output
    assert "0810000001  [OSS-LOCAL]" in listed.output and "2569" in listed.output
    as_json = json.loads(runner.invoke(sms_cli, ["list", "--json"]).output)
    assert [(m["phone"], m["text"][-6:], m["sender"]) for m in as_json] == [
        ("0810000002", "222222", "OSS-LOCAL"), ("0810000001", "111111", "OSS-LOCAL")]
    bad = runner.invoke(sms_cli, ["list", "--phone", "12"])
    assert bad.exit_code == 2 and "not a Thai phone number" in bad.output
