"""The emulator against LINE's own OpenAPI documents in ../shared/line-openapi."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.emulator.conftest import Env
from tests.emulator.helpers import png, rich_menu_body

SPEC_DIR = Path(__file__).resolve().parents[3] / "shared" / "line-openapi"
if not SPEC_DIR.exists():
    SPEC_DIR = Path("/work/shared/line-openapi")

pytestmark = pytest.mark.skipif(not (SPEC_DIR / "messaging-api.yml").exists(),
                                reason=f"LINE OpenAPI files not found in {SPEC_DIR}")


def _load(name: str) -> dict[str, Any]:
    return yaml.safe_load((SPEC_DIR / name).read_text(encoding="utf-8"))


def _schema(spec: dict[str, Any], ref_or_name: str) -> dict[str, Any]:
    return spec["components"]["schemas"][ref_or_name.rsplit("/", 1)[-1]]


def _required(spec: dict[str, Any], name: str) -> set[str]:
    """Required properties of a schema, following allOf to its parents."""
    schema = _schema(spec, name)
    required = set(schema.get("required", []))
    for part in schema.get("allOf", []):
        if "$ref" in part:
            required |= _required(spec, part["$ref"])
        required |= set(part.get("required", []))
    return required


def test_every_served_api_path_is_a_line_path(env: Env) -> None:
    spec = _load("messaging-api.yml")
    documented = {re.sub(r"\{[^}]+\}", "{}", path) for path in spec["paths"]}
    served = {re.sub(r"<[^>]+>", "{}", rule.rule) for rule in env.app.url_map.iter_rules()
              if rule.rule.startswith("/v2/")}
    assert served and served <= documented, served - documented


def test_responses_and_requests_have_the_documented_required_properties(env: Env) -> None:
    spec = _load("messaging-api.yml")
    user = env.new_user()
    sent = env.api("POST", "/v2/bot/message/push", json={"to": user, "messages": [{"type": "text", "text": "ก"}]})
    assert _required(spec, "PushMessageResponse") <= sent.json().keys()
    assert _required(spec, "SentMessage") <= sent.json()["sentMessages"][0].keys()
    error = env.api("POST", "/v2/bot/message/push", json={"to": user, "messages": []}).json()
    assert _required(spec, "ErrorResponse") <= error.keys()
    assert _required(spec, "UserProfileResponse") <= env.api("GET", f"/v2/bot/profile/{user}").json().keys()
    menu_id = env.api("POST", "/v2/bot/richmenu", json=rich_menu_body()).json()["richMenuId"]
    env.api("POST", f"/v2/bot/richmenu/{menu_id}/content", data=png(2500, 843), headers={"Content-Type": "image/png"})
    assert _required(spec, "RichMenuResponse") <= env.api("GET", f"/v2/bot/richmenu/{menu_id}").json().keys()
    reply_call = next(c for c in env.get("/_emulator/calls").json()["calls"] if c["endpoint"] == "reply")
    assert _required(spec, "ReplyMessageRequest") <= reply_call["body"].keys()


def test_webhook_bodies_have_the_documented_required_properties(env: Env) -> None:
    spec = _load("webhook.yml")
    user = env.new_user()
    env.post(f"/_emulator/users/{user}/send", {"type": "text", "text": "สวัสดี"})
    env.post(f"/_emulator/users/{user}/send", {"type": "postback", "data": "a=1"})
    env.post(f"/_emulator/users/{user}/send", {"type": "location", "latitude": 1, "longitude": 2})
    follow, text, postback, location = (batch for batch in env.bot.events)
    assert _required(spec, "CallbackRequest") <= follow.keys()
    assert _required(spec, "FollowEvent") <= follow["events"][0].keys()
    assert _required(spec, "MessageEvent") <= text["events"][0].keys()
    assert _required(spec, "TextMessageContent") <= text["events"][0]["message"].keys()
    assert _required(spec, "PostbackEvent") <= postback["events"][0].keys()
    assert _required(spec, "LocationMessageContent") <= location["events"][0]["message"].keys()
    assert _required(spec, "DeliveryContext") <= text["events"][0]["deliveryContext"].keys()
