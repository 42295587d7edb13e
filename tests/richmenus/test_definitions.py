"""The menus each organisation gets, and the validator that keeps every
definition within LINE's limits."""
from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest
from linebot.v3.messaging import RichMenuRequest

import modules
import rich_menus
from config.profile import bundled_profiles, load_profile
from flex_templates import parse_postback
from rich_menus.icons import ICONS
from rich_menus.model import DEFINITIONS_DIR, problems

DOCS = Path(__file__).resolve().parents[2] / "docs" / "flex.md"


def _raw(key: str) -> dict:
    return json.loads((DEFINITIONS_DIR / f"{key}.json").read_text(encoding="utf-8"))


def _texts(menu: rich_menus.MenuDefinition) -> list[str]:
    return [a.action.get("displayText") or a.action.get("text") for a in menu.areas if not a.tab]


@pytest.mark.parametrize(("profile_name", "keys", "guest", "member"), [
    ("tenant", ["tenant-guest", "customer"], "tenant-guest", "customer"),
    ("waterworks", ["guest", "water-user", "water-services"], "guest", "water-user"),
    ("municipality", ["municipality", "municipality-member", "municipality-account", "municipality-member-account"],
     "municipality", "municipality-member"),
    ("cooperative", ["cooperative"], "cooperative", "cooperative"),
])
def test_menus_follow_the_profile_modules(profile_name, keys, guest, member):
    profile = load_profile(profile_name)
    assert [m.key for m in rich_menus.menus_for(profile)] == keys
    assert rich_menus.guest_menu(profile).key == guest
    assert rich_menus.member_menu(profile).key == member


def test_seed_menus_are_there():
    menus = rich_menus.load_definitions()
    assert _texts(menus["customer"]) == ["ข้อมูลผู้เช่า/ร้านค้า", "ใบแจ้งหนี้/ชำระเงิน", "ใบเสร็จรับเงิน", "แนบหลักฐานการชำระเงิน"]
    assert _texts(menus["municipality"]) == ["ร้องเรียน/ร้องทุกข์", "แจ้งเหตุฉุกเฉิน", "สวัสดิการ",
                                             "แจ้งชำระภาษี/ค่าขยะ", "ข่าวสาร", "e-Service"]
    assert "จองคิวออนไลน์" in _texts(menus["cooperative"]) and "คิวของฉัน" in _texts(menus["cooperative"])
    assert {"ลงทะเบียน", "ติดต่อเจ้าหน้าที่", "เบอร์ฉุกเฉิน", "ข่าวสาร"} == set(_texts(menus["guest"]))
    # seed 000: a tenant enters the system from the centre's menu entry of this name
    assert _texts(menus["tenant-guest"])[0] == "ชำระเงิน ค่าเช่าอื่นๆ"
    assert menus["tenant-guest"].areas[0].label == "ชำระเงิน\nค่าเช่าอื่นๆ"


def _reachable(menus: dict, key: str) -> set[str]:
    """The menu and every menu its tabs lead to, tab after tab."""
    seen, pending = set(), [key]
    while pending:
        menu = menus[pending.pop()]
        if menu.key not in seen:
            seen.add(menu.key)
            pending.extend(alias.removeprefix("ss-") for alias in menu.switch_targets)
    return seen


@pytest.mark.parametrize("profile_name", bundled_profiles())
def test_a_registered_resident_never_sees_the_register_tile(profile_name):
    """Registering again from the menu would link yet another account: once registered,
    no tab leads back to the guest's tiles (more accounts are added from ข้อมูลของฉัน)."""
    profile = load_profile(profile_name)
    menus = rich_menus.load_definitions()
    reachable = _reachable(menus, rich_menus.member_menu(profile).key)
    intents = {parse_postback(a.action["data"]).get("name") for key in reachable for a in menus[key].areas
               if a.action["type"] == "postback"}
    assert "register" not in intents
    if profile.has("accounts"):
        assert "account_info" in intents


def test_kinds_limit_a_menu_to_its_kind_of_organisation():
    raw = copy.deepcopy(_raw("tenant-guest"))
    raw["kinds"] = ["landlord"]
    assert any("kinds" in p for p in problems(raw, icons=ICON_NAMES, modules=frozenset(modules.switches())))
    assert rich_menus.guest_menu(load_profile("waterworks")).key == "guest"  # tenant-guest fits on modules alone


