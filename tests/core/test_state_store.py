"""Dialog state in Redis with the database copy, and what happens when Redis goes away."""
from __future__ import annotations

import time

import redis

from models.db import Database
from services.dialog_state import DialogState, StateStore

USER = "U" + "c" * 32


def state(step: str) -> DialogState:
    return DialogState(flow="register", step=step, slots={"customer_code": "T0001"}, idle_deadline=time.time() + 60)


def test_database_only(database_url):
    store = StateStore(Database(database_url))
    assert not store.load(USER).active
    store.save(USER, state("phone"))
    assert store.load(USER).step == "phone"
    assert store.load(USER).slots == {"customer_code": "T0001"}
    store.save(USER, DialogState())  # nothing left to keep: the copies are removed
    assert not store.load(USER).active


def test_redis_is_read_first_and_the_database_keeps_a_copy(database_url, redis_url):
    db = Database(database_url)
    client = redis.Redis.from_url(redis_url)
    store = StateStore(db, client)
    store.save(USER, state("phone"))
    assert client.get(f"smartservice:dialog:{USER}") is not None
    assert client.ttl(f"smartservice:dialog:{USER}") > 60
    # Another process without Redis sees the same state from the database.
    assert StateStore(db).load(USER).step == "phone"


def test_redis_dying_mid_conversation_loses_nothing(database_url, redis_url):
    db = Database(database_url)
    live = redis.Redis.from_url(redis_url)
    store = StateStore(db, live)
    store.save(USER, state("phone"))
    store.redis = redis.Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    assert store.load(USER).step == "phone"  # from the database
    store.save(USER, state("otp"))
    store.redis = live  # Redis is back, but its copy is from before the outage
    store._redis_down_until = 0
    assert store.load(USER).step == "otp"
