"""The renderer works on the JSON tree: whatever the data holds, the output is
valid JSON with the data shown verbatim, and mistakes fail with a clear message."""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import flex_templates as ft
from config.profile import load_profile
from flex_templates.renderer import fill

PROFILE = load_profile("tenant")
NASTY = 'ราคา "พิเศษ" \\ แบ่ง\nสองบรรทัด 🙏🏻 {{org.name}} }} {{ </script> \u0000'


def _context(**item):
    context = {"title": "รายการ", "items": [{"title": "x", "action": {"label": "ดู", "data": "action=news"}, **item}]}
    return context


def _bubble(message):
    return message["contents"]["contents"][0]


def test_quotes_backslashes_newlines_emoji_and_braces_are_kept_verbatim():
    message = ft.render("list_carousel", _context(title=NASTY, subtitle=NASTY), profile=PROFILE)
    text = json.dumps(message, ensure_ascii=False)
    again = json.loads(text)
    body = _bubble(again)["body"]["contents"]
    assert body[0]["text"] == NASTY and body[1]["text"] == NASTY
    # data that looks like a placeholder is not expanded a second time
    assert PROFILE.name not in text


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1, max_size=200).filter(lambda s: s.strip()))
def test_any_text_round_trips_through_json(value):
    message = ft.render("error", {"message": value, "next_step": value}, profile=PROFILE)
    parsed = json.loads(json.dumps(message))
    assert parsed["contents"]["body"]["contents"][1]["text"] == value


def test_placeholder_inside_a_string_and_filters():
    alt, tree = fill("t", {
        "$altText": "ยอด {{a|baht}}",
        "type": "text",
        "text": "ครบกำหนด {{d|date}} / {{d|date_full}} รวม {{a|thb}} ({{a}})",
    }, {"a": Decimal("1234567.5"), "d": date(2026, 12, 15)})
    assert alt == "ยอด 1,234,567.50 บาท"
    assert tree["text"] == "ครบกำหนด 15 ธ.ค. 2569 / 15 ธันวาคม 2569 รวม ฿1,234,567.50 (1,234,567.50 บาท)"


def test_missing_required_value_names_the_template_place_and_value():
    context = ft.sample_context("confirmation")
    del context["confirm_data"]
    with pytest.raises(ft.TemplateError) as err:
        ft.render("confirmation", context, profile=PROFILE)
    assert "'confirmation'" in str(err.value) and "'confirm_data'" in str(err.value)
    assert "footer.contents[0].action.data" in str(err.value)
    with pytest.raises(ft.TemplateError, match="missing value 'message'"):
        ft.render("error", {"message": None, "next_step": "x"}, profile=PROFILE)


def test_if_drops_only_missing_or_empty_values_not_zero():
    template = {"$altText": "x", "type": "box", "contents": [
        {"$if": "a", "type": "text", "text": "{{a}}"},
        {"$if": "!a", "type": "text", "text": "ไม่มี"},
    ]}
    assert fill("t", template, {"a": Decimal("0")})[1]["contents"] == [{"type": "text", "text": "0.00 บาท"}]
    assert fill("t", template, {"a": ""})[1]["contents"] == [{"type": "text", "text": "ไม่มี"}]
    assert fill("t", template, {})[1]["contents"] == [{"type": "text", "text": "ไม่มี"}]


def test_repeat_names_rows_and_numbers_them():
    template = {"$altText": "x", "type": "box", "contents": [
        {"$repeat": "rows", "$as": "row", "type": "text", "text": "{{number}}. {{row.name}}"},
    ]}
    _, tree = fill("t", template, {"rows": [{"name": "ก"}, {"name": "ข"}]})
    assert [c["text"] for c in tree["contents"]] == ["1. ก", "2. ข"]
    with pytest.raises(ft.TemplateError, match="must be a list"):
        fill("t", template, {"rows": "ก"})


def test_unknown_directive_filter_and_org_override_are_refused():
    with pytest.raises(ft.TemplateError, match="unknown directive"):
        fill("t", {"$altText": "x", "$iff": "a"}, {})
    with pytest.raises(ft.TemplateError, match="unknown filter"):
        fill("t", {"$altText": "{{a|bath}}"}, {"a": 1})
    with pytest.raises(ft.TemplateError, match="from the profile"):
        ft.render("help_menu", {"org": {}}, profile=PROFILE)


def test_postback_data_over_300_characters_is_refused():
    with pytest.raises(ValueError, match="300"):
        ft.postback_data("petition", draft="ก" * 300)
    context = ft.sample_context("error")
    context["retry"]["data"] = "action=x&d=" + "a" * 300
    with pytest.raises(ft.LimitError, match="postback data"):
        ft.render("error", context, profile=PROFILE)


def test_alt_text_is_cut_to_400_characters():
    message = ft.render("error", {"message": "ก" * 500, "next_step": "x"}, profile=PROFILE)
    assert len(message["altText"]) == 400 and message["altText"].endswith("…")


def test_templates_on_disk_are_plain_json_a_designer_can_paste():
    for name in ft.template_names():
        tree = json.loads((ft.TEMPLATES_DIR / f"{name}.json").read_text(encoding="utf-8"))
        assert tree["type"] in ("bubble", "carousel")
        text = json.dumps(tree, ensure_ascii=False)
        assert "#1E5AA8" in text or tree["type"] == "carousel"


def test_a_message_without_context_is_made_once_per_profile_and_stays_as_made():
    from flows.messages import qr_postback, with_quick_replies

    menu = ft.render("emergency", {}, profile=PROFILE)
    assert ft.render("emergency", {}, profile=PROFILE) is menu  # the same for every resident
    municipality = ft.render("emergency", {}, profile=load_profile("municipality"))
    assert "1669" in municipality["altText"]
    assert menu["altText"].startswith("เบอร์โทรฉุกเฉิน")
    before = json.dumps(menu, sort_keys=True)
    answered = with_quick_replies([menu], [qr_postback("เมนู", "action=menu")])
    assert "quickReply" in answered[-1]
    assert json.dumps(ft.render("emergency", {}, profile=PROFILE), sort_keys=True) == before
