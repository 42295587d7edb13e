"""Rich-menu definitions: LINE rich menu objects in JSON (rich_menus/definitions/)
with what the image needs beside each area: a label and an icon, or a tab label.

Which menus an organisation gets follows from its profile's modules: every
definition names the modules it ``requires`` (and, when its wording is one kind of
organisation's, the ``kinds`` it is for); for the guest (default) menu and for the
menu linked after registration, the fitting definition that requires the most
modules wins, one for the profile's kind before a general one; tab menus come along
through their ``richmenuswitch`` areas.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from config.profile import OrgProfile

from .icons import ICONS

DEFINITIONS_DIR = Path(__file__).resolve().parent / "definitions"
ALIAS_PREFIX = "ss-"
SIZES = ((2500, 1686), (2500, 843))
MAX_AREAS = 20
CHAT_BAR_MAX = 14
NAME_MAX = 300
# our own name leaves room for the " · ss:<key>:<hash>" suffix that deploy adds
NAME_BUDGET = 200
DATA_MAX = 300
ALIAS_ID = re.compile(r"^[a-z0-9_-]{1,32}$")
KEY = re.compile(r"^[a-z][a-z0-9-]{0,28}$")
ROLES = ("guest", "member", "all", "tab")
KINDS = ("tenant", "waterworks", "cooperative", "municipality")  # OrgProfile.kind
ACTIONS = ("postback", "message", "uri", "richmenuswitch", "datetimepicker")

Role = Literal["guest", "member", "all", "tab"]


class DefinitionError(ValueError):
    """A rich-menu definition breaks one of LINE's limits or our rules."""


@dataclass(frozen=True)
class Area:
    x: int
    y: int
    width: int
    height: int
    action: dict[str, Any]
    label: str | None = None
    icon: str | None = None
    tab: str | None = None

    @property
    def box(self) -> tuple[int, int, int, int]:
        return (self.x, self.y, self.x + self.width, self.y + self.height)


@dataclass(frozen=True)
class MenuDefinition:
    key: str
    role: Role
    requires: tuple[str, ...]
    kinds: tuple[str, ...]  # empty: every kind of organisation
    width: int
    height: int
    name: str
    chat_bar_text: str
    areas: tuple[Area, ...]

    @property
    def alias(self) -> str:
        return ALIAS_PREFIX + self.key

    @property
    def switch_targets(self) -> list[str]:
        """Aliases this menu's tab areas switch to, itself excluded."""
        return [a.action["richMenuAliasId"] for a in self.areas
                if a.action["type"] == "richmenuswitch" and a.action["richMenuAliasId"] != self.alias]

    def request(self) -> dict[str, Any]:
        """The LINE rich menu object, as sent to the Messaging API."""
        return {
            "size": {"width": self.width, "height": self.height},
            "selected": True,
            "name": self.name,
            "chatBarText": self.chat_bar_text,
            "areas": [
                {"bounds": {"x": a.x, "y": a.y, "width": a.width, "height": a.height}, "action": dict(a.action)}
                for a in self.areas
            ],
        }


def _action_problems(action: Any, where: str) -> list[str]:
    if not isinstance(action, dict) or action.get("type") not in ACTIONS:
        return [f"{where}: action type must be one of {', '.join(ACTIONS)}"]
    problems = []
    kind = action["type"]
    if kind in ("postback", "richmenuswitch", "datetimepicker"):
        data = action.get("data")
        if not isinstance(data, str) or not 0 < len(data) <= DATA_MAX:
            problems.append(f"{where}: data must be 1-{DATA_MAX} characters")
    for key in ("displayText", "text"):
        if key in action and not 0 < len(action[key]) <= 300:
            problems.append(f"{where}: {key} must be 1-300 characters")
    if kind == "message" and not action.get("text"):
        problems.append(f"{where}: a message action needs text")
    if kind == "uri" and not str(action.get("uri", "")).startswith(("https://", "http://", "tel:", "line://")):
        problems.append(f"{where}: uri must be http(s), tel: or line://")
    if kind == "richmenuswitch" and not ALIAS_ID.match(str(action.get("richMenuAliasId", ""))):
        problems.append(f"{where}: richMenuAliasId must match [a-z0-9_-]{{1,32}}")
    if "label" in action and len(action["label"]) > 20:
        problems.append(f"{where}: label over 20 characters")
    return problems


