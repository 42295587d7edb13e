"""What the Flex caches hand out is shared by every answer of the process, so it
cannot be changed in place; it still serialises as before, and a deep copy is an
ordinary message a caller may edit."""
from __future__ import annotations

import copy
import json
import pickle

import orjson
import pytest

import flex_templates as ft
from config.profile import load_profile
from flex_templates.frozen import freeze

PROFILE = load_profile("municipality")

CHANGES = {
    "set a key": lambda m: m.__setitem__("altText", "แก้แล้ว"),
    "delete a key": lambda m: m.__delitem__("altText"),
    "update": lambda m: m.update(altText="แก้แล้ว"),
    "setdefault": lambda m: m.setdefault("quickReply", {"items": []}),
    "pop": lambda m: m.pop("altText"),
    "merge in place": lambda m: m.__ior__({"altText": "แก้แล้ว"}),
    "nested dict": lambda m: m["contents"].__setitem__("type", "carousel"),
    "append to a nested list": lambda m: m["contents"]["body"]["contents"].append({"type": "separator"}),
    "extend a nested list": lambda m: m["contents"]["body"]["contents"].extend([{"type": "separator"}]),
    "replace a list item": lambda m: m["contents"]["body"]["contents"].__setitem__(0, {"type": "separator"}),
    "sort a nested list": lambda m: m["contents"]["body"]["contents"].sort(key=str),
    "clear a nested list": lambda m: m["contents"]["body"]["contents"].clear(),
}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_a_cached_message_refuses_every_change_and_the_next_answer_is_as_made(change):
    message = ft.render("emergency", {}, profile=PROFILE)
    before = json.dumps(message, ensure_ascii=False, sort_keys=True)
    with pytest.raises(TypeError, match="copy.deepcopy"):
        change(message)
    assert json.dumps(ft.render("emergency", {}, profile=PROFILE), ensure_ascii=False, sort_keys=True) == before


def test_the_org_scope_every_template_reads_refuses_changes():
    scope = ft.org_scope(PROFILE)
    with pytest.raises(TypeError):
        scope["name"] = "อื่น"
    with pytest.raises(TypeError):
        scope["emergency_numbers"].append({"label": "ปลอม", "number": "000"})
    with pytest.raises(TypeError):
        scope["emergency_numbers"][0]["number"] = "000"
    assert "1669" in ft.render("emergency", {}, profile=PROFILE)["altText"]


def test_json_and_orjson_write_a_cached_message_exactly_as_a_plain_one():
    message = ft.render("emergency", {}, profile=PROFILE)
    plain = json.loads(json.dumps(message))
    assert type(plain) is dict and plain == message
    assert orjson.dumps(message) == orjson.dumps(plain)  # the LINE client's encoder
    assert json.dumps(message, ensure_ascii=False) == json.dumps(plain, ensure_ascii=False)
    assert pickle.loads(pickle.dumps(message)) == plain


def test_a_deep_copy_is_an_ordinary_message_whose_changes_stay_in_it():
    message = ft.render("emergency", {}, profile=PROFILE)
    mine = copy.deepcopy(message)
    mine["quickReply"] = {"items": []}
    mine["contents"]["body"]["contents"].append({"type": "separator"})
    shallow = copy.copy(message)
    shallow["altText"] = "ของฉัน"
    assert type(mine["contents"]["body"]["contents"]) is list
    again = ft.render("emergency", {}, profile=PROFILE)
    assert "quickReply" not in again and again["altText"] != "ของฉัน"
    assert len(again["contents"]["body"]["contents"]) == len(mine["contents"]["body"]["contents"]) - 1


def test_messages_rendered_for_one_resident_stay_theirs_to_change():
    context = {"title": "ข่าว", "items": [{"title": "ประกาศ", "action": {"label": "ดู", "data": "action=news"}}]}
    first = ft.render("list_carousel", context, profile=PROFILE)
    first["contents"]["contents"].clear()  # not cached: an ordinary dict
    assert ft.render("list_carousel", context, profile=PROFILE)["contents"]["contents"]


def test_freeze_keeps_scalars_and_order():
    tree = {"b": [1, "สอง", None, True, 2.5, {"c": []}], "a": {}}
    frozen = freeze(tree)
    assert frozen == tree and list(frozen) == ["b", "a"]
    assert isinstance(frozen, dict) and isinstance(frozen["b"], list)
