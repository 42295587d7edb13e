"""Issue 12, finding 10: account ids in postbacks are read strictly. "²" and Thai
digits pass ``str.isdigit()``; "²" then crashed the handler, "๑" became account 1,
and twenty digits overflowed the database's BIGINT."""
from __future__ import annotations

import json

import pytest

from flex_templates import intent_data
from models.base import utcnow
from services.billing.accounts import customer_by_code
from services.identity.linking import active_customer_id, link_account
from tests.identity.helpers import two_customers


@pytest.mark.parametrize("raw", ["²", "๑", "99999999999999999999"])
@pytest.mark.parametrize("op", ["switch", "unlink"])
def test_odd_account_ids_find_no_account(stack, op, raw):
    db = stack.bot_app.assembly.services.db
    user = stack.new_user()
    with db.session() as s, s.begin():
        two_customers(s)
        first, second = customer_by_code(s, "T0001").id, customer_by_code(s, "T0002").id
        link_account(s, user, first, now=utcnow())
        link_account(s, user, second, now=utcnow())
    answer = json.dumps(stack.tap(user, intent_data("account_info", **{op: raw, "confirm": 1})), ensure_ascii=False)
    assert "ไม่พบบัญชีนี้ใน LINE ของคุณ" in answer
    with db.session() as s:
        assert active_customer_id(s, user) == second  # nothing switched, nothing unlinked
