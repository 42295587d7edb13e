"""A person instead of the bot: a resident who asks for staff puts the chat in
manual mode; the bot stays quiet (emergencies aside) until staff hand it back or
it has been idle for MANUAL_IDLE_HOURS."""
from __future__ import annotations

from flows import handoff
from modules.descriptor import MenuEntry, Module

MODULE = Module(
    key="handoff",
    title="ติดต่อเจ้าหน้าที่",
    intents={"talk_to_staff": handoff.talk_to_staff},
    menu=(MenuEntry("talk_to_staff", "ติดต่อเจ้าหน้าที่", position=1000),),
)
