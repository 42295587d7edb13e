"""SMS: the providers, the outbox that sends after the commit, and ``sms list``."""
from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from models.base import Base, utcnow
from models.db import Database
from models.identity import SmsOutbox
from services.identity.cli import sms_cli
from services.identity.otp import start_registration
from services.identity.sms import (
    SEND_LEASE,
    DevSmsProvider,
    HttpSmsProvider,
    HttpSmsSettings,
    SmsError,
    queue_sms,
    send_due,
    stored_messages,
)
from tests.identity.helpers import NOW, POLICY, Gateway, two_customers

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    g = Gateway()
    yield g
    g.stop()


def _settings(gateway: Gateway) -> HttpSmsSettings:
    return HttpSmsSettings(url=gateway.url, api_key="k", timeout_seconds=10)


def _outbox(db) -> list[tuple[str, str | None, int]]:
    with db.session() as s:
        return [(r.status, r.text, r.attempts) for r in s.scalars(select(SmsOutbox).order_by(SmsOutbox.id))]


def _queue(db, *texts: str, at=NOW, expires_at=None) -> None:
    with db.session() as s, s.begin():
        for text in texts:
            queue_sms(s, "0810000001", text, now=at, expires_at=expires_at)


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


def test_an_otp_sms_goes_only_after_its_commit_and_its_text_is_erased_once_sent(db, gateway):
    with db.session() as s, s.begin():
        two_customers(s)
    with db.session() as s:
        register(s, "U1")
        s.rollback()
    assert send_due(db, _settings(gateway), now=NOW) == 0 and _outbox(db) == []  # rolled back: nothing to send
    with db.session() as s, s.begin():
        register(s, "U2")
    assert send_due(db, _settings(gateway), now=NOW) == 1
    assert gateway.requests[0]["json"]["to"] == "0810000001" and "รหัส OTP ของคุณคือ" in gateway.texts[0]
    assert _outbox(db) == [("sent", None, 1)]


def register(session, user: str) -> None:
    start_registration(session, customer_code="T0001", phone="0810000001", line_user_id=user, policy=POLICY, now=NOW)


def test_a_failing_gateway_is_retried_with_backoff_until_it_takes_the_sms(db, gateway):
    _queue(db, "รหัส OTP ของคุณคือ 111111")
    gateway.status = 503
    assert send_due(db, _settings(gateway), now=NOW) == 0
    assert _outbox(db) == [("pending", "รหัส OTP ของคุณคือ 111111", 1)]
    assert send_due(db, _settings(gateway), now=NOW.replace(second=4)) == 0 and len(gateway.requests) == 1  # not yet due
    gateway.status = 200
    assert send_due(db, _settings(gateway), now=NOW.replace(second=5)) == 1
    assert gateway.texts == ["รหัส OTP ของคุณคือ 111111"] * 2 and _outbox(db) == [("sent", None, 2)]


def test_a_gateway_that_never_takes_it_gets_six_tries_then_the_sms_is_given_up(db, gateway):
    _queue(db, "x")
    gateway.status = 500
    for minute in range(10):
        send_due(db, _settings(gateway), now=NOW.replace(minute=minute))
    assert len(gateway.requests) == 6 and _outbox(db) == [("failed", None, 6)]


def test_a_code_is_not_sent_once_it_has_expired(db, gateway):
    _queue(db, "รหัส OTP ของคุณคือ 222222", expires_at=NOW.replace(minute=5))
    assert send_due(db, _settings(gateway), now=NOW.replace(minute=5)) == 0
    assert gateway.requests == [] and _outbox(db) == [("failed", None, 0)]


def test_a_sender_killed_while_the_gateway_has_the_sms_leaves_it_to_the_next(db, database_url, tmp_path):
    gateway = Gateway(held=True)
    try:
        _queue(db, "รหัส OTP ของคุณคือ 333333", at=utcnow())
        sender = subprocess.Popen([sys.executable, "-c", (
            "import sys; from models.db import Database; from services.identity.sms import HttpSmsSettings, send_due; "
            "send_due(Database(sys.argv[1]), HttpSmsSettings(url=sys.argv[2], api_key='k'))"),
            database_url, gateway.url], cwd=ROOT)
        assert gateway.received.wait(30), "the sender did not reach the gateway"
        sender.kill()
        sender.wait(10)
        assert _outbox(db) == [("pending", "รหัส OTP ของคุณคือ 333333", 1)]
        assert send_due(db, _settings(gateway), now=utcnow()) == 0  # still leased to the dead sender
        gateway.release.set()
        assert send_due(db, _settings(gateway), now=utcnow() + SEND_LEASE) == 1
        assert gateway.texts == ["รหัส OTP ของคุณคือ 333333"] * 2  # at least once: the same code again
        assert _outbox(db) == [("sent", None, 2)]
    finally:
        gateway.stop()


def test_senders_running_at_once_send_each_sms_once(db, gateway):
    texts = [f"รหัส OTP ของคุณคือ {n:06d}" for n in range(30)]
    _queue(db, *texts)
    senders = 4
    barrier, counts = threading.Barrier(senders), []

    def send() -> None:
        barrier.wait()
        counts.append(send_due(db, _settings(gateway), now=NOW))

    threads = [threading.Thread(target=send) for _ in range(senders)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(gateway.texts) == texts and sum(counts) == 30


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
