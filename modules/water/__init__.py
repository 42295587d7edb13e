"""Waterworks for water users (seed 001): connections, reconnection, meter moves. On the menu, not on LINE
yet: its intents answer with the office's phone numbers until its conversations are built."""
from __future__ import annotations

from admin.pages import Tile
from modules.descriptor import MenuEntry, Module, requires

MODULE = Module(
    key="water",
    title="ผู้ใช้น้ำ: ขอใช้น้ำ ต่อมาตร ย้ายมาตร",
    switch="water",
    menu=(
        MenuEntry("water_service", "ขอใช้บริการประปา", position=50),
    ),
    check=requires("tariffs", "โมดูล water ต้องกำหนด tariffs (อัตราค่าน้ำ)"),
    # Its screens come with the module; the dashboard keeps its place meanwhile.
    tiles=(Tile("งานประปา", "dashboard"),),
)
