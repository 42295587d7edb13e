"""Several accounts per LINE user: choosing the active one and unlinking."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from models.accounts import AccountLink
from services.billing.accounts import customer_by_code
from services.identity.linking import active_customer_id, can_see, link_account, linked_accounts, switch_active, unlink
from tests.identity.helpers import CONSENT, NOW, two_customers


@pytest.fixture
def ids(db):
    with db.session() as s, s.begin():
        two_customers(s)
        return customer_by_code(s, "T0001").id, customer_by_code(s, "T0002").id


def _link(s, user, customer_id, minutes=0):
    link_account(s, user, customer_id, consent_version=CONSENT, now=NOW + timedelta(minutes=minutes))


def test_a_line_user_holds_several_accounts_and_the_newest_link_is_active(db, ids):
    first, second = ids
    with db.session() as s, s.begin():
        _link(s, "Uaaa", first)
        _link(s, "Uaaa", second, minutes=1)
        assert [(a.code, a.active) for a in linked_accounts(s, "Uaaa")] == [("T0001", False), ("T0002", True)]
        assert active_customer_id(s, "Uaaa") == second
        assert switch_active(s, "Uaaa", first) and active_customer_id(s, "Uaaa") == first
        _link(s, "Uaaa", second, minutes=2)  # linking again re-uses the link
        assert s.scalar(select(func.count(AccountLink.id))) == 2 and active_customer_id(s, "Uaaa") == second


def test_one_account_may_be_linked_by_two_line_users_who_each_see_only_their_links(db, ids):
    first, second = ids
    with db.session() as s, s.begin():
        _link(s, "Uaaa", first)
        _link(s, "Ubbb", first)
        _link(s, "Ubbb", second)
        assert can_see(s, "Uaaa", first) and not can_see(s, "Uaaa", second)
        assert not switch_active(s, "Uaaa", second)
        assert active_customer_id(s, "Uaaa") == first and active_customer_id(s, "Ubbb") == second


def test_unlinking_the_active_account_activates_the_newest_remaining_one(db, ids):
    first, second = ids
    with db.session() as s, s.begin():
        _link(s, "Uaaa", first)
        _link(s, "Uaaa", second, minutes=1)
        assert unlink(s, "Uaaa", second)
        assert [(a.code, a.active) for a in linked_accounts(s, "Uaaa")] == [("T0001", True)]
        assert not unlink(s, "Uaaa", second)
        assert unlink(s, "Uaaa", first)
        assert linked_accounts(s, "Uaaa") == [] and active_customer_id(s, "Uaaa") is None


def test_the_database_allows_only_one_active_link_per_line_user(db, ids):
    first, second = ids
    with db.session() as s, s.begin():
        _link(s, "Uaaa", first)
        _link(s, "Uaaa", second, minutes=1)
    with db.session() as s, pytest.raises(IntegrityError), s.begin():
        s.execute(update(AccountLink).values(active=True))
