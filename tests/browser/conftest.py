"""The real bot and the emulator for a browser session, as `smartservice demo` runs them."""
from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from config.profile import load_profile
from models import migrate
from services.demo import seed_demo
from tests.conftest import install_menus, make_stack
from thai.dates import BANGKOK


@contextlib.contextmanager
def product_stack(tmp_path_factory, profile_name: str, *, demo_data: bool = False) -> Iterator[Any]:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    url = f"sqlite:///{tmp_path_factory.mktemp(profile_name) / 'bot.db'}"
    migrate.upgrade(url)
    stack = make_stack(url, org_profile=profile_name)
    profile = load_profile(profile_name)
    if demo_data:
        with stack.bot_app.assembly.services.db.session() as session, session.begin():
            seed_demo(session, profile, today=datetime.now(BANGKOK).date())
    install_menus(stack.emulator, profile_name)
    stack.emulator.app.extensions["line_emulator"].config["BOT_NAME"] = profile.name  # as `smartservice demo` sets it
    try:
        yield stack
    finally:
        stack.close()
