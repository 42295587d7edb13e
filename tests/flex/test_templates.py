"""Every template, filled with sample data and with the longest realistic Thai
content, is a message LINE accepts and a resident can read."""
from __future__ import annotations

import json
import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from linebot.v3.messaging import FlexContainer, FlexMessage

import flex_templates as ft
import modules
from config.profile import bundled_profiles, load_profile
from flex_templates.limits import BUBBLE_MAX_BYTES, CAROUSEL_MAX_BYTES, json_size
from flows.basic import help_menu

THAI = re.compile(r"[\u0E00-\u0E7F]")
PROFILES = bundled_profiles()
LONG_TITLE = "ประกาศเทศบาลเมืองบ้านสวน เรื่อง การรับชำระภาษีที่ดินและสิ่งปลูกสร้าง ประจำปีงบประมาณ พ.ศ. 2570 และการขยายเวลาชำระภาษีสำหรับผู้ได้รับผลกระทบจากอุทกภัย"
LONG_TEXT = (
    "ตามที่เทศบาลได้ประกาศให้ผู้มีหน้าที่เสียภาษีที่ดินและสิ่งปลูกสร้างมาชำระภาษีภายในเดือนเมษายนนั้น "
    "เนื่องจากเกิดอุทกภัยในพื้นที่หมู่ที่ 3 หมู่ที่ 5 และหมู่ที่ 7 ทำให้ประชาชนได้รับความเดือดร้อน "
    "เทศบาลจึงขยายเวลาการชำระภาษีออกไปถึงวันที่ 31 กรกฎาคม 2570 โดยไม่มีเงินเพิ่ม ท่านสามารถชำระได้ที่กองคลัง "
    "ในวันและเวลาราชการ หรือโอนผ่านพร้อมเพย์ แล้วส่งหลักฐานการโอนทาง LINE นี้ได้ตลอด 24 ชั่วโมง"
)


def _long_item(n: int) -> dict[str, Any]:
    return {
        "title": f"{LONG_TITLE} (ฉบับที่ {n})",
        "subtitle": LONG_TEXT,
        "image_url": f"https://smartservice.example.go.th/media/announcements/2570/{n:04d}/cover-image-large.jpg",
        "status": "in_progress",
        "facts": [
            {"label": "เลขที่คำร้อง", "value": f"BS-PET-2570-{n:06d}"},
            {"label": "วันที่ยื่น", "value": date(2027, 1, 31)},
            {"label": "หน่วยงานที่รับผิดชอบ", "value": "กองสาธารณสุขและสิ่งแวดล้อม"},
            {"label": "ค่าธรรมเนียม", "value": Decimal("1250.00")},
        ],
        "amount_label": "ยอดค้างชำระรวม",
        "amount": Decimal("1234567.89"),
        "action": {"label": "ชำระเงินด้วย QR พร้อมเพย์", "data": ft.intent_data("pay_bill", id=f"BS-INV-2570-{n:06d}")},
        "secondary": {"label": "ดูรายละเอียดใบแจ้งหนี้", "data": ft.intent_data("check_balance", id=f"BS-INV-2570-{n:06d}")},
    }


LONG_CONTEXTS: dict[str, dict[str, Any]] = {
    "help_menu": {"services": [{"label": "แจ้งชำระภาษี/ค่าขยะ", "data": ft.intent_data("tax_fee_notice")}] * 14},
    "emergency": {},
    "greeting": {"display_name": "นางสาวประภัสสร ศรีสุวรรณวงศ์ 🌸", "notices": "ใบแจ้งหนี้ ใบเสร็จรับเงิน", "consent_version": "2570-12", "policy_url": "https://smartservice.example.go.th/privacy"},
    "list_carousel": {"title": LONG_TITLE, **ft.page([_long_item(n) for n in range(40)], 1, intent="news")},
    "confirmation": {
        "question": "ยืนยันการยื่นคำร้องขอใช้น้ำประปาเพิ่มเติมสำหรับอาคารพาณิชย์ ใช่หรือไม่",
        "detail": LONG_TEXT,
        "facts": [{"label": f"รายการที่ {i}", "value": "ฝ่ายนิติการ (คลินิกแก้หนี้ พักชำระหนี้ ปรับโครงสร้างหนี้)"} for i in range(1, 9)],
        "confirm_label": "ยืนยันการยื่นคำร้อง",
        "confirm_data": ft.intent_data("petition", step="confirm", draft="a" * 200),
        "cancel_data": ft.postback_data("cancel"),
    },
    "error": {"message": LONG_TEXT, "next_step": LONG_TEXT, "retry": {"label": "ลองส่งหลักฐานใหม่อีกครั้ง", "data": ft.intent_data("send_slip")}},
}

