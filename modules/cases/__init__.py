"""Complaints with photo and location, and following them up (seeds 001, 003). On the menu, not on LINE
yet: its intents answer with the office's phone numbers until its conversations are built."""
from __future__ import annotations

from admin.pages import Tile
from modules.descriptor import MenuEntry, Module, requires

MODULE = Module(
    key="cases",
    title="ร้องเรียน/ร้องทุกข์ พร้อมรูปและตำแหน่ง และติดตามเรื่อง",
    switch="cases",
    menu=(
        MenuEntry("complaint", "ร้องเรียน/ร้องทุกข์", position=80),
        MenuEntry("track_status", "ติดตามเรื่อง", position=100),
    ),
    check=requires("complaint_categories", "โมดูล cases ต้องกำหนด complaint_categories"),
    # Its screens come with the module; the dashboard keeps its place meanwhile.
    tiles=(Tile("เรื่องร้องเรียน/คำร้อง", "dashboard"),),
)
