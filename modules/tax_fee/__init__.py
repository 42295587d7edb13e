"""Tax and garbage-fee payments notified, with their receipts (seed 003). On the menu, not on LINE
yet: its intents answer with the office's phone numbers until its conversations are built."""
from __future__ import annotations

from modules.descriptor import MenuEntry, Module

MODULE = Module(
    key="tax_fee",
    title="แจ้งชำระภาษีและค่าขยะ ขอใบเสร็จ",
    switch="tax_fee",
    menu=(
        MenuEntry("tax_fee_notice", "แจ้งชำระภาษี/ค่าขยะ", position=120),
    ),
)
