"""What a service module declares about itself, in one place (SPEC §3.4).

The router, the help menu, the profile checks, the back office's navigation and
the job process read these descriptors for the modules an organisation enables;
none of them names a module. docs/modules.md shows how to add one."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from config.profile import OrgProfile
from flows.engine import Claimer, Handler, Target

if TYPE_CHECKING:
    from admin.pages import StaffPages, Tile
    from scheduler.jobs import Job


@dataclass(frozen=True)
class MenuEntry:
    """A button of the help menu (and a suggestion in quick replies)."""

    intent: str
    label: str
    # Where it stands among every module's entries: modules are found in any order,
    # the menu keeps the order residents know.
    position: int
    label_by_kind: Mapping[str, str] = field(default_factory=dict)  # e.g. what a waterworks calls "my account"

    def label_for(self, profile: OrgProfile) -> str:
        return self.label_by_kind.get(profile.kind, self.label)


@dataclass(frozen=True)
class Claim:
    """An offer to answer a photo, a file or a location sent outside any flow. The
    claims of every enabled module form one chain per kind, lowest rank first; a
    claimer returns None to pass the turn on. What nobody claims is asked about."""

    kind: str  # image | video | audio | file | location
    rank: int
    claimer: Claimer


ProfileCheck = Callable[[OrgProfile], list[str]]


def requires(field: str, problem: str) -> ProfileCheck:
    """A check that the profile sets `field` (a value, or a list that is not empty);
    `problem` says in Thai what to add."""
    def check(profile: OrgProfile) -> list[str]:
        return [] if getattr(profile, field) else [problem]
    return check


@dataclass(frozen=True)
class Module:
    key: str
    title: str  # Thai, as staff know the service
    # The profile's `modules:` entry that switches it on; None: every organisation has it.
    switch: str | None = None
    # Answers its intents even where the profile leaves it off (emergency numbers: a
    # resident in danger is never told the service is not offered).
    always_answers: bool = False
    intents: Mapping[str, Target] = field(default_factory=dict)
    actions: Mapping[str, Target] = field(default_factory=dict)  # postback `action=` values
    claims: tuple[Claim, ...] = ()
    menu: tuple[MenuEntry, ...] = ()
    check: ProfileCheck | None = None  # what the profile must say for the module to run
    jobs: tuple[Job, ...] = ()
    staff_pages: tuple[StaffPages, ...] = ()
    # Figures on the back office's dashboard; a module not on LINE yet shows a placeholder.
    tiles: tuple[Tile, ...] = ()
    # Answers the second text in a row nobody understood (the inbox: a person takes over).
    escalate: Handler | None = None
    templates: tuple[str, ...] = ()  # the Flex templates it renders (flex_templates/templates)

    def enabled(self, profile: OrgProfile) -> bool:
        return self.switch is None or profile.has(self.switch)
