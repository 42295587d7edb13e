"""In-memory state of the emulated LINE platform, shared by request threads.

One lock guards everything: the emulator handles a handful of requests at a time and
correctness (single-use tokens, retry keys) matters more than contention.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

RETRY_KEY_LIFETIME = 24 * 3600


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class User:
    user_id: str
    display_name: str
    picture_url: str | None = None
    language: str | None = "th"
    status_message: str | None = None
    following: bool = True
    loading_until: float = 0.0

    def profile(self) -> dict[str, Any]:
        profile: dict[str, Any] = {"userId": self.user_id, "displayName": self.display_name}
        for key, value in (("pictureUrl", self.picture_url), ("statusMessage", self.status_message),
                           ("language", self.language)):
            if value is not None:
                profile[key] = value
        return profile


@dataclass
class Entry:
    """One message in a user's chat, from either side."""

    seq: int
    sender: str  # "user" or "bot"
    message: dict[str, Any]
    at: str
    via: str | None = None
    request_id: str | None = None
    retry_key: str | None = None
    event_id: str | None = None
    message_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"seq": self.seq, "from": self.sender, "message": self.message, "at": self.at}
        if self.message_id is not None:
            out["messageId"] = self.message_id
        if self.sender == "bot":
            out["via"] = self.via
            out["requestId"] = self.request_id
            if self.retry_key is not None:
                out["retryKey"] = self.retry_key
        if self.event_id is not None:
            out["eventId"] = self.event_id
        return out


@dataclass
class ReplyToken:
    user_id: str
    event_id: str
    issued: float
    used: bool = False


@dataclass
class RichMenu:
    rich_menu_id: str
    definition: dict[str, Any]
    image: bytes | None = None
    image_type: str | None = None

    def response(self) -> dict[str, Any]:
        return {"richMenuId": self.rich_menu_id, **self.definition}


@dataclass
class Content:
    data: bytes
    content_type: str


@dataclass
class Fault:
    """What the next `count` calls of an endpoint meet: a wait of `delay` seconds (a
    slow LINE), then the error `status`, or with none the usual answer."""

    status: int | None
    count: int
    delay: float = 0.0


class TokenError(Exception):
    pass


