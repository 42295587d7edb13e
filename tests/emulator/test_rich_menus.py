"""Rich menus through line-bot-sdk v3: create, upload, alias, default, link, switch."""
from __future__ import annotations

import pytest
from linebot.v3.messaging import CreateRichMenuAliasRequest, RichMenuRequest, UpdateRichMenuAliasRequest
from linebot.v3.messaging.exceptions import ApiException

from tests.emulator.conftest import Env
from tests.emulator.helpers import png, rich_menu_body


def _create(env: Env, **kw) -> str:
    api = env.bot.api()
    menu_id = api.create_rich_menu(RichMenuRequest.from_dict(rich_menu_body(**kw))).rich_menu_id
    env.bot.blob().set_rich_menu_image(menu_id, body=png(2500, 843), _headers={"Content-Type": "image/png"})
    return menu_id


def test_rich_menu_flow(env: Env) -> None:
    user = env.new_user()
    api, blob = env.bot.api(), env.bot.blob()
    main = _create(env, name="หลัก", switch_to="tab2")
    second = _create(env, name="แท็บสอง")
    assert blob.get_rich_menu_image(main) == png(2500, 843)
    api.create_rich_menu_alias(CreateRichMenuAliasRequest(rich_menu_alias_id="tab2", rich_menu_id=second))
    api.create_rich_menu_alias(CreateRichMenuAliasRequest(rich_menu_alias_id="tab1", rich_menu_id=main))
    with pytest.raises(ApiException) as dup:
        api.create_rich_menu_alias(CreateRichMenuAliasRequest(rich_menu_alias_id="tab2", rich_menu_id=main))
    assert dup.value.status == 400
    assert {a.rich_menu_alias_id for a in api.get_rich_menu_alias_list().aliases} == {"tab1", "tab2"}

    api.set_default_rich_menu(main)
    assert api.get_default_rich_menu_id().rich_menu_id == main
    shown = env.get(f"/_emulator/users/{user}/richmenu").json()
    assert shown["richMenuId"] == main and shown["linked"] is False and shown["richMenu"]["chatBarText"] == "เมนู"
    assert env.get(shown["imageUrl"]).content == png(2500, 843)

    # Tapping the richmenuswitch area: LINE relinks, then sends a postback with the new alias.
    result = env.post(f"/_emulator/users/{user}/richmenu/switch", {"richMenuAliasId": "tab2", "data": "tab=2"}).json()
    assert result["status"] == 200
    postback = env.bot.events[-1]["events"][0]["postback"]
    assert postback == {"data": "tab=2", "params": {"newRichMenuAliasId": "tab2", "status": "SUCCESS"}}
    assert api.get_rich_menu_id_of_user(user).rich_menu_id == second
    assert env.get(f"/_emulator/users/{user}").json()["richMenuId"] == second

    api.update_rich_menu_alias("tab2", UpdateRichMenuAliasRequest(rich_menu_id=main))
    assert api.get_rich_menu_alias("tab2").rich_menu_id == main
    api.unlink_rich_menu_id_from_user(user)
    with pytest.raises(ApiException) as none:
        api.get_rich_menu_id_of_user(user)
    assert none.value.status == 404
    api.delete_rich_menu_alias("tab1")
    api.delete_rich_menu(second)
    assert [m.rich_menu_id for m in api.get_rich_menu_list().richmenus] == [main]


def test_rich_menu_rules(env: Env) -> None:
    api, blob = env.bot.api(), env.bot.blob()
    bad_size = rich_menu_body() | {"size": {"width": 2500, "height": 2000}}
    resp = env.api("POST", "/v2/bot/richmenu", json=bad_size)
    assert resp.status_code == 400 and resp.json()["details"][0]["property"] == "size"
    long_bar = rich_menu_body() | {"chatBarText": "เมนูบริการประชาชน"}
    assert env.api("POST", "/v2/bot/richmenu/validate", json=long_bar).json()["details"][0]["property"] == "chatBarText"
    outside = rich_menu_body()
    outside["areas"][1]["bounds"]["x"] = 1300
    assert env.api("POST", "/v2/bot/richmenu", json=outside).json()["details"][0]["property"] == "areas[1].bounds"

    menu_id = api.create_rich_menu(RichMenuRequest.from_dict(rich_menu_body())).rich_menu_id
    with pytest.raises(ApiException) as no_image:
        api.set_default_rich_menu(menu_id)
    assert no_image.value.status == 400
    upload = lambda data, kind="image/png": env.api(  # noqa: E731
        "POST", f"/v2/bot/richmenu/{menu_id}/content", data=data, headers={"Content-Type": kind})
    assert upload(png(2500, 1686)).status_code == 400
    assert upload(png(2500, 843), "image/gif").status_code == 415
    assert upload(b"\x89PNG" + b"0" * (1024 * 1024)).status_code == 413
    assert upload(png(2500, 843)).status_code == 200
    again = upload(png(2500, 843))
    assert again.status_code == 400 and again.json()["message"] == "An image has already been uploaded to the richmenu"
    env.post("/_emulator/faults", {"endpoint": "richmenu", "status": 500, "count": 1})
    with pytest.raises(ApiException) as fault:
        blob.get_rich_menu_image(menu_id)
    assert fault.value.status == 500
    users = [env.new_user(), env.new_user()]
    assert env.api("POST", "/v2/bot/richmenu/bulk/link",
                   json={"richMenuId": menu_id, "userIds": users}).status_code == 202
    assert all(env.get(f"/_emulator/users/{u}").json()["richMenuId"] == menu_id for u in users)
