"""Configuration from the environment and the `emulator` click command."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest
from click.testing import CliRunner

from emulator import create_app
from emulator.cli import emulator_cli


def test_settings_come_from_the_environment_when_not_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINE_CHANNEL_SECRET", "env-secret")
    monkeypatch.setenv("LINE_CHANNEL_ACCESS_TOKEN", "env-token")
    monkeypatch.setenv("EMULATOR_WEBHOOK_URL", "http://127.0.0.1:9/callback")
    client = create_app().test_client()
    assert client.get("/_emulator/info").json["webhookUrl"] == "http://127.0.0.1:9/callback"
    assert client.get("/v2/bot/message/quota", headers={"Authorization": "Bearer env-token"}).status_code == 200
    assert client.get("/v2/bot/message/quota", headers={"Authorization": "Bearer other"}).status_code == 401
    assert client.get("/_emulator/info").json["calls"] == len(client.get("/_emulator/calls").json["calls"]) == 2
    body = json.dumps({"destination": "U", "events": []})
    raw = client.post("/_emulator/webhook/raw", json={"body": body}).json
    assert raw["status"] is None and "ConnectionError" in raw["error"]
    delivery = client.get("/_emulator/webhooks").json["webhooks"][-1]
    expected = base64.b64encode(hmac.new(b"env-secret", body.encode(), hashlib.sha256).digest()).decode()
    assert delivery["signature"] == expected
    explicit = create_app({"WEBHOOK_URL": "http://bot/callback"}).test_client()
    assert explicit.get("/_emulator/info").json["webhookUrl"] == "http://bot/callback"


def test_cli_help_lists_its_options() -> None:
    result = CliRunner().invoke(emulator_cli, ["--help"])
    assert result.exit_code == 0
    for option in ("--host", "--port", "--webhook-url", "--redelivery"):
        assert option in result.output
    assert emulator_cli.name == "emulator"
