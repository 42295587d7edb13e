"""The chat simulator page and its assets (no CDN: fonts come from the fontpkg-sarabun package)."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, abort, render_template, send_from_directory

from emulator.state import emulator

bp = Blueprint("simulator", __name__, static_folder="static", static_url_path="/simulator/static",
               template_folder="templates")

FONT_FILES = {"regular": "Sarabun-Regular.ttf", "medium": "Sarabun-Medium.ttf", "bold": "Sarabun-Bold.ttf"}


def _font_dir() -> Path | None:
    try:
        import fontpkg_sarabun
    except ImportError:
        return None
    return Path(fontpkg_sarabun.ROOT) / "files"


@bp.get("/")
@bp.get("/simulator")
def page() -> str:
    # The header names the Official Account as the LINE app does, from the first paint on.
    return render_template("simulator.html", bot_name=emulator().config["BOT_NAME"])


@bp.get("/simulator/fonts/<weight>.ttf")
def font(weight: str) -> Response:
    folder = _font_dir()
    if folder is None or weight not in FONT_FILES or not (folder / FONT_FILES[weight]).exists():
        abort(404)
    return send_from_directory(folder, FONT_FILES[weight], mimetype="font/ttf", max_age=86400)