@dataclass
class Store:
    users: dict[str, User] = field(default_factory=dict)
    chats: dict[str, list[Entry]] = field(default_factory=dict)
    reply_tokens: dict[str, ReplyToken] = field(default_factory=dict)
    retry_keys: dict[str, tuple[str, float]] = field(default_factory=dict)
    calls: list[dict[str, Any]] = field(default_factory=list)
    webhooks: list[dict[str, Any]] = field(default_factory=list)
    faults: dict[str, Fault] = field(default_factory=dict)
    contents: dict[str, Content] = field(default_factory=dict)
    events: dict[str, dict[str, Any]] = field(default_factory=dict)
    rich_menus: dict[str, RichMenu] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    user_menus: dict[str, str] = field(default_factory=dict)
    default_menu: str | None = None
    narrowcasts: dict[str, int] = field(default_factory=dict)
    quota_used: int = 0
    seq: int = 0
    last_timestamp: int = 0

    def __post_init__(self) -> None:
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)

    def reset(self) -> None:
        with self.lock:
            fresh = Store()
            for name in fresh.__dataclass_fields__:
                setattr(self, name, getattr(fresh, name))
            self.changed.notify_all()

    # users and chats

    def add_user(self, user: User) -> None:
        with self.lock:
            self.users[user.user_id] = user
            self.chats.setdefault(user.user_id, [])

    def user(self, user_id: str) -> User | None:
        with self.lock:
            return self.users.get(user_id)

    def all_users(self) -> list[User]:
        with self.lock:
            return list(self.users.values())

    def append(self, user_id: str, sender: str, message: dict[str, Any], **meta: Any) -> Entry:
        with self.lock:
            self.seq += 1
            entry = Entry(self.seq, sender, message, now_iso(), **meta)
            self.chats.setdefault(user_id, []).append(entry)
            self.changed.notify_all()
            return entry

    def chat(self, user_id: str, after: int = 0) -> list[Entry]:
        with self.lock:
            return [e for e in self.chats.get(user_id, []) if e.seq > after]

    def last_seq(self) -> int:
        with self.lock:
            return self.seq

    def wait_for_bot(self, user_id: str, after: int, timeout: float) -> list[Entry]:
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                sent = [e for e in self.chat(user_id, after) if e.sender == "bot"]
                remaining = deadline - time.monotonic()
                if sent or remaining <= 0:
                    return sent
                self.changed.wait(remaining)

    # reply tokens and retry keys

    def issue_reply_token(self, token: str, user_id: str, event_id: str) -> None:
        with self.lock:
            self.reply_tokens[token] = ReplyToken(user_id, event_id, time.monotonic())

    def use_reply_token(self, token: str, ttl: float) -> ReplyToken:
        with self.lock:
            issued = self.reply_tokens.get(token)
            if issued is None or issued.used or time.monotonic() - issued.issued > ttl:
                raise TokenError(token)
            issued.used = True
            return issued

    def claim_retry_key(self, key: str, request_id: str) -> str | None:
        """Remember `key` for this request; answer the earlier request id if it was seen."""
        with self.lock:
            now = time.time()
            earlier = self.retry_keys.get(key)
            if earlier is not None and now - earlier[1] < RETRY_KEY_LIFETIME:
                return earlier[0]
            self.retry_keys[key] = (request_id, now)
            return None

    # logs and faults

    def log_call(self, call: dict[str, Any]) -> None:
        with self.lock:
            self.calls.append(call)

    def log_webhook(self, delivery: dict[str, Any]) -> None:
        with self.lock:
            self.webhooks.append(delivery)

    def set_fault(self, endpoint: str, status: int | None, count: int, delay: float = 0.0) -> None:
        with self.lock:
            self.faults[endpoint] = Fault(status, count, delay)

    def take_fault(self, endpoint: str) -> Fault | None:
        with self.lock:
            fault = self.faults.get(endpoint)
            if fault is None or fault.count <= 0:
                return None
            fault.count -= 1
            return fault

    def deliveries(self) -> list[dict[str, Any]]:
        """One row per accepted call and recipient that put messages in a chat, in the
        order they arrived: a reply names its event, a push its retry key."""
        with self.lock:
            calls: dict[tuple[str, str | None], dict[str, Any]] = {}
            for user_id, chat in self.chats.items():
                for entry in chat:
                    if entry.sender != "bot":
                        continue
                    row = calls.setdefault((user_id, entry.request_id), {
                        "userId": user_id, "via": entry.via, "requestId": entry.request_id,
                        "retryKey": entry.retry_key, "eventId": entry.event_id, "at": entry.at, "seq": entry.seq,
                        "messages": []})
                    row["messages"].append(entry.message)
            return sorted(calls.values(), key=lambda row: row["seq"])

    def next_timestamp(self) -> int:
        """Milliseconds for a new event, never the same twice: the bot answers a user's
        events in timestamp order, and in the LINE app two actions never share one."""
        with self.lock:
            self.last_timestamp = max(int(time.time() * 1000), self.last_timestamp + 1)
            return self.last_timestamp

    def consume_quota(self, recipients: int, limit: int | None) -> bool:
        with self.lock:
            if limit is not None and self.quota_used + recipients > limit:
                return False
            self.quota_used += recipients
            return True

    # contents and events

    def put_content(self, message_id: str, data: bytes, content_type: str) -> None:
        with self.lock:
            self.contents[message_id] = Content(data, content_type)

    def drop_content(self, message_id: str) -> None:
        with self.lock:
            self.contents.pop(message_id, None)

    def content(self, message_id: str) -> Content | None:
        with self.lock:
            return self.contents.get(message_id)

    def remember_event(self, event: dict[str, Any]) -> None:
        with self.lock:
            self.events[event["webhookEventId"]] = event

    def event(self, event_id: str) -> dict[str, Any] | None:
        with self.lock:
            return self.events.get(event_id)

    # rich menus

    def menu_for(self, user_id: str) -> RichMenu | None:
        """The menu LINE shows this user: the linked one, else the default."""
        with self.lock:
            menu_id = self.user_menus.get(user_id) or self.default_menu
            return self.rich_menus.get(menu_id) if menu_id else None

    def delete_menu(self, rich_menu_id: str) -> None:
        with self.lock:
            del self.rich_menus[rich_menu_id]
            # In place: request threads write single keys of these dicts without the lock.
            for table in (self.user_menus, self.aliases):
                for key in [k for k, m in table.items() if m == rich_menu_id]:
                    del table[key]
            if self.default_menu == rich_menu_id:
                self.default_menu = None
