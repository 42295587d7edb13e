"""Emergency numbers: the profile's numbers as one card of call buttons. The
smallest module, and the example in docs/modules.md."""
from __future__ import annotations

import flex_templates
from flows.engine import Context, Messages, Turn
from modules.descriptor import MenuEntry, Module, requires


def emergency(turn: Turn, ctx: Context) -> Messages:
    return [flex_templates.render("emergency", {}, profile=ctx.profile)]


MODULE = Module(
    key="emergency",
    title="เบอร์โทรฉุกเฉิน",
    switch="emergency",
    always_answers=True,
    intents={"emergency": emergency},
    menu=(MenuEntry("emergency", "เบอร์โทรฉุกเฉิน", position=150),),
    check=requires("emergency_numbers", "โมดูล emergency ต้องกำหนด emergency_numbers (เบอร์โทรฉุกเฉิน)"),
    templates=("emergency",),
)
