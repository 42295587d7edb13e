from __future__ import annotations

import json
import re
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.db import Database
from models.identity import SmsMessage
from services.identity.otp import OtpPolicy, StartResult, VerifyResult, start_registration, verify_otp
from services.identity.sms import send_due, stored_messages
from tests.accounts.helpers import customer

NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
POLICY = OtpPolicy(secret="test-otp-secret-0123456789")
CONSENT = "e-notice-2026-11"


def two_customers(session: Session) -> None:
    customer(session, "T0001", ("0810000001",))
    customer(session, "T0002", ("0810000002", "025201234"))


def last_code(session: Session, phone: str) -> str:
    return re.search(r"\d{6}", stored_messages(session, phone=phone, limit=1)[0].text).group()


def start(db: Database, code: str, phone: str, user: str = "Uaaa", at: datetime = NOW,
          policy: OtpPolicy = POLICY) -> StartResult:
    """A registration request as the chat makes it: its own transaction, then the sending."""
    with db.session() as s, s.begin():
        answer = start_registration(s, customer_code=code, phone=phone, line_user_id=user, policy=policy, now=at)
    send_due(db, None, now=at)
    return answer


def verify(db: Database, code: str, user: str = "Uaaa", at: datetime = NOW) -> VerifyResult:
    with db.session() as s, s.begin():
        return verify_otp(s, line_user_id=user, code=code, policy=POLICY, consent_version=CONSENT, now=at)


def code_sent_to(db: Database, phone: str) -> str:
    with db.session() as s:
        return last_code(s, phone)


def sms_count(db: Database) -> int:
    with db.session() as s:
        return s.scalar(select(func.count(SmsMessage.id)))


class Gateway:
    """A tiny SMS gateway on a free local port that records what it was sent. A held
    gateway keeps each request waiting until ``release`` is set (at most HOLD
    seconds), like a slow gateway whose slowness the test decides."""

    HOLD = 5.0

    def __init__(self, status: int = 200, *, held: bool = False) -> None:
        self.status = status
        self.requests: list[dict] = []
        self.received, self.answered, self.release = threading.Event(), threading.Event(), threading.Event()
        if not held:
            self.release.set()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                gateway.requests.append({"path": self.path, "key": self.headers.get("X-API-Key"),
                                         "type": self.headers.get("Content-Type"), "json": json.loads(body)})
                gateway.received.set()
                gateway.release.wait(gateway.HOLD)
                self.send_response(gateway.status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"ok": true}')
                gateway.answered.set()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/v1/sms"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.running = True

    @property
    def texts(self) -> list[str]:
        return [r["json"]["text"] for r in self.requests]

    def stop(self) -> None:
        if self.running:
            self.running = False
            self.release.set()
            self.server.shutdown()
            self.server.server_close()
