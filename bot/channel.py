"""LINE as the flows see it (flows.engine.Channel): what the resident sent, and
which rich menu they see."""
from __future__ import annotations

import logging

from linebot.v3.messaging.exceptions import ApiException
from urllib3.exceptions import HTTPError as TransportError

import rich_menus
from bot.line_client import LineClient

log = logging.getLogger(__name__)


class LineChannel:
    def __init__(self, client: LineClient, *, api_base: str, access_token: str, timeout: float) -> None:
        self.client = client
        self.api_base = api_base
        self.access_token = access_token
        self.timeout = timeout

    def content(self, message_id: str) -> bytes:
        return self.client.content(message_id)

    def link_menu(self, user_id: str, menu_key: str | None) -> None:
        """A menu that fails to switch must not undo a registration: it is logged,
        and the resident still has every service through the default menu and typing."""
        try:
            if menu_key is None:
                rich_menus.unlink_menu_from_user(user_id, api_base=self.api_base, access_token=self.access_token,
                                                 timeout=self.timeout)
            else:
                rich_menus.link_menu_for_user(user_id, menu_key, api_base=self.api_base,
                                              access_token=self.access_token, timeout=self.timeout)
        except (ApiException, TransportError) as exc:
            log.warning("rich menu %s not linked for %s: %s", menu_key, user_id, exc)