# The billing cards at their row limits (flows/cards.py caps the rows to the
# templates' "$max") with the longest names, numbers and reasons a record holds.
LONG_NAME = "ห้างหุ้นส่วนจำกัด ศรีสุวรรณวงศ์การค้าและบริการครบวงจร (นางสาวประภัสสร ศรีสุวรรณวงศ์ ผู้จัดการ)"
LONG_ADDRESS = ("999/9999 หมู่บ้านพฤกษาวิลล์ซิตี้ ซอยพหลโยธิน 87 แยก 12-3 ถนนพหลโยธิน ตำบลประชาธิปัตย์ "
                "อำเภอธัญบุรี จังหวัดปทุมธานี 12130 (ตรงข้ามตลาดสดรังสิต ทางเข้าประตูหลัง)")
LONG_REASON = "ส่วนลดค่าเช่าเนื่องจากศูนย์การค้าปิดปรับปรุงทางเดินและระบบไฟฟ้าส่วนกลางเป็นเวลา 3 วัน ตามประกาศที่ 12/2569 " * 2
BIG = Decimal("1234567.89")


def _invoice_row(n: int, status: str) -> dict[str, Any]:
    return {"number": f"BS-INV-2570-{n:06d}", "period": "ค่าเช่าและค่าบริการส่วนกลาง เดือนพฤศจิกายน 2569", "due_date": date(2027, 1, 31),
            "outstanding": BIG, "status": status, "data": ft.intent_data("check_balance", invoice=9_000_000 + n)}


def _credit_note_row(n: int) -> dict[str, Any]:
    return {"number": f"BS-CN-2570-{n:06d}", "invoice_number": f"BS-INV-2570-{n:06d}", "issued_on": date(2027, 1, 31),
            "amount": BIG, "reason": LONG_REASON, "data": ft.intent_data("check_balance", credit_note=9_000_000 + n)}


def _long_account(n: int) -> dict[str, Any]:
    contracts = [{
        "number": f"CT-2570-{n:04d}-{c:02d}", "kind_label": "ค่าธรรมเนียมเก็บขยะ", "description": LONG_TITLE,
        "facts": [{"label": "พื้นที่", "value": "อาคาร B ชั้น 2 ห้อง B-201/1-3 (1,250.5 ตร.ม.)"},
                  {"label": "ศูนย์", "value": "ศูนย์การค้าชุมชนสุขใจ สาขาคลองหลวง (อาคารจอดรถและพื้นที่ให้เช่าชั่วคราว)"},
                  {"label": "ค่าเช่า", "value": "1,234,567.89 บาท / เดือน"}, {"label": "เลขมาตร", "value": "MT-000000012345"}],
        "starts_on": date(2020, 1, 1), "ends_on": date(2030, 12, 31)} for c in range(5)]
    return {"code": f"BS{n:08d}", "name": LONG_NAME, "type_name": "ผู้ชำระค่าธรรมเนียม", "active": n == 0,
            "address": LONG_ADDRESS, "phones": "\n".join(["081-xxx-5678", "025-xxx-1234", "089-xxx-0000"]),
            "contract_count": 12, "contracts": contracts, "contracts_more": 7,
            "switch_data": None if n == 0 else ft.intent_data("account_info", switch=9_000_000 + n),
            "unlink_data": ft.intent_data("account_info", unlink=9_000_000 + n)}


