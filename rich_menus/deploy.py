"""Deploy the organisation's rich menus to LINE (or the emulator), idempotently.

Each menu's name ends with ``ss:<key>:<hash>`` where the hash covers the menu
object and its image. A re-run reuses a menu whose hash is unchanged, creates
the changed ones, moves the aliases, sets the default, and only then deletes
our menus and aliases that are no longer wanted. Menus without our tag are
never touched.
"""
from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from linebot.v3.messaging import (
    ApiClient,
    Configuration,
    CreateRichMenuAliasRequest,
    MessagingApi,
    MessagingApiBlob,
    RichMenuRequest,
    UpdateRichMenuAliasRequest,
)

from config.profile import OrgProfile

from .image import render_image
from .model import ALIAS_PREFIX, NAME_MAX, MenuDefinition, guest_menu, member_menu, menus_for

TAG = re.compile(r"ss:([a-z0-9-]+):([0-9a-f]{12})$")
LINE_API = "https://api.line.me"
LINE_DATA_API = "https://api-data.line.me"

Progress = Callable[[str], None]


@dataclass(frozen=True)
class BuiltMenu:
    menu: MenuDefinition
    request: dict[str, Any]
    image: bytes
    digest: str

    @property
    def content_type(self) -> str:
        return "image/png" if self.image.startswith(b"\x89PNG") else "image/jpeg"


@dataclass
class DeployReport:
    menus: dict[str, str] = field(default_factory=dict)  # key -> rich menu id
    created: list[str] = field(default_factory=list)  # keys
    reused: list[str] = field(default_factory=list)  # keys
    aliases: dict[str, str] = field(default_factory=dict)  # alias -> rich menu id
    default_menu_id: str = ""
    member_menu_id: str = ""
    deleted_menus: list[str] = field(default_factory=list)  # ids
    deleted_aliases: list[str] = field(default_factory=list)
    # old id -> new id for menus whose design changed: users linked to the old
    # member menu must be linked again (LINE drops links to a deleted menu)
    replaced: dict[str, str] = field(default_factory=dict)


def build(menu: MenuDefinition, profile: OrgProfile) -> BuiltMenu:
    request = menu.request()
    image = render_image(menu, profile)
    canonical = json.dumps(request, ensure_ascii=False, sort_keys=True).encode("utf-8")
    digest = hashlib.sha256(canonical + b"\0" + image).hexdigest()[:12]
    request["name"] = f"{menu.name} · ss:{menu.key}:{digest}"
    if len(request["name"]) > NAME_MAX:
        raise ValueError(f"rich menu name over {NAME_MAX} characters: {request['name']}")
    return BuiltMenu(menu, request, image, digest)


def _configurations(api_base: str, access_token: str) -> tuple[Configuration, Configuration]:
    """Real LINE serves images from a second host; the emulator serves both."""
    base = api_base.rstrip("/")
    data_base = LINE_DATA_API if base == LINE_API else base
    return (Configuration(host=base, access_token=access_token),
            Configuration(host=data_base, access_token=access_token))


def deploy(profile: OrgProfile, *, api_base: str, access_token: str, timeout: float = 10,
           progress: Progress | None = None) -> DeployReport:
    say = progress or (lambda _line: None)
    built = [build(menu, profile) for menu in menus_for(profile)]
    report = DeployReport()
    api_config, data_config = _configurations(api_base, access_token)
    with ApiClient(api_config) as api_client, ApiClient(data_config) as data_client:
        api, blob = MessagingApi(api_client), MessagingApiBlob(data_client)
        ours: dict[str, list[tuple[str, str]]] = {}
        for existing in api.get_rich_menu_list(_request_timeout=timeout).richmenus:
            tag = TAG.search(existing.name)
            if tag:
                ours.setdefault(tag.group(1), []).append((existing.rich_menu_id, tag.group(2)))

        for item in built:
            key = item.menu.key
            same = [rid for rid, digest in ours.get(key, []) if digest == item.digest]
            if same:
                report.menus[key] = same[0]
                report.reused.append(key)
                say(f"{key}: unchanged, reusing {same[0]}")
                continue
            rich_menu_id = api.create_rich_menu(RichMenuRequest.from_dict(item.request),
                                                _request_timeout=timeout).rich_menu_id
            try:
                blob.set_rich_menu_image(rich_menu_id, body=item.image, _request_timeout=timeout,
                                         _headers={"Content-Type": item.content_type})
            except Exception:
                # a menu without its image cannot be aliased or shown: do not leave it behind
                api.delete_rich_menu(rich_menu_id, _request_timeout=timeout)
                raise
            report.menus[key] = rich_menu_id
            report.created.append(key)
            for old_id, _ in ours.get(key, []):
                report.replaced[old_id] = rich_menu_id
            say(f"{key}: created {rich_menu_id} ({len(item.image):,} bytes image)")

        current = {a.rich_menu_alias_id: a.rich_menu_id
                   for a in api.get_rich_menu_alias_list(_request_timeout=timeout).aliases}
        for item in built:
            alias, rich_menu_id = item.menu.alias, report.menus[item.menu.key]
            if alias not in current:
                api.create_rich_menu_alias(
                    CreateRichMenuAliasRequest(richMenuAliasId=alias, richMenuId=rich_menu_id),
                    _request_timeout=timeout)
                say(f"{item.menu.key}: alias {alias} created")
            elif current[alias] != rich_menu_id:
                api.update_rich_menu_alias(alias, UpdateRichMenuAliasRequest(richMenuId=rich_menu_id),
                                           _request_timeout=timeout)
                say(f"{item.menu.key}: alias {alias} moved")
            report.aliases[alias] = rich_menu_id

        report.default_menu_id = report.menus[guest_menu(profile).key]
        report.member_menu_id = report.menus[member_menu(profile).key]
        api.set_default_rich_menu(report.default_menu_id, _request_timeout=timeout)
        say(f"default menu: {guest_menu(profile).key} ({report.default_menu_id})")

        for alias in current:
            if alias.startswith(ALIAS_PREFIX) and alias not in report.aliases:
                api.delete_rich_menu_alias(alias, _request_timeout=timeout)
                report.deleted_aliases.append(alias)
                say(f"alias {alias} deleted (no longer defined)")
        kept = set(report.menus.values())
        for entries in ours.values():
            for rich_menu_id, _ in entries:
                if rich_menu_id not in kept:
                    api.delete_rich_menu(rich_menu_id, _request_timeout=timeout)
                    report.deleted_menus.append(rich_menu_id)
                    say(f"menu {rich_menu_id} deleted (obsolete)")
    return report


def link_menu_for_user(user_id: str, menu_key: str, *, api_base: str, access_token: str,
                       timeout: float = 10) -> str:
    """Link the deployed menu ``menu_key`` to one user (after registration),
    found through its alias so no rich menu id needs storing. Returns the id."""
    api_config, _ = _configurations(api_base, access_token)
    with ApiClient(api_config) as client:
        api = MessagingApi(client)
        rich_menu_id = api.get_rich_menu_alias(ALIAS_PREFIX + menu_key, _request_timeout=timeout).rich_menu_id
        api.link_rich_menu_id_to_user(user_id, rich_menu_id, _request_timeout=timeout)
    return rich_menu_id


def unlink_menu_from_user(user_id: str, *, api_base: str, access_token: str, timeout: float = 10) -> None:
    """Back to the default (guest) menu, e.g. when the last account is unlinked."""
    api_config, _ = _configurations(api_base, access_token)
    with ApiClient(api_config) as client:
        MessagingApi(client).unlink_rich_menu_id_from_user(user_id, _request_timeout=timeout)
