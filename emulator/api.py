"""The Messaging API as the bot sees it at LINE_API_BASE (api.line.me and api-data.line.me paths)."""
from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, Response, g, jsonify, request
from linebot.v3.messaging import (
    BroadcastRequest,
    CreateRichMenuAliasRequest,
    MulticastRequest,
    NarrowcastRequest,
    PushMessageRequest,
    ReplyMessageRequest,
    RichMenuBulkLinkRequest,
    RichMenuBulkUnlinkRequest,
    ShowLoadingAnimationRequest,
    UpdateRichMenuAliasRequest,
)

from emulator import ids
from emulator.errors import Detail, LineApiError, invalid_body, not_found
from emulator.state import emulator
from emulator.store import RichMenu, TokenError, now_iso
from emulator.validation import check_messages, check_rich_menu, check_rich_menu_image, parse_request

bp = Blueprint("line_api", __name__, url_prefix="/v2/bot")

CHAT_ID = re.compile(r"^[UCR][0-9a-f]{32}$")
ALIAS_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
MAX_RICH_MENUS = 1000
FAULT_MESSAGES = {429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable"}


@bp.before_request
def authenticate() -> None:
    g.request_id = ids.request_id()
    g.started = time.monotonic()
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer ") or not header[7:].strip():
        raise LineApiError(401, "Authorization header required. Must follow the scheme, "
                                "'Authorization: Bearer <ACCESS TOKEN>'")
    expected = emulator().config["CHANNEL_ACCESS_TOKEN"]
    if expected and header[7:].strip() != expected:
        raise LineApiError(401, "Authentication failed due to the following reason: invalid token. "
                                "Confirm that the access token in the authorization header is valid.")


@bp.after_request
def record_call(resp: Response) -> Response:
    resp.headers["x-line-request-id"] = g.get("request_id") or ids.request_id()
    call: dict[str, Any] = {
        "at": now_iso(),
        "method": request.method,
        "path": request.path,
        "endpoint": g.get("endpoint"),
        "status": resp.status_code,
        "requestId": resp.headers["x-line-request-id"],
        "body": _logged_body(),
        "retryKey": request.headers.get("X-Line-Retry-Key"),
        "ms": round((time.monotonic() - g.get("started", time.monotonic())) * 1000, 1),
    }
    if resp.status_code >= 400 and resp.is_json:
        call["error"] = resp.get_json()
    emulator().store.log_call(call)
    return resp


@bp.errorhandler(LineApiError)
def line_error(err: LineApiError) -> Response:
    return err.response()


def _logged_body() -> Any:
    if "json_body" in g:
        return g.json_body
    data = request.get_data(cache=True)
    if not data:
        return None
    if request.mimetype and request.mimetype.startswith("image/"):
        return f"<{len(data)} bytes {request.mimetype}>"
    try:
        return json.loads(data)
    except ValueError:
        return data[:2000].decode("utf-8", errors="replace")


def endpoint(name: str) -> Callable:
    """Name the endpoint for faults and the call log; an armed fault delays the call, or answers instead of it."""
    def wrap(view: Callable) -> Callable:
        @wraps(view)
        def run(*args: Any, **kwargs: Any) -> Any:
            g.endpoint = name
            fault = emulator().store.take_fault(name)
            if fault is not None and fault.delay:
                time.sleep(fault.delay)
            if fault is not None and fault.status is not None:
                headers = {"Retry-After": "1"} if fault.status == 429 else {}
                raise LineApiError(fault.status, FAULT_MESSAGES.get(fault.status, f"Emulated fault {fault.status}"),
                                   headers=headers)
            return view(*args, **kwargs)
        return run
    return wrap


def json_body() -> Any:
    """The request's JSON, parsed once (the call log reuses it)."""
    if "json_body" not in g:
        try:
            g.json_body = json.loads(request.get_data(cache=True) or b"null")
        except ValueError:
            raise LineApiError(400, "The request body could not be parsed as JSON") from None
    return g.json_body


# Stands in for messages already checked, so the request model checks only the rest.
_CHECKED_MESSAGES = [{"type": "text", "text": "checked"}]


def _message_body(model: Any) -> dict[str, Any]:
    """LINE's own limits first (they name the exact property), then the SDK request model."""
    body = json_body()
    if not isinstance(body, dict):
        raise LineApiError(400, "The request body must be a JSON object")
    check_messages(body.get("messages"))
    parse_request(model, {**body, "messages": _CHECKED_MESSAGES})
    return body


def ok(body: dict[str, Any] | None = None, status: int = 200) -> Response:
    resp = jsonify(body or {})
    resp.status_code = status
    return resp


# sending messages

def _retry_key() -> str | None:
    key = request.headers.get("X-Line-Retry-Key")
    if key is None:
        return None
    try:
        uuid.UUID(key)
    except ValueError:
        raise LineApiError(400, "The retry key must be a UUID (hexadecimal with hyphens)") from None
    return key


def _check_recipients(to: Any, prop: str) -> None:
    bad = [Detail("Invalid chat ID", f"{prop}[{i}]" if isinstance(to, list) else prop)
           for i, chat in enumerate(to if isinstance(to, list) else [to])
           if not isinstance(chat, str) or not CHAT_ID.match(chat)]
    if bad:
        raise invalid_body(bad)


def _deliver(user_ids: list[str], messages: list[dict[str, Any]], via: str, retry_key: str | None,
             *, charged: bool, event_id: str | None = None) -> list[dict[str, str]]:
    """Accept the request (claiming the retry key) and put the messages in each chat."""
    emu = emulator()
    if retry_key is not None:
        earlier = emu.store.claim_retry_key(retry_key, g.request_id)
        if earlier is not None:
            raise LineApiError(409, "The retry key is already accepted",
                               headers={"x-line-accepted-request-id": earlier})
    if charged and not emu.store.consume_quota(len(user_ids), emu.config["MESSAGE_QUOTA"]):
        raise LineApiError(429, "You have reached your monthly limit.")
    sent: list[dict[str, str]] = []
    with emu.store.lock:  # one call's messages arrive together, as in the LINE app
        for user_id in user_ids:
            user = emu.store.user(user_id)
            if user is not None:
                user.loading_until = 0.0
            for message in messages:
                message_id = ids.message_id()
                emu.store.append(user_id, "bot", message, via=via, request_id=g.request_id,
                                 retry_key=retry_key, message_id=message_id, event_id=event_id)
                sent.append({"id": message_id, "quoteToken": ids.quote_token()})
    return sent


@bp.post("/message/reply")
@endpoint("reply")
def reply() -> Response:
    body = _message_body(ReplyMessageRequest)
    try:
        token = emulator().store.use_reply_token(body["replyToken"], emulator().config["REPLY_TOKEN_TTL"])
    except TokenError:
        raise LineApiError(400, "Invalid reply token") from None
    # A reply is recorded against the event its token came with.
    return ok({"sentMessages": _deliver([token.user_id], body["messages"], "reply", None, charged=False,
                                        event_id=token.event_id)})


@bp.post("/message/push")
@endpoint("push")
def push() -> Response:
    body = _message_body(PushMessageRequest)
    retry_key = _retry_key()
    _check_recipients(body["to"], "to")
    return ok({"sentMessages": _deliver([body["to"]], body["messages"], "push", retry_key, charged=True)})


@bp.post("/message/multicast")
@endpoint("multicast")
def multicast() -> Response:
    body = _message_body(MulticastRequest)
    retry_key = _retry_key()
    if not 1 <= len(body["to"]) <= 500:
        raise invalid_body([Detail("Size must be between 1 and 500", "to")])
    _check_recipients(body["to"], "to")
    _deliver(list(dict.fromkeys(body["to"])), body["messages"], "multicast", retry_key, charged=True)
    return ok()


def _followers() -> list[str]:
    return [u.user_id for u in emulator().store.all_users() if u.following]


@bp.post("/message/broadcast")
@endpoint("broadcast")
def broadcast() -> Response:
    body = _message_body(BroadcastRequest)
    retry_key = _retry_key()
    _deliver(_followers(), body["messages"], "broadcast", retry_key, charged=True)
    return ok()


@bp.post("/message/narrowcast")
@endpoint("narrowcast")
def narrowcast() -> Response:
    # Audience, demographic filters and limits are accepted but not applied: every follower receives it.
    body = _message_body(NarrowcastRequest)
    retry_key = _retry_key()
    followers = _followers()
    _deliver(followers, body["messages"], "narrowcast", retry_key, charged=True)
    emulator().store.narrowcasts[g.request_id] = len(followers)
    return ok(status=202)


@bp.get("/message/progress/narrowcast")
def narrowcast_progress() -> Response:
    count = emulator().store.narrowcasts.get(request.args.get("requestId", ""))
    if count is None:
        raise not_found()
    return ok({"phase": "succeeded", "successCount": count, "failureCount": 0, "targetCount": count})


@bp.post("/message/validate/reply")
@bp.post("/message/validate/push")
@bp.post("/message/validate/multicast")
@bp.post("/message/validate/narrowcast")
@bp.post("/message/validate/broadcast")
def validate_messages() -> Response:
    body = json_body()
    check_messages((body or {}).get("messages"))
    return ok()


# users and content

@bp.get("/profile/<user_id>")
@endpoint("profile")
def profile(user_id: str) -> Response:
    user = emulator().store.user(user_id)
    if user is None:
        raise not_found()
    return ok(user.profile())


@bp.get("/message/<message_id>/content")
@bp.get("/message/<message_id>/content/preview")
@endpoint("content")
def content(message_id: str) -> Response:
    stored = emulator().store.content(message_id)
    if stored is None:
        raise not_found()
    return Response(stored.data, mimetype=stored.content_type)


@bp.get("/message/<message_id>/content/transcoding")
@endpoint("content")
def transcoding(message_id: str) -> Response:
    if emulator().store.content(message_id) is None:
        raise not_found()
    return ok({"status": "succeeded"})


@bp.post("/chat/loading/start")
@endpoint("loading")
def loading() -> Response:
    body = json_body()
    parse_request(ShowLoadingAnimationRequest, body)
    seconds = body.get("loadingSeconds", 20)
    if seconds % 5:
        raise invalid_body([Detail("Must be a multiple of 5", "loadingSeconds")])
    user = emulator().store.user(body["chatId"])
    if user is not None:
        user.loading_until = time.time() + seconds
    return ok(status=202)


@bp.get("/message/quota")
def quota() -> Response:
    limit = emulator().config["MESSAGE_QUOTA"]
    return ok({"type": "none"} if limit is None else {"type": "limited", "value": limit})


@bp.get("/message/quota/consumption")
def quota_consumption() -> Response:
    return ok({"totalUsage": emulator().store.quota_used})


# rich menus

def _menu(rich_menu_id: str) -> RichMenu:
    menu = emulator().store.rich_menus.get(rich_menu_id)
    if menu is None:
        raise not_found("richmenu not found")
    return menu


def _menu_with_image(rich_menu_id: str) -> RichMenu:
    menu = _menu(rich_menu_id)
    if menu.image is None:
        raise LineApiError(400, "must upload richmenu image before applying it to user")
    return menu


@bp.post("/richmenu")
@endpoint("richmenu")
def create_rich_menu() -> Response:
    body = json_body()
    check_rich_menu(body)
    store = emulator().store
    with store.lock:
        if len(store.rich_menus) >= MAX_RICH_MENUS:
            raise LineApiError(400, f"The number of rich menus exceeds {MAX_RICH_MENUS}")
        menu = RichMenu(ids.rich_menu_id(), body)
        store.rich_menus[menu.rich_menu_id] = menu
    return ok({"richMenuId": menu.rich_menu_id})


@bp.post("/richmenu/validate")
@endpoint("richmenu")
def validate_rich_menu() -> Response:
    check_rich_menu(json_body())
    return ok()


@bp.get("/richmenu/list")
@endpoint("richmenu")
def list_rich_menus() -> Response:
    return ok({"richmenus": [m.response() for m in list(emulator().store.rich_menus.values())]})


@bp.get("/richmenu/<rich_menu_id>")
@endpoint("richmenu")
def get_rich_menu(rich_menu_id: str) -> Response:
    return ok(_menu(rich_menu_id).response())


@bp.delete("/richmenu/<rich_menu_id>")
@endpoint("richmenu")
def delete_rich_menu(rich_menu_id: str) -> Response:
    _menu(rich_menu_id)
    emulator().store.delete_menu(rich_menu_id)
    return ok()


@bp.post("/richmenu/<rich_menu_id>/content")
@endpoint("richmenu")
def upload_rich_menu_image(rich_menu_id: str) -> Response:
    menu = _menu(rich_menu_id)
    data = request.get_data(cache=True)
    check_rich_menu_image(data, request.mimetype, menu.definition["size"])
    with emulator().store.lock:
        if menu.image is not None:
            raise LineApiError(400, "An image has already been uploaded to the richmenu")
        menu.image, menu.image_type = data, request.mimetype
    return ok()


@bp.get("/richmenu/<rich_menu_id>/content")
@endpoint("richmenu")
def download_rich_menu_image(rich_menu_id: str) -> Response:
    menu = _menu(rich_menu_id)
    if menu.image is None:
        raise not_found("richmenu image not found")
    return Response(menu.image, mimetype=menu.image_type)


@bp.post("/user/all/richmenu/<rich_menu_id>")
@endpoint("richmenu")
def set_default_rich_menu(rich_menu_id: str) -> Response:
    _menu_with_image(rich_menu_id)
    emulator().store.default_menu = rich_menu_id
    return ok()


@bp.get("/user/all/richmenu")
@endpoint("richmenu")
def get_default_rich_menu() -> Response:
    default = emulator().store.default_menu
    if default is None:
        raise not_found("no default richmenu")
    return ok({"richMenuId": default})


@bp.delete("/user/all/richmenu")
@endpoint("richmenu")
def cancel_default_rich_menu() -> Response:
    emulator().store.default_menu = None
    return ok()


@bp.post("/user/<user_id>/richmenu/<rich_menu_id>")
@endpoint("richmenu")
def link_rich_menu(user_id: str, rich_menu_id: str) -> Response:
    _check_recipients(user_id, "userId")
    _menu_with_image(rich_menu_id)
    emulator().store.user_menus[user_id] = rich_menu_id
    return ok()


@bp.get("/user/<user_id>/richmenu")
@endpoint("richmenu")
def get_user_rich_menu(user_id: str) -> Response:
    linked = emulator().store.user_menus.get(user_id)
    if linked is None:
        raise not_found("the user has no richmenu")
    return ok({"richMenuId": linked})


@bp.delete("/user/<user_id>/richmenu")
@endpoint("richmenu")
def unlink_rich_menu(user_id: str) -> Response:
    emulator().store.user_menus.pop(user_id, None)
    return ok()


@bp.post("/richmenu/bulk/link")
@endpoint("richmenu")
def bulk_link() -> Response:
    body = json_body()
    parse_request(RichMenuBulkLinkRequest, body)
    _check_recipients(body["userIds"], "userIds")
    _menu_with_image(body["richMenuId"])
    with emulator().store.lock:
        for user_id in body["userIds"]:
            emulator().store.user_menus[user_id] = body["richMenuId"]
    return ok(status=202)


@bp.post("/richmenu/bulk/unlink")
@endpoint("richmenu")
def bulk_unlink() -> Response:
    body = json_body()
    parse_request(RichMenuBulkUnlinkRequest, body)
    with emulator().store.lock:
        for user_id in body["userIds"]:
            emulator().store.user_menus.pop(user_id, None)
    return ok(status=202)


@bp.post("/richmenu/alias")
@endpoint("richmenu")
def create_alias() -> Response:
    body = json_body()
    parse_request(CreateRichMenuAliasRequest, body)
    alias = body["richMenuAliasId"]
    if not ALIAS_ID.match(alias):
        raise invalid_body([Detail("Must match [A-Za-z0-9_-]{1,32}", "richMenuAliasId")])
    _menu_with_image(body["richMenuId"])
    store = emulator().store
    with store.lock:
        if alias in store.aliases:
            raise LineApiError(400, "conflict richmenu alias id")
        store.aliases[alias] = body["richMenuId"]
    return ok()


def _alias(alias: str) -> str:
    rich_menu_id = emulator().store.aliases.get(alias)
    if rich_menu_id is None:
        raise LineApiError(400, "richmenu alias not found")
    return rich_menu_id


@bp.post("/richmenu/alias/<alias>")
@endpoint("richmenu")
def update_alias(alias: str) -> Response:
    body = json_body()
    parse_request(UpdateRichMenuAliasRequest, body)
    _alias(alias)
    _menu_with_image(body["richMenuId"])
    emulator().store.aliases[alias] = body["richMenuId"]
    return ok()


@bp.get("/richmenu/alias/<alias>")
@endpoint("richmenu")
def get_alias(alias: str) -> Response:
    return ok({"richMenuAliasId": alias, "richMenuId": _alias(alias)})


@bp.get("/richmenu/alias/list")
@endpoint("richmenu")
def list_aliases() -> Response:
    aliases = dict(emulator().store.aliases)
    return ok({"aliases": [{"richMenuAliasId": a, "richMenuId": m} for a, m in aliases.items()]})


@bp.delete("/richmenu/alias/<alias>")
@endpoint("richmenu")
def delete_alias(alias: str) -> Response:
    _alias(alias)
    emulator().store.aliases.pop(alias, None)
    return ok()
