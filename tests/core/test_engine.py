"""The dialog engine with a two-step flow, on the real database state store."""
from __future__ import annotations

import time

import pytest

from config.profile import load_profile
from flows import messages as m
from flows.engine import Context, Engine, Flow, Invalid, Router, Step, Turn
from models.db import Database
from nlu import Parse
from services.container import Services
from services.dialog_state import StateStore

USER = "U" + "a" * 32


def parse(intent: str, confidence: float = 0.9) -> Parse:
    return Parse(text="", intent=intent, confidence=confidence, ranking=[(intent, confidence)])


def _accept_amount(turn: Turn, ctx: Context) -> int:
    if not turn.text.isdigit():
        raise Invalid("กรุณาพิมพ์จำนวนเป็นตัวเลข เช่น 2 ค่ะ")
    return int(turn.text)


def _accept_note(turn: Turn, ctx: Context) -> str:
    return turn.text


ORDER = Flow(
    name="order",
    title="สั่งน้ำดื่ม",
    steps=(
        Step("amount", lambda ctx: [m.text("ต้องการกี่ถังคะ")], _accept_amount),
        Step("note", lambda ctx: [m.text("มีหมายเหตุไหมคะ")], _accept_note, free_text=True),
    ),
    finish=lambda ctx: [m.text(f"รับรายการ {ctx.slots['amount']} ถัง ({ctx.slots['note']}) แล้วค่ะ")],
)


@pytest.fixture
def engine(tmp_path):
    from models import migrate

    url = f"sqlite:///{tmp_path / 'engine.db'}"
    migrate.upgrade(url)
    db = Database(url)
    router = Router(
        intents={"order": ORDER, "emergency": lambda t, c: [m.text("โทร 1669")]},
        menu=lambda t, c: [m.text("เมนูหลัก")],
        fallback=lambda t, c: [m.text("ไม่เข้าใจ")],
        not_sure=lambda t, c: [m.text("ไม่แน่ใจ")],
    )
    eng = Engine(router, StateStore(db), idle_seconds=60)
    ctx = Context(user_id=USER, services=Services.make(db, load_profile("tenant"), public_base_url="http://x", secret_key=""))
    return eng, ctx


def say(engine_ctx, text: str, intent: str | None = None, confidence: float = 0.9) -> list[str]:
    eng, ctx = engine_ctx
    turn = Turn(user_id=USER, kind="text", text=text, parse=parse(intent or "out_of_scope", confidence))
    return [msg["text"] for msg in eng.handle(turn, ctx)]


def test_flow_fills_slots_step_by_step(engine):
    assert say(engine, "สั่งน้ำ", "order") == ["ต้องการกี่ถังคะ"]
    assert say(engine, "สองถัง") == ["กรุณาพิมพ์จำนวนเป็นตัวเลข เช่น 2 ค่ะ"]
    assert say(engine, "2") == ["มีหมายเหตุไหมคะ"]
    assert say(engine, "วางหน้าบ้าน") == ["รับรายการ 2 ถัง (วางหน้าบ้าน) แล้วค่ะ"]
    # finished: the next text is routed afresh, not fed to the old flow
    assert say(engine, "อะไรนะ") == ["ไม่เข้าใจ"]


def test_cancel_ends_the_flow(engine):
    say(engine, "สั่งน้ำ", "order")
    out = say(engine, "ยกเลิกค่ะ")
    assert "ยกเลิกรายการ “สั่งน้ำดื่ม” แล้ว" in out[0]
    assert say(engine, "2") == ["ไม่เข้าใจ"]
    assert "ไม่มีรายการที่ค้างอยู่" in say(engine, "ยกเลิก")[0]


def test_menu_pauses_and_resume_continues(engine):
    eng, ctx = engine
    say(engine, "สั่งน้ำ", "order")
    say(engine, "3")
    out = eng.handle(Turn(user_id=USER, kind="text", text="เมนู"), ctx)
    assert out[0]["text"] == "เมนูหลัก"
    assert "สั่งน้ำดื่ม" in out[-1]["text"]
    actions = [i["action"]["data"] for i in out[-1]["quickReply"]["items"]]
    assert "action=resume" in actions
    resumed = eng.handle(Turn.postback(USER, "action=resume"), ctx)
    assert resumed[0]["text"] == "มีหมายเหตุไหมคะ"
    assert say(engine, "ด่วน") == ["รับรายการ 3 ถัง (ด่วน) แล้วค่ะ"]


