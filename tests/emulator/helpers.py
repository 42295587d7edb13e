"""Small builders shared by the emulator tests."""
from __future__ import annotations

import io

from PIL import Image


def png(width: int, height: int, colour: str = "#06c755") -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buf, "PNG")
    return buf.getvalue()


def rich_menu_body(name: str = "เมนูหลัก", height: int = 843, switch_to: str | None = None) -> dict:
    areas = [{"bounds": {"x": 0, "y": 0, "width": 1250, "height": height},
              "action": {"type": "postback", "data": "action=bills", "displayText": "ใบแจ้งหนี้"}}]
    second = ({"type": "richmenuswitch", "richMenuAliasId": switch_to, "data": "tab=2"} if switch_to
              else {"type": "message", "text": "เมนู"})
    areas.append({"bounds": {"x": 1250, "y": 0, "width": 1250, "height": height}, "action": second})
    return {"size": {"width": 2500, "height": height}, "selected": True, "name": name,
            "chatBarText": "เมนู", "areas": areas}
