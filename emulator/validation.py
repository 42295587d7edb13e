"""Request-body checks: the SDK's own request models first, then LINE's documented limits
that the generated models do not encode (text length in UTF-16 units, https media, Flex
sizes, action field lengths ...). Every problem becomes a Detail with LINE's property path."""
from __future__ import annotations

import io
import json
from collections.abc import Callable
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from linebot.v3.messaging import Action, Message, RichMenuRequest
from PIL import Image, UnidentifiedImageError
from pydantic.v1 import ValidationError

from emulator.errors import Detail, LineApiError, invalid_body

MAX_MESSAGES = 5
MAX_TEXT = 5000
MAX_ALT_TEXT = 1500
MAX_BUBBLE_BYTES = 30 * 1024
MAX_CAROUSEL_BYTES = 50 * 1024
MAX_CAROUSEL_BUBBLES = 12
MAX_QUICK_REPLY_ITEMS = 13
MAX_ACTION_DATA = 300
MAX_LABEL = 20
MAX_URI = 1000
MAX_MEDIA_URL = 2000
MAX_RICH_MENU_IMAGE = 1024 * 1024
URI_SCHEMES = ("http://", "https://", "line://", "tel:")
# A bot in development serves its QR cards over plain http from this machine; the
# emulator lets that through so the demo works. Real LINE does not, and the bot's
# settings refuse an http PUBLIC_BASE_URL with the real API.
THIS_MACHINE = ("127.0.0.1", "localhost", "::1")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def json_size(value: Any) -> int:
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def parse_request(model: Any, body: Any) -> None:
    """Parse with an SDK request model; its validation errors become LINE details."""
    if not isinstance(body, dict):
        raise LineApiError(400, "The request body must be a JSON object")
    details = sdk_errors(model.from_dict, body, "")
    if details:
        raise invalid_body(details)


def sdk_errors(parse: Callable[[Any], Any], value: Any, path: str) -> list[Detail]:
    try:
        parse(value)
    except ValidationError as exc:
        return [Detail(err["msg"], _join(path, ".".join(str(p) for p in err["loc"])))
                for err in exc.errors()]
    except (ValueError, TypeError, AttributeError) as exc:
        return [Detail(str(exc).split(". ")[0], path or "body")]
    return []


def _join(path: str, name: str) -> str:
    if not path:
        return name
    return f"{path}.{name}" if name else path


def check_messages(messages: Any, prop: str = "messages") -> None:
    details = message_errors(messages, prop)
    if details:
        raise invalid_body(details)


def message_errors(messages: Any, prop: str = "messages") -> list[Detail]:
    if not isinstance(messages, list) or not 1 <= len(messages) <= MAX_MESSAGES:
        return [Detail(f"Size must be between 1 and {MAX_MESSAGES}", prop)]
    details: list[Detail] = []
    for index, message in enumerate(messages):
        path = f"{prop}[{index}]"
        if not isinstance(message, dict):
            details.append(Detail("Must be an object", path))
            continue
        details.extend(_message_details(json.dumps(message, ensure_ascii=False, separators=(",", ":")), path))
    return details


@lru_cache(maxsize=512)
def _message_details(raw: str, path: str) -> tuple[Detail, ...]:
    """A bot sends the same menus and cards over and over; parsing a Flex message with
    the SDK's models costs about a millisecond, so each distinct message is checked once."""
    message = json.loads(raw)
    details = sdk_errors(Message.from_dict, message, path)
    if not details:
        _MessageLimits(details).message(message, path)
    return tuple(details)


