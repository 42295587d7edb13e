"""No network call while a database transaction is open (SPEC §3.4, issue 13 item 4).

A push, an SMS or any other call out made inside a transaction keeps its locks
(on SQLite, the whole database) for as long as the other side takes to answer. The
test watches, per thread, the transactions SQLAlchemy opens and ends, and every
socket the process connects or writes to; a call out from a thread that holds an
open transaction is a failure. It drives what residents and staff do: register with
an OTP sent through an HTTP SMS gateway, send a slip in the chat and on the slip
form, and finance approving one slip, rejecting another and taking cash."""
from __future__ import annotations

import base64
import re
import socket
import threading
import traceback
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from sqlalchemy import event
from sqlalchemy.engine import Engine

from config.profile import load_profile
from services.billing.accounts import customer_by_code
from services.billing.slips import pending_slips
from services.demo import seed_demo
from services.staff import create_staff
from tests.conftest import TEST_REDIS_URL, Stack, make_stack
from tests.identity.helpers import Gateway
from tests.slip_images import slip_png
from thai.dates import BANGKOK

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = tuple(str(ROOT / package) for package in (
    "bot", "modules", "admin", "web", "scheduler", "flows", "services", "models", "flex_templates", "rich_menus",
    "nlu", "config", "thai"))


class CallsInTransactions:
    """Calls out made by a thread while it holds an open database transaction. The
    database's and Redis's own sockets are the transaction's business, not calls out."""

    def __init__(self, own_ports: set[int]) -> None:
        self.own_ports = own_ports
        self.found: list[str] = []
        self.calls_out = 0  # by the product, in a transaction or not: proves the watch sees them
        self._open: dict[int, int] = {}
        self._lock = threading.Lock()

    def begin(self, _connection) -> None:
        me = threading.get_ident()
        with self._lock:
            self._open[me] = self._open.get(me, 0) + 1

    def end(self, _connection) -> None:
        me = threading.get_ident()
        with self._lock:
            self._open[me] = max(0, self._open.get(me, 0) - 1)

    def call(self, what: str, sock: socket.socket, address: object | None) -> None:
        if address is None:
            try:
                address = sock.getpeername()
            except OSError:
                return
        if isinstance(address, tuple) and address[1] in self.own_ports:
            return
        frames = [f"{Path(f.filename).relative_to(ROOT)}:{f.lineno} {f.name}" for f in traceback.extract_stack()
                  if f.filename.startswith(PRODUCT)]
        if not frames:  # the emulator, the test's own servers and clients are not the product
            return
        self.calls_out += 1
        if self._open.get(threading.get_ident()):
            self.found.append(f"{what} {address} in {threading.current_thread().name}: {' < '.join(frames[::-1])}")


def _port(url: str | None, default: int) -> set[int]:
    return {urlsplit(url).port or default} if url else set()


@pytest.fixture
def watched(monkeypatch: pytest.MonkeyPatch, database_url: str) -> Iterator[CallsInTransactions]:
    watch = CallsInTransactions(_port(database_url if database_url.startswith("postgres") else None, 5432)
                                | _port(TEST_REDIS_URL, 6379))
    listeners = (("begin", watch.begin), ("commit", watch.end), ("rollback", watch.end))
    for name, listener in listeners:
        event.listen(Engine, name, listener)
    for method in ("connect", "connect_ex", "send", "sendall"):
        real = getattr(socket.socket, method)

        def watched_call(sock, *args, _real=real, _method=method, **kwargs):
            watch.call(_method, sock, args[0] if _method.startswith("connect") else None)
            return _real(sock, *args, **kwargs)

        monkeypatch.setattr(socket.socket, method, watched_call)
    yield watch
    for name, listener in listeners:
        event.remove(Engine, name, listener)


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    g = Gateway()
    yield g
    g.stop()


