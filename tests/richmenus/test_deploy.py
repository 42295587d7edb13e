"""Deploy against the LINE emulator over real HTTP: twice leaves one menu per
definition and the aliases pointing right; a design change replaces the menu."""
from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
import requests
from click.testing import CliRunner
from werkzeug.serving import make_server

import rich_menus
from config.profile import load_profile
from rich_menus.cli import richmenu_cli

emulator = pytest.importorskip("emulator", reason="the LINE emulator (emulator/) is not built yet")
TOKEN = "test-channel-token"


@pytest.fixture
def line() -> Iterator[str]:
    app = emulator.create_app({"CHANNEL_SECRET": "test-secret", "CHANNEL_ACCESS_TOKEN": TOKEN, "WEBHOOK_URL": ""})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


def _state(base: str) -> dict:
    return requests.get(f"{base}/_emulator/richmenus", timeout=5).json()


def _ours(state: dict) -> dict[str, dict]:
    return {m["name"].rsplit("ss:", 1)[1].split(":")[0]: m for m in state["richmenus"] if "ss:" in m["name"]}


def test_deploy_twice_leaves_one_menu_per_definition_and_aliases_right(line):
    profile = load_profile("municipality")
    first = rich_menus.deploy(profile, api_base=line, access_token=TOKEN, timeout=5)
    second = rich_menus.deploy(profile, api_base=line, access_token=TOKEN, timeout=5)

    keys = ["municipality", "municipality-member", "municipality-account", "municipality-member-account"]
    assert first.created == keys and first.reused == []
    assert second.created == [] and second.reused == keys
    assert second.menus == first.menus and second.deleted_menus == []
    state = _state(line)
    ours = _ours(state)
    assert sorted(ours) == sorted(keys) and len(state["richmenus"]) == 4
    assert all(m["hasImage"] for m in state["richmenus"])
    assert state["aliases"] == {f"ss-{key}": first.menus[key] for key in keys}
    assert state["default"] == first.menus["municipality"]
    assert ours["municipality"]["chatBarText"] == "เมนูบริการ"
    # the second run only looked: list, alias list, set default
    calls = requests.get(f"{line}/_emulator/calls", timeout=5).json()["calls"]
    second_run = calls[-3:]
    assert [(c["method"], c["status"]) for c in second_run] == [("GET", 200), ("GET", 200), ("POST", 200)]
    assert all(c["status"] < 400 for c in calls)


def test_a_changed_design_replaces_the_menu_moves_aliases_and_keeps_foreign_menus(line):
    foreign = requests.post(f"{line}/v2/bot/richmenu", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5, json={
        "size": {"width": 2500, "height": 843}, "selected": False, "name": "made by hand", "chatBarText": "อื่น ๆ",
        "areas": [{"bounds": {"x": 0, "y": 0, "width": 2500, "height": 843},
                   "action": {"type": "message", "text": "สวัสดี"}}],
    }).json()["richMenuId"]
    profile = load_profile("waterworks")
    before = rich_menus.deploy(profile, api_base=line, access_token=TOKEN, timeout=5)
    recoloured = profile.model_copy(update={"colours": profile.colours.model_copy(update={"primary": "#2D6A4F"})})
    lines: list[str] = []
    after = rich_menus.deploy(recoloured, api_base=line, access_token=TOKEN, timeout=5, progress=lines.append)

    assert sorted(after.created) == ["guest", "water-services", "water-user"]
    assert set(after.deleted_menus) == set(before.menus.values())
    assert after.replaced == {before.menus[k]: after.menus[k] for k in before.menus}
    state = _state(line)
    assert sorted(_ours(state)) == ["guest", "water-services", "water-user"]
    assert {m["richMenuId"] for m in state["richmenus"]} == set(after.menus.values()) | {foreign}
    assert state["aliases"] == {f"ss-{k}": v for k, v in after.menus.items()}
    assert state["default"] == after.menus["guest"]
    assert any(line_.startswith("water-user: created") for line_ in lines)
    # switching profiles drops the menus and aliases that are no longer defined
    final = rich_menus.deploy(load_profile("cooperative"), api_base=line, access_token=TOKEN, timeout=5)
    state = _state(line)
    assert state["aliases"] == {"ss-cooperative": final.menus["cooperative"]}
    assert {m["richMenuId"] for m in state["richmenus"]} == {final.menus["cooperative"], foreign}


