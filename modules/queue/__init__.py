"""Queue tickets at the organisation's departments (seed 002). On the menu, not on LINE
yet: its intents answer with the office's phone numbers until its conversations are built."""
from __future__ import annotations

from admin.pages import Tile
from modules.descriptor import MenuEntry, Module, requires

MODULE = Module(
    key="queue",
    title="จองคิวออนไลน์ที่ฝ่ายต่าง ๆ",
    switch="queue",
    menu=(
        MenuEntry("book_queue", "จองคิวออนไลน์", position=60),
        MenuEntry("my_queue", "คิวของฉัน", position=70),
    ),
    check=requires("departments", "โมดูล queue ต้องกำหนด departments อย่างน้อยหนึ่งฝ่าย"),
    # Its screens come with the module; the dashboard keeps its place meanwhile.
    tiles=(Tile("คิวออนไลน์", "dashboard"),),
)
