"""The dialog engine: which flow a resident is in, which step, which slots.

A *flow* is a short conversation that fills slots step by step and then acts
(register, pay, book a queue ...). A *handler* answers in one go (menu, greeting).
Both are reached by an NLU intent, a postback ``action`` or an event type.

Rules every flow gets for free: "ยกเลิก" cancels, "เมนู" shows the menu without
losing the flow, a clear new intent interrupts the flow and the bot offers to
resume it afterwards (once, and not when its goal was reached another way), a
second request in the same message is offered after the first is answered, and a
flow left idle expires.
"""
from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, Protocol
from urllib.parse import parse_qsl

from config.profile import OrgProfile
from flex_templates import intent_data, postback_data
from flows import messages as m
from flows.texts import intent_label, say
from models.db import Database
from services.container import Services
from services.dialog_state import DialogState, StateStore
from services.links import Links
from thai.dates import BANGKOK

Messages = list[dict[str, Any]]

# Texts in a row the bot does not understand before a person is asked to take over.
MISSES_BEFORE_STAFF = 2
CANCEL_WORDS = {"ยกเลิก", "ยกเลิกรายการ", "ไม่เอาแล้ว", "เลิก", "cancel", "หยุด"}
MENU_WORDS = {"เมนู", "เมนูหลัก", "menu", "เมนูบริการ"}
_PARTICLES = re.compile(r"(ค่ะ|คะ|ครับ|คับ|จ้า|จ้ะ|นะ|ค่า|ฮะ|\s|[!?.…])+$")


def command_word(text: str) -> str:
    """'ยกเลิกค่ะ ' → 'ยกเลิก': global commands are matched without particles."""
    return _PARTICLES.sub("", text.strip().lower())


class ParseLike(Protocol):
    intent: str
    confidence: float
    ranking: list[tuple[str, float]]
    entities: list[Any]
    also: str | None  # a second request in the same message

    @property
    def is_confident(self) -> bool: ...

    def first(self, entity_type: str) -> Any: ...


@dataclass(frozen=True)
class Turn:
    """One thing the resident did: typed, tapped, sent a photo, followed us."""

    user_id: str
    kind: str  # text | postback | image | video | audio | file | location | sticker | follow
    text: str = ""
    data: Mapping[str, str] = field(default_factory=dict)
    params: Mapping[str, str] = field(default_factory=dict)
    message: Mapping[str, Any] = field(default_factory=dict)
    parse: ParseLike | None = None
    event_id: str | None = None

    @property
    def action(self) -> str | None:
        return self.data.get("action")

    @staticmethod
    def postback(user_id: str, data: str, params: Mapping[str, str] | None = None, **kw: Any) -> Turn:
        return Turn(user_id=user_id, kind="postback", data=dict(parse_qsl(data, keep_blank_values=True)),
                    params=params or {}, **kw)


class Channel(Protocol):
    """What a flow may ask of LINE besides answering."""

    def content(self, message_id: str) -> bytes:
        """The photo or file the resident sent."""

    def link_menu(self, user_id: str, menu_key: str | None) -> None:
        """Show this rich menu to the user (None: back to the default one). Best effort."""


@dataclass(frozen=True)
class Offer:
    """The services the organisation offers, in the help menu's order: (intent, button label),
    and every intent its modules answer (also those not on the menu: register, pay_bill)."""

    services: tuple[tuple[str, str], ...] = ()
    answered: frozenset[str] = frozenset()

    def intents(self) -> list[str]:
        return [intent for intent, _ in self.services]


@dataclass
class Context:
    """What a flow may use: the deployment's services (organisation, database, links,
    files, SMS), LINE, what the organisation offers, and the slots gathered so far."""

    user_id: str
    services: Services
    channel: Channel | None = None
    offer: Offer = Offer()  # set by the engine from its router
    slots: dict[str, Any] = field(default_factory=dict)
    # Set by the engine: the dialog state this turn leaves (None: unchanged). It is
    # kept by whoever records the answer, in the same transaction.
    next_state: DialogState | None = None

    @property
    def profile(self) -> OrgProfile:
        return self.services.profile

    @property
    def db(self) -> Database:
        return self.services.db

    @property
    def links(self) -> Links:
        return self.services.links

    def now(self) -> datetime:
        """Bangkok time by the deployment's clock (a test may set the clock)."""
        return self.services.clock().astimezone(BANGKOK)

    def today(self) -> date:
        return self.now().date()

    def say(self, key: str, **values: Any) -> str:
        return say(key, self.profile, **values)


