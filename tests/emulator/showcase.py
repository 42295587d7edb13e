"""A bot handler that answers with the kinds of messages the simulator must render."""
from __future__ import annotations

from typing import Any

from linebot.v3.messaging import FlexMessage, Message, TemplateMessage, TextMessage
from linebot.v3.webhooks import FollowEvent, MessageEvent, PostbackEvent, TextMessageContent

QUICK_REPLY = {"items": [
    {"type": "action", "action": {"type": "message", "label": "เมนู", "text": "เมนู"}},
    {"type": "action", "action": {"type": "postback", "label": "ดูบิล", "data": "action=bills", "displayText": "ดูบิล"}},
    {"type": "action", "action": {"type": "datetimepicker", "label": "เลือกวันนัด", "data": "action=book", "mode": "date"}},
    {"type": "action", "action": {"type": "location", "label": "ส่งตำแหน่ง"}},
    {"type": "action", "action": {"type": "camera", "label": "ถ่ายรูป"}},
    {"type": "action", "action": {"type": "cameraRoll", "label": "เลือกรูป"}},
]}


def bill_bubble(month: str, amount: str) -> dict[str, Any]:
    return {
        "type": "bubble", "size": "kilo",
        "styles": {"header": {"backgroundColor": "#0b6e4f"}, "footer": {"separator": True}},
        "header": {"type": "box", "layout": "vertical", "contents": [
            {"type": "text", "text": "ใบแจ้งหนี้ค่าน้ำประปา", "color": "#ffffff", "weight": "bold", "size": "lg"},
            {"type": "text", "text": f"ประจำเดือน{month}", "color": "#d6f5e6", "size": "xs"}]},
        "hero": {"type": "image", "url": "https://127.0.0.1:9/hero.png", "size": "full",
                 "aspectRatio": "20:8", "aspectMode": "cover"},
        "body": {"type": "box", "layout": "vertical", "spacing": "md", "contents": [
            {"type": "box", "layout": "baseline", "spacing": "sm", "contents": [
                {"type": "icon", "url": "https://127.0.0.1:9/drop.png", "size": "sm"},
                {"type": "text", "text": "เลขผู้ใช้น้ำ", "color": "#8c8c8c", "size": "sm", "flex": 2},
                {"type": "text", "text": "WU-000123", "size": "sm", "align": "end", "flex": 3}]},
            {"type": "separator"},
            {"type": "box", "layout": "horizontal", "contents": [
                {"type": "text", "text": "ยอดที่ต้องชำระ", "weight": "bold"},
                {"type": "text", "text": f"{amount} บาท", "weight": "bold", "align": "end", "color": "#d0312d"}]},
            {"type": "text", "text": "ครบกำหนดชำระ 15 ธ.ค. 2569 หากชำระแล้วโปรดส่งสลิปเพื่อให้เจ้าหน้าที่ตรวจสอบ",
             "wrap": True, "size": "xs", "color": "#666666", "maxLines": 3, "sparkle": True},
            {"type": "box", "layout": "vertical", "backgroundColor": "#fff4d6", "cornerRadius": "md",
             "paddingAll": "8px", "contents": [
                {"type": "text", "text": "ค้างชำระ", "size": "xxs", "color": "#a05a00", "align": "center",
                 "decoration": "underline"}]}]},
        "footer": {"type": "box", "layout": "vertical", "spacing": "sm", "contents": [
            {"type": "button", "style": "primary", "color": "#06c755", "height": "sm",
             "action": {"type": "postback", "label": "ชำระเงิน", "data": "action=pay", "displayText": "ชำระเงิน"}},
            {"type": "button", "style": "secondary", "height": "sm",
             "action": {"type": "uri", "label": "โทรหาเจ้าหน้าที่", "uri": "tel:1669"}},
            {"type": "button", "style": "link", "height": "sm",
             "action": {"type": "datetimepicker", "label": "นัดวันชำระ", "data": "action=payday", "mode": "date"}}]},
    }


CAROUSEL = {"type": "flex", "altText": "ใบแจ้งหนี้ 2 รายการ", "contents": {
    "type": "carousel", "contents": [bill_bubble("พฤศจิกายน 2569", "1,234.50"), bill_bubble("ตุลาคม 2569", "987.00")]}}

CONFIRM = {"type": "template", "altText": "ยืนยัน", "template": {
    "type": "confirm", "text": "ยืนยันการจองคิววันพรุ่งนี้ใช่ไหมคะ",
    "actions": [{"type": "message", "label": "ใช่", "text": "ใช่"}, {"type": "message", "label": "ไม่ใช่", "text": "ไม่ใช่"}]}}


def answer(event: Any) -> list[Message]:
    if isinstance(event, FollowEvent):
        return [TextMessage(text="สวัสดีค่ะ ยินดีต้อนรับสู่ Smart Service 🙏")]
    if isinstance(event, PostbackEvent):
        params = event.postback.params or {}
        return [TextMessage(text=f"รับทราบ {event.postback.data} {dict(params)}".strip())]
    if isinstance(event, MessageEvent) and isinstance(event.message, TextMessageContent):
        text = event.message.text
        if text == "การ์ด":
            return [FlexMessage.from_dict(CAROUSEL)]
        if text == "ยืนยัน":
            return [TemplateMessage.from_dict(CONFIRM)]
        return [TextMessage.from_dict({"type": "text", "text": f"ได้รับ: {text}", "quickReply": QUICK_REPLY})]
    if isinstance(event, MessageEvent):
        return [TextMessage(text=f"ได้รับ{event.message.type}แล้วค่ะ")]
    return []


def showcase(bot: Any, event: Any) -> None:
    messages = answer(event)
    if messages and getattr(event, "reply_token", None):
        bot.reply(event, *messages)
