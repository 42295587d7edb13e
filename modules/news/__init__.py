"""News and announcements (SPEC §4.10). On the menu, not on LINE
yet: its intents answer with the office's phone numbers until its conversations are built."""
from __future__ import annotations

from modules.descriptor import MenuEntry, Module

MODULE = Module(
    key="news",
    title="ข่าวสารและประกาศ",
    switch="news",
    menu=(
        MenuEntry("news", "ข่าวสาร/ประกาศ", position=130),
    ),
)