class Redirect(Exception):
    """Hand the turn on: a handler or a flow's begin sends the resident to another
    flow first ("register first"), and a flow's finish goes on to what was asked
    for before it. ``messages`` are said before whatever comes next."""

    def __init__(self, *messages: dict[str, Any], flow: str | None = None, slots: Mapping[str, Any] | None = None,
                 intent: str | None = None, params: Mapping[str, str | int] | None = None) -> None:
        if (flow is None) == (intent is None):
            raise ValueError("redirect to a flow or to an intent, not both")
        super().__init__(flow or intent)
        self.messages: Messages = list(messages)
        self.flow, self.slots = flow, dict(slots or {})
        self.intent, self.params = intent, dict(params or {})


class Invalid(Exception):
    """The answer does not fit the step; the messages say what to do instead."""

    def __init__(self, *messages: dict[str, Any] | str) -> None:
        super().__init__(messages)
        self.messages: Messages = [m.text(x) if isinstance(x, str) else x for x in messages]


@dataclass(frozen=True)
class Step:
    slot: str
    prompt: Callable[[Context], Messages]
    accept: Callable[[Turn, Context], Any]  # the slot's value, or raise Invalid
    # A step that takes any text (a description, a question) would swallow a clear
    # new request; for such steps a confident intent interrupts before the step.
    free_text: bool = False


@dataclass(frozen=True)
class Flow:
    name: str
    title: str  # Thai, shown when offering to resume or after a cancel
    steps: tuple[Step, ...]
    finish: Callable[[Context], Messages]
    # May fill slots from what started the flow (entities, postback fields) or answer
    # on its own instead of starting (e.g. "register first"): return messages to stop.
    begin: Callable[[Turn, Context], Messages | None] | None = None
    # Whether a paused flow's purpose was met another way meanwhile (the slip came through
    # the web form): then it is not offered again. Given the paused flow's slots.
    reached: Callable[[Context, Mapping[str, Any]], bool] | None = None

    def step(self, slot: str | None) -> Step | None:
        return next((s for s in self.steps if s.slot == slot), None)

    def next_step(self, slots: Mapping[str, Any]) -> Step | None:
        return next((s for s in self.steps if s.slot not in slots), None)


Handler = Callable[[Turn, Context], Messages]
Target = Flow | Handler
# Offered a turn nobody else took (a photo, a location): answers, or None to pass it on.
Claimer = Callable[[Turn, Context], Messages | None]


def first_claim(claimers: list[Claimer], last: Handler) -> Handler:
    """One handler from a chain of claimers: the first that answers does; `last`
    answers what none took."""
    def claim(turn: Turn, ctx: Context) -> Messages:
        for claimer in claimers:
            out = claimer(turn, ctx)
            if out is not None:
                return out
        return last(turn, ctx)
    return claim


@dataclass
class Router:
    """Where each intent, postback action and event type goes."""

    intents: dict[str, Target] = field(default_factory=dict)
    actions: dict[str, Target] = field(default_factory=dict)
    events: dict[str, Handler] = field(default_factory=dict)
    not_sure: Handler | None = None  # the NLU is unsure: ask with its top guesses
    # The NLU's best two are too close to pick one: ask which (None: nothing to ask).
    clarify: Claimer | None = None
    fallback: Handler | None = None  # nothing matched at all
    # The second message in a row the bot could not understand: a person takes over.
    escalate: Handler | None = None
    menu: Handler | None = None
    offer: Offer = Offer()

    def flows(self) -> dict[str, Flow]:
        targets = list(self.intents.values()) + list(self.actions.values())
        return {t.name: t for t in targets if isinstance(t, Flow)}