class _MessageLimits:
    def __init__(self, details: list[Detail]) -> None:
        self.details = details

    def fail(self, message: str, prop: str) -> None:
        self.details.append(Detail(message, prop))

    def length(self, value: Any, limit: int, prop: str, *, required: bool = False) -> None:
        if value is None:
            if required:
                self.fail("Must be specified", prop)
        elif utf16_len(str(value)) > limit:
            self.fail(f"Length must be between 0 and {limit}", prop)

    def https(self, value: Any, prop: str, *, required: bool = True) -> None:
        if value is None:
            if required:
                self.fail("Must be specified", prop)
        elif not _https_or_this_machine(str(value)):
            self.fail("Must be a valid HTTPS URL", prop)
        elif len(str(value)) > MAX_MEDIA_URL:
            self.fail(f"Length must be between 0 and {MAX_MEDIA_URL}", prop)

    def message(self, m: dict[str, Any], path: str) -> None:
        kind = m.get("type")
        if kind in ("text", "textV2"):
            self.length(m.get("text"), MAX_TEXT, f"{path}.text", required=True)
        elif kind in ("image", "video"):
            self.https(m.get("originalContentUrl"), f"{path}.originalContentUrl")
            self.https(m.get("previewImageUrl"), f"{path}.previewImageUrl")
        elif kind == "audio":
            self.https(m.get("originalContentUrl"), f"{path}.originalContentUrl")
        elif kind == "imagemap":
            self.https(m.get("baseUrl"), f"{path}.baseUrl")
        if kind in ("template", "flex", "imagemap"):
            self.length(m.get("altText"), MAX_ALT_TEXT, f"{path}.altText", required=True)
        if kind == "flex":
            self.flex_container(m.get("contents"), f"{path}.contents")
        if kind == "template":
            self.template(m.get("template") or {}, f"{path}.template")
        self.quick_reply(m.get("quickReply"), f"{path}.quickReply")
        self.actions_in(m, path)

    def quick_reply(self, quick: Any, path: str) -> None:
        if not isinstance(quick, dict):
            return
        items = quick.get("items") or []
        if not 1 <= len(items) <= MAX_QUICK_REPLY_ITEMS:
            self.fail(f"Size must be between 1 and {MAX_QUICK_REPLY_ITEMS}", f"{path}.items")
        for index, item in enumerate(items):
            item_path = f"{path}.items[{index}]"
            self.https(item.get("imageUrl"), f"{item_path}.imageUrl", required=False)
            action = item.get("action") or {}
            self.length(action.get("label"), MAX_LABEL, f"{item_path}.action.label")

    def template(self, template: dict[str, Any], path: str) -> None:
        kind = template.get("type")
        if kind == "buttons":
            has_title = bool(template.get("title") or template.get("thumbnailImageUrl"))
            self.length(template.get("text"), 60 if has_title else 160, f"{path}.text", required=True)
            self.length(template.get("title"), 40, f"{path}.title")
            self.https(template.get("thumbnailImageUrl"), f"{path}.thumbnailImageUrl", required=False)
            self.count(template.get("actions"), 1, 4, f"{path}.actions")
            self.labels(template.get("actions"), f"{path}.actions")
        elif kind == "confirm":
            self.length(template.get("text"), 240, f"{path}.text", required=True)
            self.count(template.get("actions"), 2, 2, f"{path}.actions")
            self.labels(template.get("actions"), f"{path}.actions")
        elif kind in ("carousel", "image_carousel"):
            columns = template.get("columns") or []
            self.count(columns, 1, 10, f"{path}.columns")
            for index, column in enumerate(columns):
                column_path = f"{path}.columns[{index}]"
                if kind == "carousel":
                    has_title = bool(column.get("title") or column.get("thumbnailImageUrl"))
                    self.length(column.get("text"), 60 if has_title else 120, f"{column_path}.text", required=True)
                    self.https(column.get("thumbnailImageUrl"), f"{column_path}.thumbnailImageUrl", required=False)
                    self.count(column.get("actions"), 1, 3, f"{column_path}.actions")
                    self.labels(column.get("actions"), f"{column_path}.actions")
                else:
                    self.https(column.get("imageUrl"), f"{column_path}.imageUrl")

    def count(self, items: Any, low: int, high: int, path: str) -> None:
        if not isinstance(items, list) or not low <= len(items) <= high:
            self.fail(f"Size must be between {low} and {high}", path)

    def labels(self, actions: Any, path: str) -> None:
        for index, action in enumerate(actions or []):
            self.length((action or {}).get("label"), MAX_LABEL, f"{path}[{index}].label")

    def flex_container(self, contents: Any, path: str) -> None:
        if not isinstance(contents, dict):
            return
        if contents.get("type") == "carousel":
            bubbles = contents.get("contents") or []
            if not 1 <= len(bubbles) <= MAX_CAROUSEL_BUBBLES:
                self.fail(f"Size must be between 1 and {MAX_CAROUSEL_BUBBLES}", f"{path}.contents")
            if json_size(contents) > MAX_CAROUSEL_BYTES:
                self.fail("Flex Message carousel must be 50 KB or less", path)
            for index, bubble in enumerate(bubbles):
                self.bubble(bubble, f"{path}.contents[{index}]")
        else:
            self.bubble(contents, path)

    def bubble(self, bubble: dict[str, Any], path: str) -> None:
        if json_size(bubble) > MAX_BUBBLE_BYTES:
            self.fail("Flex Message bubble must be 30 KB or less", path)
        for block in ("header", "hero", "body", "footer"):
            if isinstance(bubble.get(block), dict):
                self.component(bubble[block], f"{path}.{block}")

    def component(self, component: dict[str, Any], path: str) -> None:
        kind = component.get("type")
        if kind == "box":
            for index, child in enumerate(component.get("contents") or []):
                if isinstance(child, dict):
                    self.component(child, f"{path}.contents[{index}]")
        elif kind == "text" and component.get("text") is None and not component.get("contents"):
            self.fail("Must be specified", f"{path}.text")
        elif kind == "button" and not component.get("action"):
            self.fail("Must be specified", f"{path}.action")
        elif kind in ("image", "icon", "video"):
            self.https(component.get("url"), f"{path}.url")

    def actions_in(self, node: Any, path: str) -> None:
        """Check every action object anywhere below `node` (Flex, templates, quick replies)."""
        if isinstance(node, dict):
            for key, value in node.items():
                child = f"{path}.{key}"
                if key in ("action", "defaultAction") and isinstance(value, dict):
                    self.action(value, child)
                self.actions_in(value, child)
        elif isinstance(node, list):
            for index, value in enumerate(node):
                self.actions_in(value, f"{path}[{index}]")

    def action(self, action: dict[str, Any], path: str) -> None:
        kind = action.get("type")
        if kind in ("postback", "datetimepicker"):
            self.length(action.get("data"), MAX_ACTION_DATA, f"{path}.data", required=True)
        if kind == "postback":
            self.length(action.get("displayText"), MAX_ACTION_DATA, f"{path}.displayText")
        elif kind == "message":
            self.length(action.get("text"), MAX_ACTION_DATA, f"{path}.text", required=True)
        elif kind == "uri":
            uri = action.get("uri")
            self.length(uri, MAX_URI, f"{path}.uri", required=True)
            if uri is not None and not str(uri).startswith(URI_SCHEMES):
                self.fail("Must be a valid URI (http, https, line or tel)", f"{path}.uri")
        elif kind == "richmenuswitch":
            self.length(action.get("richMenuAliasId"), 32, f"{path}.richMenuAliasId", required=True)
            self.length(action.get("data"), MAX_ACTION_DATA, f"{path}.data", required=True)


