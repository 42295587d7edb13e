"""Rich menus: JSON definitions, Pillow-drawn images and idempotent deploy."""
from __future__ import annotations

from .deploy import DeployReport, deploy, link_menu_for_user, unlink_menu_from_user
from .image import ImageError, render_image
from .model import DefinitionError, MenuDefinition, guest_menu, load_definitions, member_menu, menus_for, parse

__all__ = [
    "DefinitionError", "DeployReport", "ImageError", "deploy", "link_menu_for_user", "unlink_menu_from_user",
    "MenuDefinition", "guest_menu", "load_definitions",
    "member_menu", "menus_for", "parse", "render_image",
]
