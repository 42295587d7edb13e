"""Control API (/_emulator/...): what tests, demos and the simulator page use to act as
LINE users and to look inside the emulated platform."""
from __future__ import annotations

import base64
import binascii
import io
import time
from dataclasses import asdict
from typing import Any

from flask import Blueprint, Response, jsonify, request
from PIL import Image, UnidentifiedImageError

from emulator import ids
from emulator.state import Emulator, emulator
from emulator.store import User
from emulator.webhook import Delivery, build_event, sign

bp = Blueprint("control", __name__, url_prefix="/_emulator")

FAULT_ENDPOINTS = ("reply", "push", "multicast", "broadcast", "narrowcast", "profile", "content",
                   "loading", "richmenu")
MAX_WAIT = 30.0


class ControlError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@bp.errorhandler(ControlError)
def control_error(err: ControlError) -> Response:
    resp = jsonify({"error": err.message})
    resp.status_code = err.status
    return resp


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if body is None and request.get_data():
        raise ControlError(400, "the body must be JSON")
    if body is not None and not isinstance(body, dict):
        raise ControlError(400, "the body must be a JSON object")
    return body or {}


def _user(user_id: str) -> User:
    user = emulator().store.user(user_id)
    if user is None:
        raise ControlError(404, f"no simulated user {user_id}")
    return user


def _user_view(emu: Emulator, user: User) -> dict[str, Any]:
    menu = emu.store.menu_for(user.user_id)
    return {
        **user.profile(),
        "following": user.following,
        "richMenuId": emu.store.user_menus.get(user.user_id),
        "shownRichMenuId": menu.rich_menu_id if menu else None,
        "loading": user.loading_until > time.time(),
    }


@bp.get("/info")
def info() -> Response:
    emu = emulator()
    with emu.store.lock:
        calls = len(emu.store.calls)
    return jsonify({"botUserId": emu.config["BOT_USER_ID"], "botName": emu.config["BOT_NAME"],
                    "webhookUrl": emu.config["WEBHOOK_URL"], "redelivery": emu.config["REDELIVERY"],
                    "calls": calls})


@bp.post("/users")
def create_user() -> Response:
    body = _body()
    emu = emulator()
    user_id = body.get("userId") or ids.user_id()
    if emu.store.user(user_id) is not None:
        raise ControlError(409, f"user {user_id} already exists")
    emu.store.add_user(User(user_id, body.get("displayName") or "ผู้ใช้ทดสอบ", body.get("pictureUrl"),
                            body.get("language", "th"), body.get("statusMessage")))
    if body.get("sendFollow", True) is False:  # load generators make users without a webhook
        return jsonify({"userId": user_id})
    return jsonify({"userId": user_id, **_send(emu, user_id, {"type": "follow", **body})})


@bp.post("/reply-tokens")
def issue_reply_token() -> Response:
    """A reply token for an event a load generator will sign and post itself, so the
    bot's reply is accepted and counted against that event id."""
    body = _body()
    emu = emulator()
    _user(str(body.get("userId", "")))
    event_id = str(body.get("eventId") or "")
    if not event_id:
        raise ControlError(400, "eventId is required")
    token = ids.reply_token()
    emu.store.issue_reply_token(token, body["userId"], event_id)
    return jsonify({"replyToken": token, "eventId": event_id})


@bp.get("/users")
def list_users() -> Response:
    emu = emulator()
    return jsonify({"users": [_user_view(emu, u) for u in emu.store.all_users()]})


@bp.get("/users/<user_id>")
def get_user(user_id: str) -> Response:
    return jsonify(_user_view(emulator(), _user(user_id)))


@bp.get("/users/<user_id>/messages")
def user_messages(user_id: str) -> Response:
    _user(user_id)
    sent = [e.to_dict() for e in emulator().store.chat(user_id) if e.sender == "bot"]
    return jsonify({"messages": sent})


@bp.get("/users/<user_id>/conversation")
def conversation(user_id: str) -> Response:
    emu = emulator()
    user = _user(user_id)
    after = request.args.get("after", default=0, type=int)
    return jsonify({"entries": [e.to_dict() for e in emu.store.chat(user_id, after)],
                    "user": _user_view(emu, user)})


