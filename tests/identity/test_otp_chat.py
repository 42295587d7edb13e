"""Finding 9 of issue 12, in the chat as LINE delivers it: with a slow HTTP SMS
gateway the answer to a customer code and phone that match came back only once
the gateway had answered (345–456 ms against 37–77 ms), which told whether the
phone was on file. Now the SMS goes after the commit, off the answer's path."""
from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from models.identity import SmsOutbox
from tests.conftest import Stack, make_stack
from tests.identity.helpers import Gateway, two_customers


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    g = Gateway(held=True)
    yield g
    g.stop()


@pytest.fixture
def chat(database_url: str, gateway: Gateway) -> Iterator[Stack]:
    stack = make_stack(database_url, sms_http_url=gateway.url, sms_api_key="test-sms-key")
    with stack.bot_app.assembly.services.db.session() as s, s.begin():
        two_customers(s)
    yield stack
    stack.close()


def _ask_for_otp(chat: Stack, code: str, phone: str) -> tuple[str, str]:
    user = chat.new_user()
    chat.say(user, "ลงทะเบียน")
    chat.say(user, code)
    return user, json.dumps(chat.say(user, phone), ensure_ascii=False)


def _sms_senders() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "sms-send"]


def test_the_answer_does_not_wait_for_the_gateway_whether_or_not_the_phone_is_on_file(chat, gateway):
    owner, matching = _ask_for_otp(chat, "T0001", "0810000001")
    # The gateway still holds the SMS: the answer came back without waiting for it.
    assert not gateway.answered.is_set()
    assert gateway.received.wait(10), "the SMS never reached the gateway"
    _stranger, not_matching = _ask_for_otp(chat, "T0001", "0899999999")
    assert not gateway.answered.is_set() and len(gateway.requests) == 1
    assert matching == not_matching.replace("089-xxx-9999", "081-xxx-0001")

    gateway.release.set()
    for sender in _sms_senders():
        sender.join(10)
    with chat.bot_app.assembly.services.db.session() as s:
        assert [(r.status, r.text) for r in s.scalars(select(SmsOutbox))] == [("sent", None)]
    # The SMS is real: its code registers the owner.
    code = re.search(r"\d{6}", gateway.texts[0]).group()
    assert "ยินยอม" in json.dumps(chat.say(owner, code), ensure_ascii=False)
