"""Questions about allowances and benefits (seed 003). On the menu, not on LINE
yet: its intents answer with the office's phone numbers until its conversations are built."""
from __future__ import annotations

from modules.descriptor import MenuEntry, Module

MODULE = Module(
    key="welfare",
    title="สอบถามเบี้ยยังชีพและสวัสดิการ",
    switch="welfare",
    menu=(
        MenuEntry("welfare", "สวัสดิการ/เบี้ยยังชีพ", position=110),
    ),
)