class Engine:
    def __init__(self, router: Router, store: StateStore, *, idle_seconds: float) -> None:
        self.router = router
        self.store = store
        self.idle_seconds = idle_seconds
        self._flows = router.flows()

    def handle(self, turn: Turn, ctx: Context) -> Messages:
        """Answer the turn and keep the state it leaves."""
        out = self.respond(turn, ctx)
        if ctx.next_state is not None:
            self.store.save(turn.user_id, ctx.next_state)
        return out

    def respond(self, turn: Turn, ctx: Context) -> Messages:
        """Answer the turn; the state it leaves is in `ctx.next_state`, for the
        caller to keep (`StateStore.write` with the answer, then `cache`)."""
        ctx.offer = self.router.offer
        state = self.store.load(turn.user_id)
        prefix: Messages = []
        if state.expired():
            flow = self._flows.get(state.flow or "")
            if flow is not None:
                prefix.append(m.text(ctx.say("flow_expired", title=flow.title)))
            state = ctx.next_state = DialogState(suspended=state.suspended)

        word = command_word(turn.text) if turn.kind == "text" else ""
        if word in CANCEL_WORDS or turn.action == "cancel":
            return prefix + self._cancel(state, turn, ctx)
        if word in MENU_WORDS or turn.action == "menu":
            return prefix + self._menu(self._understood(state, ctx), turn, ctx)
        if turn.action == "resume":
            return prefix + self._resume(state, turn, ctx)

        flow = self._flows.get(state.flow or "")
        step = flow.step(state.step) if flow else None
        if state.active and step is None:
            # The flow or its step no longer exists (changed by an upgrade): start afresh.
            state = DialogState(suspended=state.suspended)
        if step is not None:
            ctx.slots = dict(state.slots)
            if step.free_text:
                target = self._clear_new_target(turn, current=flow)
                if target is not None:
                    return prefix + self._interrupt(state, target, turn, ctx)
            try:
                value = step.accept(turn, ctx)
            except Redirect as redirect:  # the answer starts the flow over (another slip photo)
                return prefix + self._follow(redirect, DialogState(suspended=state.suspended), turn, ctx)
            except Invalid as invalid:
                target = self._clear_new_target(turn, current=flow)
                if target is None:
                    self._touch(state, ctx)
                    return prefix + invalid.messages
                return prefix + self._interrupt(state, target, turn, ctx)
            ctx.slots[step.slot] = value
            return prefix + self._advance(flow, state, turn, ctx)

        if turn.kind == "text" and turn.parse is not None and turn.parse.needs_choice and self.router.clarify:
            question = self.router.clarify(turn, ctx)
            if question is not None:
                return prefix + question
        target = self._target(turn)
        if target is None:
            return prefix + self._unmatched(state, turn, ctx)
        return prefix + self._offer_also(self._run(target, self._understood(state, ctx), turn, ctx), state, turn, ctx)

    # -- routing -----------------------------------------------------------------
    def _target(self, turn: Turn) -> Target | None:
        if turn.kind == "postback":
            if turn.action == "intent":  # a button that does what typing the intent would
                return self.router.intents.get(turn.data.get("name", ""))
            return self.router.actions.get(turn.action or "")
        if turn.kind == "text" and turn.parse is not None and turn.parse.is_confident:
            return self.router.intents.get(turn.parse.intent)
        return self.router.events.get(turn.kind)

    def _clear_new_target(self, turn: Turn, *, current: Flow) -> Target | None:
        """A message that the current step cannot take and that clearly asks for
        something else. Anything less clear stays with the step."""
        target = self._target(turn)
        if target is None or target is current or turn.kind not in ("text", "postback"):
            return None
        return target

    @staticmethod
    def _understood(state: DialogState, ctx: Context) -> DialogState:
        """Anything the bot understood ends a run of texts it did not."""
        if not state.misses:
            return state
        ctx.next_state = replace(state, misses=0)
        return ctx.next_state

    def _unmatched(self, state: DialogState, turn: Turn, ctx: Context) -> Messages:
        """A text nobody answers is a miss; the MISSES_BEFORE_STAFF-th in a row goes
        to a person (the inbox's escalate) and the count starts again."""
        if turn.kind == "text":
            misses = state.misses + 1
            ctx.next_state = replace(state, misses=0 if misses >= MISSES_BEFORE_STAFF else misses)
            if misses >= MISSES_BEFORE_STAFF and self.router.escalate is not None:
                return self.router.escalate(turn, ctx)
        unsure = turn.kind == "text" and turn.parse is not None and turn.parse.intent != "out_of_scope" \
            and not turn.parse.is_confident
        if unsure and self.router.not_sure is not None:
            return self.router.not_sure(turn, ctx)
        return self.router.fallback(turn, ctx) if self.router.fallback else []

    def _offer_also(self, out: Messages, state: DialogState, turn: Turn, ctx: Context) -> Messages:
        """The second request of "จ่ายแล้วนะคะ ขอใบเสร็จด้วย", offered once the first is answered;
        not while a flow waits for an answer, which the offer would only confuse."""
        also = turn.parse.also if turn.kind == "text" and turn.parse is not None else None
        left = ctx.next_state if ctx.next_state is not None else state
        if not also or also not in self.router.intents or also not in ctx.offer.answered or left.active:
            return out
        label = intent_label(also)
        return out + [m.text(ctx.say("also_offer", service=label), [m.qr_postback(label, intent_data(also))])]

    # -- running -----------------------------------------------------------------
    def _run(self, target: Target, state: DialogState, turn: Turn, ctx: Context) -> Messages:
        try:
            if not isinstance(target, Flow):
                return self._offer_resume(target(turn, ctx), state, ctx)
            ctx.slots = {}
            if target.begin is not None:
                early = target.begin(turn, ctx)
                if early is not None:
                    return self._offer_resume(early, state, ctx)
        except Redirect as redirect:
            return self._follow(redirect, state, turn, ctx)
        started = DialogState(flow=target.name, suspended=state.suspended)
        return self._advance(target, started, turn, ctx)

    def _follow(self, redirect: Redirect, state: DialogState, turn: Turn, ctx: Context) -> Messages:
        if redirect.flow is not None:
            ctx.slots = dict(redirect.slots)
            started = DialogState(flow=redirect.flow, suspended=state.suspended)
            return redirect.messages + self._advance(self._flows[redirect.flow], started, turn, ctx)
        onward = Turn.postback(turn.user_id, postback_data("intent", name=redirect.intent, **redirect.params),
                               event_id=turn.event_id)
        return redirect.messages + self._run(self.router.intents[redirect.intent], state, onward, ctx)

    def _advance(self, flow: Flow, state: DialogState, turn: Turn, ctx: Context) -> Messages:
        step = flow.next_step(ctx.slots)
        if step is None:
            done = DialogState(suspended=state.suspended)
            try:
                out = flow.finish(ctx)
            except Redirect as redirect:
                ctx.next_state = done
                return self._follow(redirect, done, turn, ctx)
            ctx.next_state = done
            return self._offer_resume(out, done, ctx)
        state.flow, state.step, state.slots = flow.name, step.slot, dict(ctx.slots)
        self._touch(state, ctx)
        return step.prompt(ctx)

    def _touch(self, state: DialogState, ctx: Context) -> None:
        state.idle_deadline = time.time() + self.idle_seconds
        ctx.next_state = state

    @staticmethod
    def _pause(state: DialogState, ctx: Context) -> DialogState:
        ctx.next_state = DialogState(suspended={"flow": state.flow, "step": state.step, "slots": state.slots})
        return ctx.next_state

    def _interrupt(self, state: DialogState, target: Target, turn: Turn, ctx: Context) -> Messages:
        return self._run(target, self._pause(state, ctx), turn, ctx)

    def _offer_resume(self, out: Messages, state: DialogState, ctx: Context) -> Messages:
        """Offer the paused flow back once: asking again after every later answer nags.
        Its quick reply keeps working until the flow expires or is cancelled."""
        paused = state.suspended
        if state.active or not paused or paused.get("offered"):
            return out
        flow = self._flows.get(paused["flow"])
        if flow is None:
            return out
        if self._reached(flow, paused, ctx):
            ctx.next_state = replace(state, suspended=None)
            return out
        ctx.next_state = replace(state, suspended={**paused, "offered": True})
        offer = m.text(ctx.say("resume_offer", title=flow.title), [
            m.qr_postback(ctx.say("resume_label"), postback_data("resume")),
            m.qr_postback(ctx.say("no_resume_label"), postback_data("cancel")),
        ])
        return out + [offer]

    @staticmethod
    def _reached(flow: Flow, paused: Mapping[str, Any], ctx: Context) -> bool:
        return flow.reached is not None and flow.reached(ctx, paused.get("slots") or {})

    def _resume(self, state: DialogState, turn: Turn, ctx: Context) -> Messages:
        paused = state.suspended or {}
        flow = self._flows.get(paused.get("flow", ""))
        if flow is None or self._reached(flow, paused, ctx):
            ctx.next_state = DialogState()
            return [m.text(ctx.say("nothing_to_resume"))]
        ctx.slots = dict(paused.get("slots") or {})
        resumed = DialogState(flow=flow.name)
        return self._advance(flow, resumed, turn, ctx)

    def _cancel(self, state: DialogState, turn: Turn, ctx: Context) -> Messages:
        flow = self._flows.get(state.flow or "") or self._flows.get((state.suspended or {}).get("flow", ""))
        ctx.next_state = DialogState()
        body = ctx.say("cancelled", title=flow.title) if flow else ctx.say("nothing_to_cancel")
        return [m.text(body, [m.qr_postback(ctx.say("menu_label"), postback_data("menu"))])]

    def _menu(self, state: DialogState, turn: Turn, ctx: Context) -> Messages:
        """The menu never loses a flow: it is paused and offered back."""
        if state.active:
            state = self._pause(state, ctx)
        out = self.router.menu(turn, ctx) if self.router.menu else []
        return self._offer_resume(out, state, ctx)
