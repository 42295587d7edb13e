"""Compact postback data shared by Flex buttons and rich-menu areas, in the
dialog engine's form: ``action=intent&name=<intent>[&id=...]`` starts what an
intent starts; other actions (``menu``, ``cancel``, ``consent``) are commands."""
from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from .limits import POSTBACK_DATA_MAX


def postback_data(action: str, **params: str | int) -> str:
    data = urlencode({"action": action, **{k: str(v) for k, v in params.items()}})
    if len(data) > POSTBACK_DATA_MAX:
        raise ValueError(f"postback data over {POSTBACK_DATA_MAX} characters: {data[:60]}…")
    return data


def intent_data(intent: str, **params: str | int) -> str:
    """Postback data that does what typing the intent would do (SPEC §5.1 names)."""
    return postback_data("intent", name=intent, **params)


def parse_postback(data: str) -> dict[str, str]:
    return dict(parse_qsl(data, keep_blank_values=True))