@bp.post("/users/<user_id>/send")
def send(user_id: str) -> Response:
    _user(user_id)
    return jsonify(_send(emulator(), user_id, _body()))


@bp.get("/content/<message_id>")
def user_content(message_id: str) -> Response:
    stored = emulator().store.content(message_id)
    if stored is None:
        raise ControlError(404, "no such content")
    return Response(stored.data, mimetype=stored.content_type)


def _decode(spec: dict[str, Any]) -> bytes:
    try:
        return base64.b64decode(spec.get("base64") or "", validate=True)
    except (binascii.Error, ValueError):
        raise ControlError(400, "base64 is not valid base64") from None


def _image_type(data: bytes) -> str:
    """The picture's type from its header. LINE passes on whatever a phone sends, a
    picture Pillow calls a decompression bomb too: the bot must refuse it itself."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            return Image.MIME.get(image.format or "", "application/octet-stream")
    except Image.DecompressionBombError:
        return next((mime for magic, mime in _MAGIC if data.startswith(magic)), "application/octet-stream")
    except (UnidentifiedImageError, OSError):
        raise ControlError(400, "the image could not be read") from None


_MAGIC = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"), (b"GIF8", "image/gif"))


def _message(emu: Emulator, kind: str, spec: dict[str, Any]) -> dict[str, Any]:
    """The webhook's message object, storing any binary content for the content API."""
    message: dict[str, Any] = {"type": kind, "id": ids.message_id()}
    if kind in ("text", "image", "video", "sticker"):
        message["quoteToken"] = ids.quote_token()
    if kind == "text":
        if not isinstance(spec.get("text"), str) or not spec["text"]:
            raise ControlError(400, "text is required")
        message["text"] = spec["text"]
    elif kind in ("image", "video", "audio", "file"):
        data = _decode(spec)
        content_type = spec.get("contentType") or (
            _image_type(data) if kind == "image" else "application/octet-stream")
        emu.store.put_content(message["id"], data, content_type)
        if kind == "file":
            message.update(fileName=spec.get("fileName") or "file.bin", fileSize=len(data))
        else:
            message["contentProvider"] = {"type": "line"}
        if kind in ("video", "audio"):
            message["duration"] = int(spec.get("duration", 1000))
    elif kind == "location":
        try:
            message.update(latitude=float(spec["latitude"]), longitude=float(spec["longitude"]))
        except (KeyError, TypeError, ValueError):
            raise ControlError(400, "latitude and longitude are required numbers") from None
        message.update({k: spec[k] for k in ("title", "address") if spec.get(k)})
    elif kind == "sticker":
        message.update(packageId=str(spec.get("packageId", "446")), stickerId=str(spec.get("stickerId", "1988")),
                       stickerResourceType=spec.get("stickerResourceType", "STATIC"))
    return message


MESSAGE_KINDS = ("text", "image", "video", "audio", "file", "location", "sticker")
EVENT_KINDS = MESSAGE_KINDS + ("postback", "follow", "unfollow", "unsend")


def _prepare(emu: Emulator, user_id: str, spec: dict[str, Any]) -> dict[str, Any]:
    """Build the webhook event for what the user did, as the LINE app and platform would."""
    kind = spec.get("type")
    if kind not in EVENT_KINDS:
        raise ControlError(400, f"type must be one of {', '.join(EVENT_KINDS)}")
    mode = spec.get("mode", "active")
    if mode not in ("active", "standby"):
        raise ControlError(400, "mode must be active or standby")
    store = emu.store
    user = _user(user_id)
    # LINE gives no reply token in standby mode nor for unfollow/unsend.
    token = ids.reply_token() if mode == "active" and kind not in ("unfollow", "unsend") else None
    payload: dict[str, Any] = {}
    shown: dict[str, Any] | None = None
    if kind in MESSAGE_KINDS:
        message = _message(emu, kind, spec)
        payload["message"] = message
        shown = dict(message)
        if kind in ("image", "video", "audio", "file"):
            shown["contentUrl"] = f"/_emulator/content/{message['id']}"
    elif kind == "postback":
        if not isinstance(spec.get("data"), str):
            raise ControlError(400, "data is required")
        payload["postback"] = {"data": spec["data"]}
        if spec.get("params"):
            payload["postback"]["params"] = spec["params"]
        if spec.get("displayText"):
            # displayText appears in the chat as the user's message but is not a message event.
            shown = {"type": "text", "text": spec["displayText"], "displayOnly": True}
    elif kind == "follow":
        payload["follow"] = {"isUnblocked": not user.following}
        user.following = True
    elif kind == "unfollow":
        user.following = False
    elif kind == "unsend":
        if not spec.get("messageId"):
            raise ControlError(400, "messageId is required")
        payload["unsend"] = {"messageId": str(spec["messageId"])}
        # Once unsent, LINE no longer serves the message's content.
        store.drop_content(str(spec["messageId"]))
    event_type = "message" if kind in MESSAGE_KINDS else kind
    event = build_event(event_type, user_id, mode=mode, reply_token=token, timestamp=store.next_timestamp(),
                        **payload)
    if token is not None:
        store.issue_reply_token(token, user_id, event["webhookEventId"])
    if shown is not None:
        store.append(user_id, "user", shown, event_id=event["webhookEventId"],
                     message_id=payload.get("message", {}).get("id"))
    return event