@pytest.fixture
def office(watched: CallsInTransactions, database_url: str, gateway: Gateway) -> Iterator[Stack]:
    stack = make_stack(database_url, redis_url=TEST_REDIS_URL, sms_http_url=gateway.url, sms_api_key="test-sms-key")
    with stack.bot_app.assembly.services.db.session() as s, s.begin():
        seed_demo(s, load_profile("tenant"), today=datetime.now(BANGKOK).date())
    yield stack
    stack.close()


def _csrf(http: requests.Session, url: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', http.get(url, timeout=10).text).group(1)


def _register(stack: Stack, gateway: Gateway, user: str) -> None:
    stack.say(user, "ลงทะเบียน")
    stack.say(user, "T0001")
    stack.say(user, "0810000001")
    assert gateway.received.wait(10), "the OTP never reached the SMS gateway"
    stack.say(user, re.search(r"\d{6}", gateway.texts[-1]).group())
    stack.tap(user, "action=consent&answer=yes&v=1", "ยินยอม")


def _slip_in_chat(stack: Stack, user: str, trans_ref: str) -> int:
    stack.say(user, "แนบสลิป")
    stack.send(user, {"type": "image", "base64": base64.b64encode(slip_png(trans_ref)).decode()})
    with stack.bot_app.assembly.services.db.session() as s:
        return next(r.id for r in pending_slips(s) if r.qr_trans_ref == trans_ref)


def _form_day(day: date) -> dict[str, str]:
    """The slip form's day / month / Buddhist-Era year selects."""
    return {"day": str(day.day), "month": str(day.month), "year": str(day.year + 543)}


def _slip_on_the_form(stack: Stack, user: str, trans_ref: str) -> None:
    services = stack.bot_app.assembly.services
    with services.db.session() as s:
        customer_id = customer_by_code(s, "T0001").id
    form = services.links.slip_form(customer_id, user)
    sent = requests.post(form, timeout=30, files={"slip": ("slip.png", slip_png(trans_ref), "image/png")},
                         data={"amount": "100.00", **_form_day(datetime.now(BANGKOK).date())})
    assert sent.status_code == 200, sent.text


def test_no_call_out_while_a_transaction_is_open(office: Stack, gateway: Gateway, watched: CallsInTransactions):
    user = office.new_user()
    _register(office, gateway, user)
    approved, rejected = _slip_in_chat(office, user, "20261215N0001"), _slip_in_chat(office, user, "20261215N0002")
    _slip_on_the_form(office, user, "20261215N0003")

    base, staff = office.bot.url, requests.Session()
    with office.bot_app.assembly.services.db.session() as s, s.begin():
        create_staff(s, username="malee", display_name="นางสาวมาลี ศรีสุข", role="finance", password="correct horse")
    login = staff.post(f"{base}/admin/login", timeout=10, data={
        "csrf_token": _csrf(staff, f"{base}/admin/login"), "username": "malee", "password": "correct horse"})
    assert login.status_code == 200
    page = f"{base}/admin/slips/{approved}"
    decided = [
        staff.post(f"{page}/approve", timeout=30, data={
            "csrf_token": _csrf(staff, page), "amount": "100.00", "invoice_id": "",
            "paid_on": datetime.now(BANGKOK).date().isoformat(), "paid_time": "00:00"}),
        staff.post(f"{base}/admin/slips/{rejected}/reject", timeout=30, data={
            "csrf_token": _csrf(staff, page), "reason": "ยอดเงินในสลิปไม่ตรงกับยอดที่เข้าบัญชี"}),
        staff.post(f"{base}/admin/payments/cash", timeout=30, data={
            "csrf_token": _csrf(staff, page), "code": "T0001", "amount": "50.00", "invoice_id": ""}),
    ]
    assert [r.status_code for r in decided] == [200, 200, 200], [r.text[-2000:] for r in decided]
    assert all("แจ้งลูกค้าทาง LINE แล้ว" in r.text for r in decided)

    # Everything the decisions queued has gone out (the sender's calls are watched too).
    office.settle()
    heard = str(office.messages(user))
    assert "ยอดเงินในสลิปไม่ตรงกับยอดที่เข้าบัญชี" in heard and "50.00" in heard
    assert watched.calls_out > 0 and watched.found == []
