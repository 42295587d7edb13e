"""Realistic data for each template: the tests fill every template with it and
the simulator test walks them all; designers see what a filled card looks like."""
from __future__ import annotations

import copy
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from .postback import intent_data, postback_data

_SAMPLES: dict[str, dict[str, Any]] = {
    "help_menu": {"services": [
        {"label": "ข้อมูลผู้เช่า/ร้านค้า", "data": intent_data("account_info")},
        {"label": "ใบแจ้งหนี้/ชำระเงิน", "data": intent_data("check_balance")},
        {"label": "ใบเสร็จรับเงิน", "data": intent_data("receipts")},
        {"label": "แนบหลักฐานการชำระเงิน", "data": intent_data("send_slip")},
        {"label": "ติดต่อเจ้าหน้าที่", "data": intent_data("talk_to_staff")},
    ]},
    "emergency": {},
    "greeting": {"display_name": "สมหญิง ใจดี", "notices": "ใบแจ้งหนี้ ใบเสร็จรับเงิน", "consent_version": "2569-1"},
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
                "title": "ใบเสร็จ RC-2570-000051",
                "subtitle": "INV-2570-000098 งวด ตุลาคม 2569",
                "status": "paid",
                "facts": [{"label": "วันที่", "value": datetime(2026, 11, 5, 10, 31)}, {"label": "ชำระโดย", "value": "โอนเงินเข้าบัญชี"}],
                "amount_label": "จำนวนเงิน",
                "amount": Decimal("5000.00"),
                "action": {"label": "เปิดใบเสร็จ (PDF)", "uri": "https://suk-jai.example.co.th/r/RC-2570-000051.pdf"},
                "secondary": {"label": "ดูรายละเอียด", "data": intent_data("receipts", receipt=51)},
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
    # Issue 6's scripted tenant T0001: two open bills (one overdue, partly paid,
    # with a credit note), 17,327.50 บาท owed on 1 Dec 2026.
    "statement": {
        "customer_code": "T0001",
        "customer_name": "ร้านสมใจพาณิชย์ (นางสมใจ ใจดี)",
        "as_of": date(2026, 12, 1),
        "outstanding": Decimal("17327.50"),
        "current": {
            "number": "INV-2570-000145", "period": "พฤศจิกายน 2569", "due_date": date(2026, 12, 11),
            "outstanding": Decimal("11537.50"), "status": "unpaid", "data": intent_data("check_balance", invoice=145),
        },
        "overdue": [{
            "number": "INV-2570-000098", "period": "ตุลาคม 2569", "due_date": date(2026, 11, 11),
            "outstanding": Decimal("5790.00"), "status": "overdue", "data": intent_data("check_balance", invoice=98),
        }],
        "credit_notes": [{
            "number": "CN-2570-000007", "invoice_number": "INV-2570-000098", "issued_on": date(2026, 10, 30),
            "amount": Decimal("500.00"), "reason": "ส่วนลดค่าเช่าช่วงปิดปรับปรุงทางเดิน 3 วัน",
            "data": intent_data("check_balance", credit_note=7),
        }],
        "pay_data": intent_data("pay_bill"),
        "receipts_data": intent_data("receipts"),
    },
    "invoice": {
        "invoice_number": "INV-2570-000098",
        "period": "ตุลาคม 2569",
        "issued_on": date(2026, 10, 27),
        "due_date": date(2026, 11, 11),
        "status": "overdue",
        "lines": [
            {"description": "ค่าเช่าพื้นที่", "amount": Decimal("8500.00"), "unit_price": Decimal("8500.00")},
            {"description": "ค่าบริการส่วนกลาง", "amount": Decimal("1200.00"), "unit_price": Decimal("1200.00")},
            {"description": "ค่าไฟฟ้า", "quantity": "212 หน่วย", "unit_price": Decimal("7.50"), "amount": Decimal("1590.00")},
        ],
        "total": Decimal("11290.00"),
        "credited": Decimal("500.00"),
        "paid": Decimal("5000.00"),
        "outstanding": Decimal("5790.00"),
        "payments": [{"paid_at": datetime(2026, 11, 5, 10, 30), "amount": Decimal("5000.00"),
                      "method_label": "โอนเงินเข้าบัญชี", "receipt_number": "RC-2570-000051"}],
        "credit_notes": [{
            "number": "CN-2570-000007", "issued_on": date(2026, 10, 30), "amount": Decimal("500.00"),
            "reason": "ส่วนลดค่าเช่าช่วงปิดปรับปรุงทางเดิน 3 วัน", "data": intent_data("check_balance", credit_note=7),
        }],
        "pay_data": intent_data("pay_bill", invoice=98),
        "statement_data": intent_data("check_balance"),
        "pdf_url": "https://suk-jai.example.co.th/web/invoices/98.pdf",
    },
    "bill": {
        "qr_url": "https://suk-jai.example.co.th/qr/T0001-1733011200.png",
        "amount": Decimal("17327.50"),
        "payee": "บจก. ศูนย์การค้าชุมชนสุขใจ",
        "scheme_label": "ชำระบิลผ่าน Thai QR",
        "ref1": "T0001",
        "customer_code": "T0001",
        "customer_name": "ร้านสมใจพาณิชย์ (นางสมใจ ใจดี)",
        "invoices": [
            {"number": "INV-2570-000098", "period": "ตุลาคม 2569", "outstanding": Decimal("5790.00")},
            {"number": "INV-2570-000145", "period": "พฤศจิกายน 2569", "outstanding": Decimal("11537.50")},
        ],
        "slip_data": intent_data("send_slip"),
    },
    "receipt": {
        "receipt_number": "RC-2570-000051",
        "issued_at": datetime(2026, 11, 5, 10, 31),
        "amount": Decimal("5200.00"),
        "method_label": "โอนเงินเข้าบัญชี",
        "reference": "016309105512345",
        "status": "paid",
        "lines": [
            {"title": "INV-2570-000098", "period": "ตุลาคม 2569", "amount": Decimal("5000.00")},
            {"title": "ยอดชำระล่วงหน้า/เงินคงเหลือในบัญชี", "amount": Decimal("200.00")},
        ],
        "pdf_url": "https://suk-jai.example.co.th/r/RC-2570-000051.pdf",
    },
    "account": {
        "count": 2,
        "accounts": [
            {
                "code": "T0001", "name": "ร้านสมใจพาณิชย์ (นางสมใจ ใจดี)", "type_name": "ผู้เช่า", "active": True,
                "address": "99/12 ถนนพหลโยธิน ตำบลคลองหนึ่ง อำเภอคลองหลวง จังหวัดปทุมธานี 12120",
                "phones": "081-xxx-0001",
                "contract_count": 1,
                "contracts": [{
                    "number": "CT-T0001-01", "kind_label": "สัญญาเช่า", "description": "ร้านค้าชั้น 1 โซน A",
                    "facts": [
                        {"label": "พื้นที่", "value": "A-12 (24 ตร.ม.)"},
                        {"label": "ศูนย์", "value": "ศูนย์การค้าชุมชนสุขใจ สาขาคลองหลวง"},
                        {"label": "ค่าเช่า", "value": "8,500.00 บาท / เดือน"},
                    ],
                    "starts_on": date(2024, 1, 1), "ends_on": date(2027, 12, 31),
                }],
                "unlink_data": intent_data("account_info", unlink=1),
            },
            {
                "code": "T0003", "name": "บริษัท ดีดีมาร์ท จำกัด", "type_name": "ผู้เช่า", "active": False,
                "address": "99/1 ถนนพหลโยธิน ตำบลคลองหนึ่ง อำเภอคลองหลวง จังหวัดปทุมธานี 12120",
                "phones": "081-xxx-0003\n025-xxx-1999",
                "contract_count": 2,
                "contracts": [
                    {"number": "CT-T0003-01", "kind_label": "สัญญาเช่า", "description": "ร้านสะดวกซื้อ",
                     "facts": [{"label": "พื้นที่", "value": "C-01 (80 ตร.ม.)"}, {"label": "ค่าเช่า", "value": "28,000.00 บาท / เดือน"}],
                     "starts_on": date(2023, 1, 1), "ends_on": date(2028, 12, 31)},
                    {"number": "WC-00012", "kind_label": "ผู้ใช้น้ำประปา", "facts": [{"label": "เลขมาตร", "value": "MT-0012"}],
                     "starts_on": date(2023, 1, 1)},
                ],
                "switch_data": intent_data("account_info", switch=3),
                "unlink_data": intent_data("account_info", unlink=3),
            },
        ],
        "register_data": intent_data("register"),
    },
    "slip_status": {
        "status": "rejected",
        "rejected": True,
        "reason": "ยอดเงินในสลิปไม่ตรงกับรายการโอนที่ธนาคารแจ้ง กรุณาตรวจสอบว่าเป็นสลิปของรายการที่ชำระค่าเช่า",
        "facts": [
            {"label": "จำนวนเงิน", "value": Decimal("5200.00")},
            {"label": "วันที่โอน", "value": datetime(2026, 11, 5, 10, 30)},
            {"label": "ธนาคาร", "value": "ธนาคารกสิกรไทย"},
            {"label": "เลขอ้างอิง", "value": "016309105512345"},
        ],
        "resend_data": intent_data("send_slip"),
        "staff_data": intent_data("talk_to_staff"),
    },
    "slip_request": {
        "title": "แนบหลักฐานการชำระเงิน",
        "by_photo": "ส่งรูปสลิปการโอนเงินในแชทนี้ได้เลยค่ะ ถ่ายรูปหรือเลือกจากอัลบั้ม",
        "by_form": "หรือกรอกแบบฟอร์มพร้อมวันที่และจำนวนเงิน (ปุ่มใช้ได้ 30 นาที)",
        "form_label": "กรอกแบบฟอร์มแนบสลิป",
        "form_url": "https://example.org/web/slips/new?c=1",
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
