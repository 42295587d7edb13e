"""A service module's screens in the back office, and who may use them.

A module hands the office a `StaffPages`: its blueprint (built for one app's
services, so two apps in one process never share a view's state), the
permission its routes need and its menu entries. The office mounts it under
/admin, refuses every route of it to a role without that permission, and shows
its menu entries only to roles that have it: the menu and the routes cannot
disagree. Roles and permissions are services/staff.py's."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from flask import Blueprint

from services.container import Services
from services.staff import PERMISSIONS, StaffIdentity


@dataclass(frozen=True)
class StaffPages:
    key: str  # the blueprint's name: its endpoints are admin.<key>.<view>
    blueprint: Callable[[Services], Blueprint]
    permission: str
    nav: tuple[tuple[str, str], ...] = ()  # (Thai label, endpoint) in menu order

    def __post_init__(self) -> None:
        if self.permission not in PERMISSIONS:
            raise ValueError(f"staff pages {self.key!r}: unknown permission {self.permission!r}")


@dataclass(frozen=True)
class Tile:
    """A figure on the dashboard, linking to the list it counts. Without `count`
    it is a placeholder for a module whose screens are still to come."""

    label: str
    permission: str
    count: Callable[[Services, StaffIdentity], int] | None = None
    endpoint: str | None = None
    args: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.permission not in PERMISSIONS:
            raise ValueError(f"tile {self.label!r}: unknown permission {self.permission!r}")