def _event_view(event: dict[str, Any]) -> dict[str, Any]:
    view: dict[str, Any] = {"eventId": event["webhookEventId"]}
    if "replyToken" in event:
        view["replyToken"] = event["replyToken"]
    if "message" in event:
        view["messageId"] = event["message"]["id"]
    return view


def _delivery_view(delivery: Delivery) -> dict[str, Any]:
    view: dict[str, Any] = {"status": delivery.status}
    if delivery.body:
        view["body"] = delivery.body
    if delivery.error:
        view["error"] = delivery.error
    return view


def _wait(wait: Any) -> float:
    try:
        return min(max(float(wait or 0), 0.0), MAX_WAIT)
    except (TypeError, ValueError):
        raise ControlError(400, "wait and delay must be numbers of seconds") from None


def _send(emu: Emulator, user_id: str, spec: dict[str, Any]) -> dict[str, Any]:
    wait = _wait(spec.get("wait"))
    event = _prepare(emu, user_id, spec)
    before = emu.store.last_seq()
    result = _event_view(event) | _delivery_view(emu.sender.deliver([event]))
    if wait > 0:
        result["messages"] = [e.to_dict() for e in emu.store.wait_for_bot(user_id, before, wait)]
    return result


@bp.post("/events/batch")
def send_batch() -> Response:
    """Several users' actions in one webhook body, in the order given (LINE batches events).
    With ``"deliver": false`` the events are made (reply tokens issued, content stored)
    and returned unsent, for a caller that signs and posts them itself: split, all in
    one body, or again as a redelivery."""
    body = _body()
    items = body.get("events")
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
        raise ControlError(400, "events must be a non-empty list of objects with userId and type")
    for item in items:
        _user(str(item.get("userId")))
        if item.get("type") not in EVENT_KINDS:
            raise ControlError(400, f"type must be one of {', '.join(EVENT_KINDS)}")
    emu = emulator()
    events = [_prepare(emu, str(item["userId"]), item) for item in items]
    if body.get("deliver", True) is False:
        return jsonify({"events": events})
    return jsonify({"events": [_event_view(e) for e in events]} | _delivery_view(emu.sender.deliver(events)))


@bp.post("/users/<user_id>/richmenu/switch")
def switch_rich_menu(user_id: str) -> Response:
    """What the LINE app does on a richmenuswitch action: relink, then a postback event."""
    body = _body()
    emu = emulator()
    _user(user_id)
    alias = body.get("richMenuAliasId", "")
    target = emu.store.aliases.get(alias)
    params = {"newRichMenuAliasId": alias, "status": "SUCCESS" if target else "RICHMENU_ALIAS_ID_NOTFOUND"}
    if target:
        emu.store.user_menus[user_id] = target
    spec = {"type": "postback", "data": body.get("data", ""), "params": params, "wait": body.get("wait")}
    return jsonify(_send(emu, user_id, spec))