LONG_CONTEXTS.update({
    "statement": {
        "customer_code": "BS00001234", "customer_name": LONG_NAME, "as_of": date(2027, 1, 31), "outstanding": BIG,
        "current": _invoice_row(0, "partial"), "overdue": [_invoice_row(n, "overdue") for n in range(1, 11)],
        "overdue_more": 14, "credit_notes": [_credit_note_row(n) for n in range(6)], "credit_notes_more": 3,
        "pay_data": ft.intent_data("pay_bill"), "receipts_data": ft.intent_data("receipts"),
    },
    "invoice": {
        "invoice_number": "BS-INV-2570-000123", "period": "ค่าเช่าและค่าบริการส่วนกลาง เดือนพฤศจิกายน 2569",
        "issued_on": date(2027, 1, 1), "due_date": date(2027, 1, 31), "status": "partial",
        "lines": [{"description": LONG_TITLE, "quantity": "1,234.567 ลูกบาศก์เมตร", "unit_price": BIG, "amount": BIG} for _ in range(15)],
        "lines_more": 20, "total": BIG, "credited": BIG, "paid": BIG, "outstanding": BIG,
        "payments": [{"paid_at": datetime(2027, 1, 5, 23, 59), "amount": BIG, "method_label": "ชำระผ่านธนาคาร",
                      "receipt_number": "BS-RC-2570-000123"} for _ in range(10)],
        "payments_more": 4, "credit_notes": [_credit_note_row(n) for n in range(6)], "credit_notes_more": 2,
        "pay_data": ft.intent_data("pay_bill", invoice=9_000_123), "statement_data": ft.intent_data("check_balance"),
        "pdf_url": "https://bot.example.co.th/web/invoices/9000123.pdf?c=9000001&exp=1767225600&sig=" + "f" * 64,
    },
    "bill": {
        "qr_url": "https://smartservice.example.go.th/pay/qr/BS00001234.png?exp=1798761600&sig=" + "f" * 64,
        "amount": BIG, "payee": "เทศบาลเมืองบ้านสวน (เงินรายได้ค่าธรรมเนียมเก็บขยะมูลฝอยและสิ่งปฏิกูล)",
        "scheme_label": "ชำระบิลผ่าน Thai QR", "ref1": "BS0000123412345678", "ref2": "INV2570000123456789",
        "customer_code": "BS00001234", "customer_name": LONG_NAME,
        "invoices": [{"number": f"BS-INV-2570-{n:06d}", "period": "ค่าเช่าและค่าบริการส่วนกลาง เดือนพฤศจิกายน 2569",
                      "outstanding": BIG} for n in range(10)],
        "invoices_more": 15, "slip_data": ft.intent_data("send_slip", invoice=9_000_123),
    },
    "receipt": {
        "receipt_number": "BS-RC-2570-000123", "issued_at": datetime(2027, 1, 5, 23, 59), "amount": BIG,
        "method_label": "สแกนจ่ายด้วย Thai QR", "reference": "2027010523595912345678901234", "status": "paid",
        "lines": [{"title": f"BS-INV-2570-{n:06d}", "period": "ค่าเช่าและค่าบริการส่วนกลาง เดือนพฤศจิกายน 2569", "amount": BIG}
                  for n in range(9)] + [{"title": "ยอดชำระล่วงหน้า/เงินคงเหลือในบัญชี", "amount": BIG}],
        "lines_more": 5, "pdf_url": "https://smartservice.example.go.th/documents/receipts/BS-RC-2570-000123.pdf?sig=" + "f" * 64,
    },
    # three accounts with five contracts each fill the 50 KB; flows/cards.py shows
    # fewer contracts when more accounts are linked (test_cards)
    "account": {"count": 3, "accounts": [_long_account(n) for n in range(3)], "register_data": ft.intent_data("register")},
    "slip_status": {
        "status": "rejected", "rejected": True, "reason": LONG_TEXT,
        "facts": [{"label": "จำนวนเงิน", "value": BIG}, {"label": "วันที่โอน", "value": datetime(2027, 1, 5, 23, 59)},
                  {"label": "ธนาคาร", "value": "ธนาคารเพื่อการเกษตรและสหกรณ์การเกษตร"},
                  {"label": "เลขอ้างอิง", "value": "2027010523595912345678901234"}],
        "resend_data": ft.intent_data("send_slip"), "staff_data": ft.intent_data("talk_to_staff"),
    },
    # the signed form link is about 200 characters; a long host and signature still fit
    "slip_request": {
        "title": LONG_TITLE, "by_photo": LONG_TEXT, "by_form": LONG_TEXT, "form_label": "กรอกแบบฟอร์มแนบสลิป",
        "form_url": "https://smartservice.example.go.th/web/slips/new?c=1234567890&u=U" + "f" * 32 + "&exp=1800000000&sig="
                    + "f" * 64,
    },
})


