"""Media the bot links to (images, videos, icons), fetched by the emulator for the simulator page.

The page never talks to other hosts itself: offline, an unreachable URL becomes a placeholder
picture instead of a browser network error."""
from __future__ import annotations

import threading
from collections import OrderedDict

import requests
from flask import Blueprint, Response, request

bp = Blueprint("media", __name__, url_prefix="/_emulator")

MAX_BYTES = 10 * 1024 * 1024
CACHE_ENTRIES = 64
PLACEHOLDER = """<svg xmlns="http://www.w3.org/2000/svg" width="300" height="200" viewBox="0 0 300 200">
<rect width="300" height="200" fill="#e3e6ea"/><g fill="none" stroke="#9aa3ad" stroke-width="6">
<rect x="105" y="60" width="90" height="70" rx="8"/><path d="M112 122l26-28 18 18 12-12 20 22"/></g>
<circle cx="175" cy="80" r="8" fill="#9aa3ad"/></svg>"""

_cache: OrderedDict[str, tuple[bytes, str]] = OrderedDict()
_lock = threading.Lock()


def _fetch(url: str) -> tuple[bytes, str] | None:
    try:
        with requests.get(url, timeout=3, stream=True) as resp:
            if resp.status_code != 200:
                return None
            data = resp.raw.read(MAX_BYTES + 1, decode_content=True)
            content_type = resp.headers.get("Content-Type", "application/octet-stream")
    except (requests.RequestException, OSError):
        return None
    if len(data) > MAX_BYTES:
        return None
    return data, content_type


@bp.get("/media")
def media() -> Response:
    url = request.args.get("url", "")
    with _lock:
        cached = _cache.get(url)
    if cached is None and url.startswith(("http://", "https://")):
        cached = _fetch(url)
        if cached is not None:
            with _lock:
                _cache[url] = cached
                while len(_cache) > CACHE_ENTRIES:
                    _cache.popitem(last=False)
    if cached is None:
        return Response(PLACEHOLDER, mimetype="image/svg+xml", headers={"X-Emulator-Placeholder": "1"})
    return Response(cached[0], mimetype=cached[1])