@bp.get("/users/<user_id>/richmenu")
def user_rich_menu(user_id: str) -> Response:
    emu = emulator()
    _user(user_id)
    menu = emu.store.menu_for(user_id)
    if menu is None:
        return jsonify({"richMenuId": None})
    aliases = [a for a, m in emu.store.aliases.items() if m == menu.rich_menu_id]
    return jsonify({"richMenuId": menu.rich_menu_id, "richMenu": menu.definition, "aliases": aliases,
                    "linked": emu.store.user_menus.get(user_id) == menu.rich_menu_id,
                    "imageUrl": f"/_emulator/richmenus/{menu.rich_menu_id}/image" if menu.image else None})


@bp.get("/richmenus")
def rich_menus() -> Response:
    store = emulator().store
    with store.lock:
        return jsonify({"richmenus": [m.response() | {"hasImage": m.image is not None}
                                      for m in store.rich_menus.values()],
                        "aliases": dict(store.aliases), "default": store.default_menu,
                        "links": dict(store.user_menus)})


@bp.get("/richmenus/<rich_menu_id>/image")
def rich_menu_image(rich_menu_id: str) -> Response:
    menu = emulator().store.rich_menus.get(rich_menu_id)
    if menu is None or menu.image is None:
        raise ControlError(404, "no image for this rich menu")
    return Response(menu.image, mimetype=menu.image_type)


@bp.post("/events/<event_id>/redeliver")
def redeliver(event_id: str) -> Response:
    emu = emulator()
    event = emu.store.event(event_id)
    if event is None:
        raise ControlError(404, f"no event {event_id}")
    return jsonify({"eventId": event_id} | _delivery_view(emu.sender.redeliver([event])))


@bp.post("/webhook/raw")
def raw_webhook() -> Response:
    body = _body()
    if not isinstance(body.get("body"), str):
        raise ControlError(400, "body (a string) is required")
    emu = emulator()
    raw = body["body"].encode("utf-8")
    signature = body.get("signature")
    if signature is None and not body.get("unsigned"):
        signature = sign(raw, emu.config["CHANNEL_SECRET"])
    delivery = emu.sender.send_raw(raw, signature)
    return jsonify({"status": delivery.status, "body": delivery.body, "error": delivery.error})


@bp.get("/calls")
def calls() -> Response:
    store = emulator().store
    with store.lock:
        return jsonify({"calls": list(store.calls)})


@bp.delete("/calls")
def clear_calls() -> Response:
    store = emulator().store
    with store.lock:
        store.calls.clear()
    return jsonify({"calls": []})


@bp.get("/deliveries")
def deliveries() -> Response:
    """What reached the users, one row per accepted call and recipient, for counting
    answers per event: `eventId` on a reply, `retryKey` on a push."""
    return jsonify({"deliveries": emulator().store.deliveries()})


@bp.get("/webhooks")
def webhooks() -> Response:
    store = emulator().store
    with store.lock:
        return jsonify({"webhooks": list(store.webhooks)})


@bp.delete("/webhooks")
def clear_webhooks() -> Response:
    store = emulator().store
    with store.lock:
        store.webhooks.clear()
    return jsonify({"webhooks": []})


@bp.post("/faults")
def add_fault() -> Response:
    body = _body()
    name, status, count = body.get("endpoint"), body.get("status"), body.get("count", 1)
    delay = _wait(body.get("delay"))
    if name not in FAULT_ENDPOINTS:
        raise ControlError(400, f"endpoint must be one of {', '.join(FAULT_ENDPOINTS)}")
    if status is None and not delay:
        raise ControlError(400, "a fault needs a status, a delay, or both")
    if status is not None and (not isinstance(status, int) or not 400 <= status <= 599):
        raise ControlError(400, "status must be 400-599")
    if not isinstance(count, int) or count < 0:
        raise ControlError(400, "count must be a non-negative integer")
    emulator().store.set_fault(name, status, count, delay)
    return jsonify({"endpoint": name, "status": status, "count": count, "delay": delay})


@bp.get("/faults")
def list_faults() -> Response:
    store = emulator().store
    with store.lock:
        return jsonify({"faults": {k: asdict(f) for k, f in store.faults.items() if f.count > 0}})


@bp.post("/reset")
def reset() -> Response:
    emulator().store.reset()
    return jsonify({"status": "reset"})
