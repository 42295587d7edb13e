"""Signed, expiring URLs for files the bot serves (QR cards, receipts): a link
shared in a chat works for a short while and cannot be edited to reach another
person's file (SPEC §6.3)."""
from __future__ import annotations

import base64
import hashlib
import hmac
import time
from urllib.parse import parse_qsl, urlencode, urlsplit

DEFAULT_LIFETIME = 15 * 60


class SignatureError(ValueError):
    """The link is missing its signature, was altered, or has expired."""


def _signature(secret: str | bytes, path: str, params: list[tuple[str, str]]) -> str:
    key = secret.encode() if isinstance(secret, str) else secret
    message = path + "?" + urlencode(sorted(params))
    digest = hmac.new(key, message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def sign_url(url: str, *, secret: str | bytes, expires_in: int = DEFAULT_LIFETIME, now: float | None = None) -> str:
    """Append ``exp`` and ``sig`` to ``url``. Only path and query are signed, so the
    same link verifies behind any host name or proxy."""
    if not secret:
        raise ValueError("a signing secret is required")
    if expires_in <= 0:
        raise ValueError("expires_in must be positive")
    parts = urlsplit(url)
    params = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in ("exp", "sig")]
    params.append(("exp", str(int((time.time() if now is None else now) + expires_in))))
    params.append(("sig", _signature(secret, parts.path, params)))
    signed = f"{parts.path}?{urlencode(params)}"
    return f"{parts.scheme}://{parts.netloc}{signed}" if parts.netloc else signed


def verify(url: str, *, secret: str | bytes, now: float | None = None) -> dict[str, str]:
    """Check a signed URL and return its query parameters (without exp/sig).
    Raises SignatureError saying why it is refused."""
    parts = urlsplit(url)
    params = parse_qsl(parts.query, keep_blank_values=True)
    given = [v for k, v in params if k == "sig"]
    expiry = [v for k, v in params if k == "exp"]
    if len(given) != 1 or len(expiry) != 1:
        raise SignatureError("link has no signature or expiry")
    unsigned = [(k, v) for k, v in params if k != "sig"]
    if not hmac.compare_digest(given[0], _signature(secret, parts.path, unsigned)):
        raise SignatureError("link signature does not match")
    if not expiry[0].isdigit() or int(expiry[0]) < (time.time() if now is None else now):
        raise SignatureError("link has expired")
    return {k: v for k, v in unsigned if k != "exp"}