def _all_text(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [t for v in node.values() for t in _all_text(v)]
    if isinstance(node, list):
        return [t for v in node for t in _all_text(v)]
    return [node] if isinstance(node, str) else []


def _keys(node: Any, prefix: str = "") -> set[str]:
    """Every property path in a tree, list positions included."""
    out: set[str] = set()
    if isinstance(node, dict):
        for k, v in node.items():
            out.add(f"{prefix}.{k}")
            out |= _keys(v, f"{prefix}.{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out |= _keys(v, f"{prefix}[{i}]")
    return out


def _assert_valid(message: dict[str, Any]) -> None:
    parsed = FlexMessage.from_dict(message)
    container = FlexContainer.from_json(json.dumps(message["contents"], ensure_ascii=False))
    # The SDK drops properties it does not know: a misspelt property would vanish here.
    assert _keys(message["contents"]) <= _keys(parsed.to_dict()["contents"])
    assert container.to_dict()["type"] == message["contents"]["type"]
    contents = message["contents"]
    if contents["type"] == "carousel":
        assert len(contents["contents"]) <= 12
        assert json_size(contents) <= CAROUSEL_MAX_BYTES
        bubbles = contents["contents"]
    else:
        bubbles = [contents]
    for bubble in bubbles:
        assert json_size(bubble) <= BUBBLE_MAX_BYTES
    assert THAI.search(message["altText"]) and 10 <= len(message["altText"]) <= 400
    assert not any("{{" in t for t in _all_text(message))


def test_every_template_has_a_sample_and_a_long_case():
    assert ft.template_names() == sorted(LONG_CONTEXTS)
    for name in ft.template_names():
        assert ft.sample_context(name) is not None


@pytest.mark.parametrize("profile_name", PROFILES)
@pytest.mark.parametrize("name", sorted(LONG_CONTEXTS))
def test_sample_and_longest_content_are_valid_line_messages(name: str, profile_name: str):
    profile = load_profile(profile_name)
    for context in (ft.sample_context(name), LONG_CONTEXTS[name]):
        _assert_valid(ft.render(name, context, profile=profile))


@pytest.mark.parametrize("profile_name", PROFILES)
def test_shared_look_header_in_organisation_colour_with_short_name(profile_name: str):
    profile = load_profile(profile_name)
    for name in ft.template_names():
        contents = ft.render(name, ft.sample_context(name), profile=profile)["contents"]
        bubbles = contents["contents"] if contents["type"] == "carousel" else [contents]
        header = bubbles[0]["header"]
        assert header["backgroundColor"] == profile.colours.primary
        name = next(t for t in _walk_texts(header) if t["text"] == profile.short_name)
        assert name["color"] == profile.colours.text_on_primary and name["weight"] == "bold"


def test_header_shows_the_logo_only_when_the_profile_has_one():
    plain = load_profile("tenant")
    with_logo = plain.model_copy(update={"logo": "https://suk-jai.example.co.th/logo.png"})
    for name in ft.template_names():
        for profile, expected in ((plain, []), (with_logo, ["https://suk-jai.example.co.th/logo.png"])):
            contents = ft.render(name, ft.sample_context(name), profile=profile)["contents"]
            bubble = contents["contents"][0] if contents["type"] == "carousel" else contents
            assert [c["url"] for c in bubble["header"]["contents"] if c["type"] == "image"] == expected
            _assert_valid(ft.render(name, ft.sample_context(name), profile=profile))


def test_amounts_right_aligned_with_separators_and_dates_in_buddhist_era():
    profile = load_profile("tenant")
    bubble = ft.render("list_carousel", ft.sample_context("list_carousel"), profile=profile)["contents"]["contents"][0]
    texts = {t["text"]: t for t in _walk_texts(bubble)}
    assert texts["4,850.00 บาท"]["align"] == "end"
    assert "15 พ.ย. 2569" in texts  # due 2026-11-15
    badge = texts["เกินกำหนด"]
    assert "2026" not in json.dumps(bubble)
    assert badge["color"] == "#FFFFFF"


def _walk_texts(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, dict):
        own = [node] if node.get("type") == "text" else []
        return own + [t for v in node.values() for t in _walk_texts(v)]
    if isinstance(node, list):
        return [t for v in node for t in _walk_texts(v)]
    return []


def test_status_badges_have_one_colour_per_status():
    profile = load_profile("tenant")
    context = ft.sample_context("list_carousel")
    colours = {}
    for status in ("paid", "overdue", "pending"):
        context["items"][0]["status"] = status
        bubble = ft.render("list_carousel", context, profile=profile)["contents"]["contents"][0]
        colours[status] = bubble["body"]["contents"][0]["contents"][0]["backgroundColor"]
    assert len(set(colours.values())) == 3
    context["items"][0]["status"] = "no-such-status"
    with pytest.raises(ft.TemplateError, match="unknown status"):
        ft.render("list_carousel", context, profile=profile)


def _help_menu(name: str) -> dict[str, Any]:
    profile = load_profile(name)
    return help_menu(modules.offer(profile), profile)


def test_help_menu_offers_the_profiles_modules_as_buttons():
    municipality = _help_menu("municipality")
    cooperative = _help_menu("cooperative")
    labels = lambda m: [b["action"]["label"] for b in m["contents"]["body"]["contents"] if b["type"] == "button"]  # noqa: E731
    assert "ร้องเรียน/ร้องทุกข์" in labels(municipality) and "จองคิวออนไลน์" not in labels(municipality)
    assert "จองคิวออนไลน์" in labels(cooperative) and "ร้องเรียน/ร้องทุกข์" not in labels(cooperative)
    assert labels(cooperative)[-1] == "ติดต่อเจ้าหน้าที่"
    for button in municipality["contents"]["body"]["contents"][3:]:
        data = ft.parse_postback(button["action"]["data"])
        assert data["action"] == "intent" and data["name"]


def test_emergency_has_one_tel_button_per_profile_number():
    profile = load_profile("waterworks")
    message = ft.render("emergency", {}, profile=profile)
    uris = [a["uri"] for a in _actions(message["contents"])]
    assert uris == [f"tel:{n.number}" for n in profile.emergency_numbers]
    assert {"tel:1669", "tel:191", "tel:199"} <= set(uris)
    assert "1669" in message["altText"]


def _actions(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, dict):
        own = [node["action"]] if isinstance(node.get("action"), dict) else []
        return own + [a for v in node.values() for a in _actions(v)]
    if isinstance(node, list):
        return [a for v in node for a in _actions(v)]
    return []


def test_greeting_consent_postbacks_carry_the_version():
    message = ft.render("greeting", {"notices": "ใบแจ้งหนี้", "consent_version": "2569-1&x=1"},
                        profile=load_profile("tenant"))
    answers = [ft.parse_postback(a["data"]) for a in _actions(message["contents"]) if a["type"] == "postback"]
    assert answers == [
        {"action": "consent", "v": "2569-1&x=1", "answer": "yes"},
        {"action": "consent", "v": "2569-1&x=1", "answer": "no"},
    ]
    assert "สวัสดีค่ะ" in _all_text(message)  # no name: a plain polite greeting


def test_error_retry_button_is_optional():
    profile = load_profile("municipality")
    context = ft.sample_context("error")
    with_retry = [a["label"] for a in _actions(ft.render("error", context, profile=profile)["contents"])]
    del context["retry"]
    without = [a["label"] for a in _actions(ft.render("error", context, profile=profile)["contents"])]
    assert with_retry == ["ลองใหม่", "ติดต่อเจ้าหน้าที่"] and without == ["ติดต่อเจ้าหน้าที่"]


def test_long_list_is_paged_with_a_more_bubble():
    items = [_long_item(n) for n in range(30)]
    first = ft.page(items, 1, intent="news", cat="tax")
    assert len(first["items"]) == 11 and first["more"]["remaining"] == 19
    assert ft.parse_postback(first["more"]["data"]) == {"action": "intent", "name": "news", "page": "2", "cat": "tax"}
    last = ft.page(items, 3, intent="news")
    assert len(last["items"]) == 8 and "more" not in last
    message = ft.render("list_carousel", {"title": "ข่าวสาร", **first}, profile=load_profile("tenant"))
    assert len(message["contents"]["contents"]) == 12
    with pytest.raises(ft.TemplateError, match="at most 12"):
        ft.render("list_carousel", {"title": "ข่าวสาร", "items": items}, profile=load_profile("tenant"))
