"""Realistic data for each template: the tests fill every template with it and
the simulator test walks them all; designers see what a filled card looks like."""
from __future__ import annotations

import copy
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from .postback import intent_data, postback_data

_SAMPLES: dict[str, dict[str, Any]] = {
    "help_menu": {},
    "emergency": {},
    "greeting": {"display_name": "สมหญิง ใจดี", "consent_version": "2569-1"},
    "list_carousel": {
        "title": "ใบแจ้งหนี้ค้างชำระ",
        "items": [
            {
                "title": "ค่าเช่าแผง A-12 เดือน พ.ย. 2569",
                "subtitle": "สัญญาเลขที่ CT-2569-0042 ร้านป้าแดงผลไม้",
                "status": "overdue",
                "facts": [
                    {"label": "เลขที่", "value": "INV-2570-000123"},
                    {"label": "ครบกำหนด", "value": date(2026, 11, 15)},
                ],
                "amount_label": "ยอดค้างชำระ",
                "amount": Decimal("4850.00"),
                "action": {"label": "ชำระเงิน", "data": intent_data("pay_bill", id="INV-2570-000123")},
                "secondary": {"label": "ดูรายละเอียด", "data": intent_data("check_balance", id="INV-2570-000123")},
            },
            {
                "title": "ค่าน้ำ-ค่าไฟ แผง A-12 เดือน ต.ค. 2569",
                "status": "unpaid",
                "facts": [{"label": "ครบกำหนด", "value": date(2026, 12, 5)}],
                "amount_label": "ยอดชำระ",
                "amount": Decimal("1234.50"),
                "action": {"label": "ชำระเงิน", "data": intent_data("pay_bill", id="INV-2570-000131")},
            },
            {
                "title": "ประกาศปิดปรับปรุงลานจอดรถ",
                "subtitle": "งดใช้ลานจอดรถฝั่งทิศเหนือวันที่ 1-3 ธ.ค. 2569 ขออภัยในความไม่สะดวก",
                "image_url": "https://example.org/images/parking.jpg",
                "facts": [{"label": "ประกาศเมื่อ", "value": datetime(2026, 11, 20, 9, 30)}],
                "action": {"label": "อ่านต่อ", "data": intent_data("news", id=88)},
            },
        ],
    },
    "confirmation": {
        "question": "ยืนยันการจองคิวใช่หรือไม่",
        "detail": "กรุณามาก่อนเวลานัด 10 นาที พร้อมบัตรประจำตัวประชาชน",
        "facts": [
            {"label": "ฝ่าย", "value": "ฝ่ายสินเชื่อ"},
            {"label": "วันที่", "value": date(2026, 12, 15)},
            {"label": "เวลา", "value": "10:30 น."},
        ],
        "confirm_label": "ยืนยันการจอง",
        "confirm_data": intent_data("book_queue", step="confirm", slot="loans-20261215-1030"),
        "cancel_data": postback_data("cancel"),
    },
    "error": {
        "message": "ระบบไม่พบรหัสลูกค้าที่ท่านพิมพ์",
        "next_step": "กรุณาตรวจสอบรหัสลูกค้าบนใบแจ้งหนี้ แล้วพิมพ์ใหม่อีกครั้ง หรือแตะติดต่อเจ้าหน้าที่",
        "retry": {"label": "ลองใหม่", "data": intent_data("register", step="customer_code")},
    },
}


def sample_context(name: str) -> dict[str, Any]:
    """A fresh copy of the sample data for template ``name``."""
    if name not in _SAMPLES:
        raise KeyError(f"no sample for template '{name}'")
    return copy.deepcopy(_SAMPLES[name])