def test_every_definition_is_a_rich_menu_the_sdk_accepts_unchanged():
    for menu in rich_menus.load_definitions().values():
        request = menu.request()
        assert RichMenuRequest.from_dict(request).to_dict() == request


def test_tabs_switch_between_each_other_and_mark_the_active_one():
    menus = rich_menus.load_definitions()
    for root, tab in (("municipality", "municipality-account"), ("municipality-member", "municipality-member-account"),
                      ("water-user", "water-services")):
        for key, other in ((root, tab), (tab, root)):
            switches = [a.action for a in menus[key].areas if a.tab]
            assert [s["richMenuAliasId"] for s in switches].count(f"ss-{other}") == 1
            assert [s["richMenuAliasId"] for s in switches].count(f"ss-{key}") == 1
            assert all(len(s["data"]) <= 300 for s in switches)


def test_chat_bar_text_is_short_thai():
    for menu in rich_menus.load_definitions().values():
        assert 0 < len(menu.chat_bar_text) <= 14 and re.search(r"[\u0E00-\u0E7F]", menu.chat_bar_text)


def test_every_postback_is_an_intent_or_command_listed_in_the_docs():
    documented = DOCS.read_text(encoding="utf-8")
    used = set()
    for menu in rich_menus.load_definitions().values():
        for area in menu.areas:
            if area.action["type"] == "postback":
                data = parse_postback(area.action["data"])
                used.add(data["name"] if data["action"] == "intent" else data["action"])
    assert {"check_balance", "complaint", "book_queue", "menu"} <= used
    assert all(f"`{name}`" in documented for name in used), used


def test_every_profile_gets_a_menu_for_guests_and_members():
    for name in bundled_profiles():
        menus = rich_menus.menus_for(load_profile(name))
        assert menus and all(len(m.areas) <= 20 for m in menus)


ICON_NAMES = frozenset(ICONS)


def _mutated(change) -> list[str]:
    raw = copy.deepcopy(_raw("municipality"))
    change(raw)
    return problems(raw, icons=ICON_NAMES, modules=frozenset(modules.switches()))


@pytest.mark.parametrize(("change", "complaint"), [
    (lambda r: r["richMenu"]["areas"][2]["bounds"].update(x=2000), "outside"),
    (lambda r: r["richMenu"]["areas"][2]["bounds"].update(y=-1), "outside"),
    (lambda r: r["richMenu"]["areas"][3]["bounds"].update(x=100), "overlaps"),
    (lambda r: r["richMenu"]["areas"][2]["bounds"].update(width=1.5), "integer"),
    (lambda r: r["richMenu"]["areas"].extend(copy.deepcopy(r["richMenu"]["areas"]) * 3), "1-20 areas"),
    (lambda r: r["richMenu"].update(chatBarText="เมนูบริการประชาชนทั่วไป"), "chatBarText"),
    (lambda r: r["richMenu"].update(size={"width": 2500, "height": 1000}), "size must be"),
    (lambda r: r["richMenu"]["areas"][2]["action"].update(data="action=x&d=" + "a" * 300), "data must be"),
    (lambda r: r["richMenu"]["areas"][2]["action"].update(type="camera"), "action type"),
    (lambda r: r["richMenu"]["areas"][0]["action"].update(richMenuAliasId="Bad Alias!"), "richMenuAliasId"),
    (lambda r: r["richMenu"]["areas"][0]["action"].update(type="postback"), "tab must switch"),
    (lambda r: r["richMenu"]["areas"][2].update(icon="unicorn"), "icons"),
    (lambda r: r.update(requires=["tax"]), "unknown modules"),
    (lambda r: r.update(key="Municipality"), "key"),
])
def test_validator_rejects_what_line_or_the_image_cannot_take(change, complaint):
    assert _mutated(lambda r: None) == []
    found = _mutated(change)
    assert any(complaint in p for p in found), found


def test_parse_raises_with_the_menu_key_and_problem():
    raw = _raw("guest")
    raw["richMenu"]["areas"][0]["bounds"]["width"] = 5000
    with pytest.raises(rich_menus.DefinitionError, match="'guest'.*outside"):
        rich_menus.parse(raw)