def test_registration_links_the_member_menu_through_its_alias(line):
    profile = load_profile("tenant")
    report = rich_menus.deploy(profile, api_base=line, access_token=TOKEN, timeout=5)
    user_id = requests.post(f"{line}/_emulator/users", json={"displayName": "สมหญิง"}, timeout=5).json()["userId"]
    linked = rich_menus.link_menu_for_user(user_id, rich_menus.member_menu(profile).key,
                                           api_base=line, access_token=TOKEN, timeout=5)
    assert linked == report.member_menu_id == report.menus["customer"]
    seen = requests.get(f"{line}/_emulator/users/{user_id}/richmenu", timeout=5).json()
    assert seen["richMenuId"] == report.menus["customer"] and seen["linked"] is True


def test_cli_deploy_prints_progress_per_menu_and_render_writes_pngs(line, tmp_path):
    runner = CliRunner()
    result = runner.invoke(richmenu_cli, ["deploy", "--profile", "tenant", "--api-base", line],
                           env={"LINE_CHANNEL_ACCESS_TOKEN": TOKEN})
    assert result.exit_code == 0, result.output
    assert "tenant-guest: created" in result.output and "customer: created" in result.output
    assert "default menu: tenant-guest" in result.output
    again = runner.invoke(richmenu_cli, ["deploy", "--profile", "tenant", "--api-base", line],
                          env={"LINE_CHANNEL_ACCESS_TOKEN": TOKEN})
    assert "0 created, 2 unchanged" in again.output
    rendered = runner.invoke(richmenu_cli, ["render", "--profile", "municipality", "--out", str(tmp_path)])
    assert rendered.exit_code == 0, rendered.output
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "richmenu-municipality-account.png", "richmenu-municipality-member-account.png",
        "richmenu-municipality-member.png", "richmenu-municipality.png"]
    bad = runner.invoke(richmenu_cli, ["render", "--profile", "nosuch", "--out", str(tmp_path)])
    assert bad.exit_code != 0 and "nosuch" in bad.output


def test_the_suites_copy_of_a_deploy_is_what_a_deploy_leaves(line):
    """tests/conftest.py install_menus: what the chat tests get instead of a deploy each."""
    from tests.conftest import SECRET, Server, install_menus
    from tests.conftest import TOKEN as STACK_TOKEN

    profile = load_profile("tenant")
    deployed = rich_menus.deploy(profile, api_base=line, access_token=TOKEN, timeout=5)
    copied_to = Server(emulator.create_app({"CHANNEL_SECRET": SECRET, "CHANNEL_ACCESS_TOKEN": STACK_TOKEN}))
    try:
        report = install_menus(copied_to, "tenant")

        def as_keys(base: str, ids: dict[str, str]) -> dict:
            # each emulator makes its own ids: compare by menu key
            key_of = {v: k for k, v in ids.items()}
            state = _state(base)
            images = {key_of[m["richMenuId"]]: requests.get(
                f"{base}/_emulator/richmenus/{m['richMenuId']}/image", timeout=5).content for m in state["richmenus"]}
            return {"menus": {key_of[m["richMenuId"]]: {k: v for k, v in m.items() if k != "richMenuId"}
                              for m in state["richmenus"]},
                    "images": images, "aliases": {a: key_of[i] for a, i in state["aliases"].items()},
                    "default": key_of[state["default"]]}

        assert as_keys(copied_to.url, report.menus) == as_keys(line, deployed.menus)
        assert report.member_menu_id == report.menus[rich_menus.member_menu(profile).key]
        again = rich_menus.deploy(profile, api_base=copied_to.url, access_token=STACK_TOKEN, timeout=5)
        assert again.created == [] and again.deleted_menus == [] and again.menus == report.menus
        assert install_menus(copied_to, "tenant") is report  # deployed once per session
    finally:
        copied_to.stop()
