"""e-Service petitions and their tracking (seed 004). On the menu, not on LINE
yet: its intents answer with the office's phone numbers until its conversations are built."""
from __future__ import annotations

from modules.descriptor import MenuEntry, Module

MODULE = Module(
    key="petitions",
    title="ยื่นคำร้องออนไลน์และติดตามเรื่อง",
    switch="petitions",
    menu=(
        MenuEntry("petition", "ยื่นคำร้อง e-Service", position=90),
        MenuEntry("track_status", "ติดตามเรื่อง", position=100),
    ),
)
