"""A thin, careful wrapper around line-bot-sdk v3's Messaging API.

It adds what the SDK leaves to us: request timeouts on every call, backoff on
429/5xx with a cap, retry keys so a resent push is never delivered twice (409
means LINE already has it), and LINE's limit of five messages per call.

Messages go out as the JSON the flows built, through the SDK's pooled HTTP client
but not through its pydantic models: converting a Flex message to models and back
cost more CPU than anything else the bot does per event. The emulator still
parses every message with those models, so the tests catch a message LINE would refuse.
"""
from __future__ import annotations

import logging
import random
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
import urllib3
from linebot.v3.messaging import (
    ApiClient,
    Configuration,
    MessagingApi,
    MessagingApiBlob,
    ShowLoadingAnimationRequest,
)
from linebot.v3.messaging.exceptions import ApiException
from linebot.v3.messaging.rest import RESTResponse
from urllib3.exceptions import HTTPError as TransportError

from services.conversations import UserProfile

log = logging.getLogger(__name__)

MAX_MESSAGES_PER_CALL = 5
MAX_MULTICAST_RECIPIENTS = 500
_ALREADY_DELIVERED = object()


class LineError(Exception):
    def __init__(self, status: int | None, message: str) -> None:
        super().__init__(f"LINE API {status}: {message}")
        self.status = status
        self.message = message


class ReplyTokenRejected(LineError):
    """The reply token was invalid, expired or already used: push instead, unless an
    earlier try of ours may have used it (`unconfirmed`)."""

    def __init__(self, status: int | None, message: str, *, unconfirmed: bool = False) -> None:
        super().__init__(status, message)
        self.unconfirmed = unconfirmed


def chunks(items: Sequence[Any], size: int) -> list[Sequence[Any]]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def chunk_retry_key(retry_key: str, index: int) -> str:
    """Each call of a split push needs its own key, derived so a resend reuses it."""
    return retry_key if index == 0 else str(uuid.uuid5(uuid.UUID(retry_key), str(index)))


@dataclass(frozen=True)
class Sent:
    calls: int
    already_delivered: bool = False


def _is_retryable(status: int | None) -> bool:
    return status is None or status == 429 or status >= 500


def _error_message(exc: ApiException) -> str:
    body = exc.body.decode("utf-8", "replace") if isinstance(exc.body, bytes) else str(exc.body or exc.reason)
    return body[:500]