def _overlaps(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def problems(raw: dict[str, Any], *, icons: frozenset[str], modules: frozenset[str] | None = None) -> list[str]:
    """Everything wrong with one definition; empty when LINE will accept it and we
    can draw it. `modules`: the profile switches that exist (modules.switches());
    rich menus are a leaf and do not look them up themselves."""
    out: list[str] = []
    key = raw.get("key", "")
    if not KEY.match(str(key)):
        out.append(f"key {key!r} must be lowercase letters, digits and '-' (alias {ALIAS_PREFIX}<key> ≤ 32)")
    if raw.get("role") not in ROLES:
        out.append(f"role must be one of {', '.join(ROLES)}")
    unknown = set(raw.get("requires", [])) - modules if modules is not None else set()
    if unknown:
        out.append(f"requires unknown modules {sorted(unknown)}")
    if set(raw.get("kinds", [])) - set(KINDS):
        out.append(f"kinds must be among {', '.join(KINDS)}")
    menu = raw.get("richMenu")
    if not isinstance(menu, dict):
        return out + ["richMenu object missing"]
    size = menu.get("size", {})
    width, height = size.get("width"), size.get("height")
    if (width, height) not in SIZES:
        out.append(f"size must be one of {', '.join(f'{w}×{h}' for w, h in SIZES)}, got {width}×{height}")
        return out
    if not 0 < len(menu.get("chatBarText", "")) <= CHAT_BAR_MAX:
        out.append(f"chatBarText must be 1-{CHAT_BAR_MAX} characters")
    if not 0 < len(menu.get("name", "")) <= NAME_BUDGET:
        out.append(f"name must be 1-{NAME_BUDGET} characters")
    if menu.get("selected") is not True:
        out.append("selected must be true: the menu opens by itself")
    areas = menu.get("areas", [])
    if not 0 < len(areas) <= MAX_AREAS:
        out.append(f"a rich menu has 1-{MAX_AREAS} areas, got {len(areas)}")
    boxes: list[tuple[int, int, int, int]] = []
    for index, area in enumerate(areas):
        where = f"areas[{index}]"
        b = area.get("bounds", {})
        values = [b.get(k) for k in ("x", "y", "width", "height")]
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            out.append(f"{where}: bounds need integer x, y, width, height")
            continue
        x, y, w, h = values
        if x < 0 or y < 0 or w < 1 or h < 1 or x + w > width or y + h > height:
            out.append(f"{where}: bounds {x},{y} {w}×{h} lie outside the {width}×{height} image")
        box = (x, y, x + w, y + h)
        if any(_overlaps(box, other) for other in boxes):
            out.append(f"{where}: overlaps another area")
        boxes.append(box)
        out.extend(_action_problems(area.get("action"), f"{where}.action"))
        if area.get("tab"):
            if area.get("action", {}).get("type") != "richmenuswitch":
                out.append(f"{where}: a tab must switch menus (richmenuswitch)")
        elif not area.get("label") or area.get("icon") not in icons:
            out.append(f"{where}: needs a label and one of the icons {sorted(icons)}")
    return out


def _build(raw: dict[str, Any]) -> MenuDefinition:
    menu = raw["richMenu"]
    areas = tuple(
        Area(**a["bounds"], action=a["action"], label=a.get("label"), icon=a.get("icon"), tab=a.get("tab"))
        for a in menu["areas"]
    )
    return MenuDefinition(
        key=raw["key"], role=raw["role"], requires=tuple(raw.get("requires", [])), kinds=tuple(raw.get("kinds", [])),
        width=menu["size"]["width"], height=menu["size"]["height"],
        name=menu["name"], chat_bar_text=menu["chatBarText"], areas=areas,
    )


def parse(raw: dict[str, Any]) -> MenuDefinition:
    found = problems(raw, icons=frozenset(ICONS))
    if found:
        raise DefinitionError(f"rich menu '{raw.get('key', '?')}': " + "; ".join(found))
    return _build(raw)


@lru_cache(maxsize=1)
def load_definitions() -> dict[str, MenuDefinition]:
    """Every bundled definition by key, checked one by one and as a set: each
    tab target exists and needs no module its root menu does not."""
    menus: dict[str, MenuDefinition] = {}
    for path in sorted(DEFINITIONS_DIR.glob("*.json")):
        menu = parse(json.loads(path.read_text(encoding="utf-8")))
        if menu.key != path.stem:
            raise DefinitionError(f"{path.name}: key '{menu.key}' must equal the file name")
        menus[menu.key] = menu
    by_alias = {m.alias: m for m in menus.values()}
    for menu in menus.values():
        for alias in menu.switch_targets:
            target = by_alias.get(alias)
            if target is None:
                raise DefinitionError(f"rich menu '{menu.key}' switches to unknown alias '{alias}'")
            if menu.role != "tab" and not set(target.requires) <= set(menu.requires):
                raise DefinitionError(f"rich menu '{menu.key}' must require the modules of its tab '{target.key}'")
    return menus


def _best(profile: OrgProfile, roles: tuple[str, ...]) -> MenuDefinition:
    fitting = [m for m in load_definitions().values()
               if m.role in roles and all(profile.has(r) for r in m.requires)
               and (not m.kinds or profile.kind in m.kinds)]
    if not fitting:
        raise DefinitionError(f"no rich menu with role {'/'.join(roles)} fits modules {profile.modules}")
    return max(fitting, key=lambda m: (bool(m.kinds), len(m.requires), m.key))


def guest_menu(profile: OrgProfile) -> MenuDefinition:
    """The default menu: what everyone sees before registering."""
    return _best(profile, ("guest", "all"))


def member_menu(profile: OrgProfile) -> MenuDefinition:
    """The menu linked to a user after registration."""
    return _best(profile, ("member", "all"))


def menus_for(profile: OrgProfile) -> list[MenuDefinition]:
    """Every menu the organisation deploys: the guest menu first, then the member
    menu, then the tabs they switch to."""
    by_alias = {m.alias: m for m in load_definitions().values()}
    out: list[MenuDefinition] = []
    pending = [guest_menu(profile), member_menu(profile)]
    while pending:
        menu = pending.pop(0)
        if menu not in out:
            out.append(menu)
            pending.extend(by_alias[a] for a in menu.switch_targets)
    return out