def check_rich_menu(body: Any) -> None:
    details = sdk_errors(RichMenuRequest.from_dict, body, "")
    if not details:
        details = _rich_menu_rules(body)
    if details:
        raise invalid_body(details)


def _rich_menu_rules(body: dict[str, Any]) -> list[Detail]:
    details: list[Detail] = []
    limits = _MessageLimits(details)
    for key in ("size", "selected", "name", "chatBarText", "areas"):
        if body.get(key) is None:
            limits.fail("Must be specified", key)
    if details:
        return details
    width, height = body["size"].get("width", 0), body["size"].get("height", 0)
    if not (800 <= width <= 2500 and height >= 250 and width / height >= 1.45):
        limits.fail("Width must be 800 to 2500, height at least 250, width/height at least 1.45", "size")
    limits.length(body["name"], 300, "name")
    limits.length(body["chatBarText"], 14, "chatBarText")
    areas = body["areas"]
    if len(areas) > 20:
        limits.fail("Size must be between 0 and 20", "areas")
    for index, area in enumerate(areas):
        path = f"areas[{index}]"
        bounds = area.get("bounds") or {}
        x, y = bounds.get("x", 0), bounds.get("y", 0)
        if x + bounds.get("width", 0) > width or y + bounds.get("height", 0) > height:
            limits.fail("Bounds must be within the rich menu size", f"{path}.bounds")
        action = area.get("action")
        if not isinstance(action, dict):
            limits.fail("Must be specified", f"{path}.action")
            continue
        details.extend(sdk_errors(Action.from_dict, action, f"{path}.action"))
        limits.action(action, f"{path}.action")
    return details


def check_rich_menu_image(data: bytes, content_type: str, size: dict[str, int]) -> None:
    if content_type not in ("image/png", "image/jpeg"):
        raise LineApiError(415, "Unsupported Media Type: use image/png or image/jpeg")
    if len(data) > MAX_RICH_MENU_IMAGE:
        raise LineApiError(413, "Request Entity Too Large: the image must be 1 MB or less")
    try:
        with Image.open(io.BytesIO(data)) as image:
            fmt, dimensions = image.format, image.size
    except (UnidentifiedImageError, OSError):
        raise LineApiError(400, "The image could not be read as PNG or JPEG") from None
    if {"PNG": "image/png", "JPEG": "image/jpeg"}.get(fmt or "") != content_type:
        raise LineApiError(400, f"The image is {fmt}, not {content_type}")
    if dimensions != (size["width"], size["height"]):
        raise LineApiError(400, f"An image size {dimensions[0]}x{dimensions[1]} must match "
                                f"the rich menu size {size['width']}x{size['height']}")


def _https_or_this_machine(url: str) -> bool:
    return url.startswith("https://") or (url.startswith("http://") and urlsplit(url).hostname in THIS_MACHINE)
