"""The community directory: places, services, documents, numbers (SPEC §4.10). On the menu, not on LINE
yet: its intents answer with the office's phone numbers until its conversations are built."""
from __future__ import annotations

from modules.descriptor import MenuEntry, Module

MODULE = Module(
    key="community",
    title="สถานที่ บริการ เอกสารที่ต้องใช้ เบอร์โทร",
    switch="community",
    menu=(
        MenuEntry("community_info", "ข้อมูลชุมชน", position=140),
    ),
)