def test_clear_new_intent_interrupts_and_offers_resume(engine):
    say(engine, "สั่งน้ำ", "order")
    out = say(engine, "ช่วยด้วยไฟไหม้", "emergency")
    assert out[0] == "โทร 1669"
    assert "ต้องการทำรายการ “สั่งน้ำดื่ม” ต่อไหม" in out[1]
    eng, ctx = engine
    assert eng.handle(Turn.postback(USER, "action=resume"), ctx)[0]["text"] == "ต้องการกี่ถังคะ"


def test_unsure_intent_does_not_interrupt_a_step(engine):
    say(engine, "สั่งน้ำ", "order")
    assert say(engine, "ไฟ", "emergency", confidence=0.2) == ["กรุณาพิมพ์จำนวนเป็นตัวเลข เช่น 2 ค่ะ"]


def test_free_text_step_still_yields_to_a_clear_intent(engine):
    say(engine, "สั่งน้ำ", "order")
    say(engine, "1")
    assert say(engine, "ไฟไหม้บ้าน", "emergency")[0] == "โทร 1669"


def test_idle_flow_expires_with_a_notice(engine):
    eng, ctx = engine
    say(engine, "สั่งน้ำ", "order")
    state = eng.store.load(USER)
    state.idle_deadline = time.time() - 1
    eng.store.save(USER, state)
    out = say(engine, "2")
    assert "หมดเวลาแล้ว" in out[0]
    assert out[1] == "ไม่เข้าใจ"
    assert say(engine, "2") == ["ไม่เข้าใจ"]  # the notice is given once


def test_unsure_parse_asks_instead_of_guessing(engine):
    assert say(engine, "อืม", "order", confidence=0.1) == ["ไม่แน่ใจ"]


def test_redirect_to_a_flow_first_then_on_to_what_was_asked(tmp_path):
    """"Register first": a handler sends the resident through a flow, whose finish
    goes on to the handler that was asked for, with its parameters."""
    from flows.engine import Redirect
    from models import migrate

    def balance(turn: Turn, ctx: Context):
        if not ctx.slots.get("registered") and turn.data.get("after") != "yes":
            raise Redirect(m.text("ลงทะเบียนก่อนนะคะ"), flow="register", slots={"then": "balance"})
        return [m.text(f"ยอดค้าง 100 บาท ({turn.data.get('after')})")]

    def registered(ctx: Context):
        raise Redirect(m.text(f"ลงทะเบียน {ctx.slots['code']} แล้วค่ะ"), intent=ctx.slots["then"],
                       params={"after": "yes"})

    register = Flow(name="register", title="ลงทะเบียน", finish=registered,
                    steps=(Step("code", lambda ctx: [m.text("รหัสลูกค้าคะ")], _accept_note),))
    url = f"sqlite:///{tmp_path / 'redirect.db'}"
    migrate.upgrade(url)
    db = Database(url)
    eng = Engine(Router(intents={"balance": balance, "register": register}), StateStore(db), idle_seconds=60)
    ctx = Context(user_id=USER, services=Services.make(db, load_profile("tenant"), public_base_url="http://x", secret_key=""))
    first = eng.handle(Turn(user_id=USER, kind="text", text="ยอด", parse=parse("balance")), ctx)
    assert [x["text"] for x in first] == ["ลงทะเบียนก่อนนะคะ", "รหัสลูกค้าคะ"]
    done = eng.handle(Turn(user_id=USER, kind="text", text="T0001", parse=parse("out_of_scope")), ctx)
    assert [x["text"] for x in done] == ["ลงทะเบียน T0001 แล้วค่ะ", "ยอดค้าง 100 บาท (yes)"]
    # the flow is over: the next text is routed afresh
    assert eng.handle(Turn(user_id=USER, kind="text", text="ยอด", parse=parse("balance")), ctx)[0]["text"] == \
        "ลงทะเบียนก่อนนะคะ"
    with pytest.raises(ValueError):
        Redirect(flow="a", intent="b")