class LineClient:
    def __init__(
        self,
        api_base: str,
        access_token: str,
        *,
        timeout: float = 5.0,
        max_retries: int = 4,
        backoff_cap: float = 8.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        config = Configuration(host=api_base, access_token=access_token)
        config.connection_pool_maxsize = 32
        self._api_client = ApiClient(config)
        self._api = MessagingApi(self._api_client)
        self._blob = MessagingApiBlob(self._api_client)
        self._pool = self._api_client.rest_client.pool_manager
        self._timeout = urllib3.Timeout(total=timeout)
        self._api_base = api_base.rstrip("/")
        self._json_headers = {**self._api_client.default_headers, "Authorization": f"Bearer {access_token}",
                              "Content-Type": "application/json"}
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff_cap = backoff_cap
        self._sleep = sleep

    # -- sending -----------------------------------------------------------------
    def reply(self, reply_token: str, messages: Sequence[dict[str, Any]]) -> None:
        """One reply, retried with the same body on 429/5xx and when LINE gave no
        answer. Raises ReplyTokenRejected when LINE refuses the token (its `unconfirmed`
        says an earlier try of this call got no answer, so may have used it), and
        LineError when LINE kept failing: nothing was delivered then."""
        if len(messages) > MAX_MESSAGES_PER_CALL:
            raise ValueError("a reply carries at most five messages; push the rest")
        body = {"replyToken": reply_token, "messages": list(messages)}
        attempt = 0
        unconfirmed = False
        while True:
            try:
                self._post("/v2/bot/message/reply", body)
                return
            except ApiException as exc:
                error = _error_message(exc)
                if exc.status == 400 and "reply token" in error.lower():
                    raise ReplyTokenRejected(exc.status, error, unconfirmed=unconfirmed) from exc
                if not _is_retryable(exc.status) or attempt >= self.max_retries:
                    raise LineError(exc.status, error) from exc
                self._backoff(attempt, exc)
            except TransportError as exc:
                # No answer: LINE may or may not have used the token. The same reply
                # again tells: delivered now, or refused because the first one went.
                unconfirmed = True
                if attempt >= self.max_retries:
                    raise ReplyTokenRejected(None, f"reply not confirmed: {exc}", unconfirmed=True) from exc
                self._backoff(attempt, None)
            attempt += 1

    def push(self, to: str, messages: Sequence[dict[str, Any]], retry_key: str) -> Sent:
        return self._send_parts("/v2/bot/message/push", to, messages, retry_key)

    def multicast(self, to: Sequence[str], messages: Sequence[dict[str, Any]], retry_key: str) -> Sent:
        if len(to) > MAX_MULTICAST_RECIPIENTS:
            raise ValueError("multicast takes at most 500 recipients per call")
        return self._send_parts("/v2/bot/message/multicast", list(to), messages, retry_key)

    def _send_parts(self, path: str, to: str | list[str], messages: Sequence[dict[str, Any]], retry_key: str) -> Sent:
        """Five messages a call, each part with a retry key of its own."""
        calls = 0
        already = False
        for index, part in enumerate(chunks(messages, MAX_MESSAGES_PER_CALL)):
            body = {"to": to, "messages": list(part)}
            key = chunk_retry_key(retry_key, index)
            calls += 1
            already |= self._with_retries(lambda body=body, key=key: self._post(path, body, retry_key=key))
        return Sent(calls=calls, already_delivered=already)

    def show_loading(self, user_id: str, seconds: int = 10) -> None:
        """Best effort: a missing animation must never stop the answer itself."""
        try:
            self._api.show_loading_animation(
                ShowLoadingAnimationRequest(chatId=user_id, loadingSeconds=seconds), _request_timeout=self.timeout
            )
        except (ApiException, TransportError) as exc:
            log.info("loading animation not shown for %s: %s", user_id, exc)

    def _post(self, path: str, body: dict[str, Any], *, retry_key: str | None = None) -> None:
        """Straight to the SDK's pooled HTTP connections, the body encoded by orjson
        (json.dumps of a Flex reply cost more than the call's own HTTP), and a non-2xx
        answer raised as the SDK's ApiException, as its own client does."""
        headers = self._json_headers if retry_key is None else {**self._json_headers, "X-Line-Retry-Key": retry_key}
        response = self._pool.request("POST", self._api_base + path, body=orjson.dumps(body), headers=headers,
                                      timeout=self._timeout)
        if not 200 <= response.status <= 299:
            raise ApiException(http_resp=RESTResponse(response))

    # -- reading -----------------------------------------------------------------
    def profile(self, user_id: str) -> UserProfile | None:
        try:
            found = self._api.get_profile(user_id, _request_timeout=self.timeout)
        except (ApiException, TransportError) as exc:
            log.info("profile of %s not available: %s", user_id, exc)
            return None
        return UserProfile(display_name=found.display_name, picture_url=found.picture_url, language=found.language)

    def content(self, message_id: str) -> bytes:
        return self._retrying(lambda: self._blob.get_message_content(message_id, _request_timeout=self.timeout))

    # -- retries -----------------------------------------------------------------
    def _with_retries(self, call: Callable[[], object]) -> bool:
        """Run a call carrying a retry key; True when LINE says it was already accepted."""
        return self._retrying(call, conflict_means_delivered=True) is _ALREADY_DELIVERED

    def _retrying(self, call: Callable[[], Any], *, conflict_means_delivered: bool = False) -> Any:
        attempt = 0
        while True:
            try:
                return call()
            except ApiException as exc:
                if exc.status == 409 and conflict_means_delivered:
                    return _ALREADY_DELIVERED
                if not _is_retryable(exc.status) or attempt >= self.max_retries:
                    raise LineError(exc.status, _error_message(exc)) from exc
                self._backoff(attempt, exc)
            except TransportError as exc:
                if attempt >= self.max_retries:
                    raise LineError(None, str(exc)) from exc
                self._backoff(attempt, None)
            attempt += 1

    def _backoff(self, attempt: int, exc: ApiException | None) -> None:
        delay = min(self.backoff_cap, 0.25 * 2**attempt) * (0.5 + random.random() / 2)
        retry_after = _header(exc, "retry-after")
        if retry_after and retry_after.isdigit():
            delay = min(self.backoff_cap, float(retry_after))
        log.info("LINE API busy (%s); retrying in %.2fs", getattr(exc, "status", "no answer"), delay)
        self._sleep(delay)

    def close(self) -> None:
        self._api_client.close()


def _header(exc: ApiException | None, name: str) -> str | None:
    if exc is None or not exc.headers:
        return None
    for key, value in dict(exc.headers).items():
        if key.lower() == name:
            return value
    return None
