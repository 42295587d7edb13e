"""Rich-menu images drawn by Pillow from the definition and the profile colours.

Thai needs Pillow's raqm layout: the basic layout drops or misplaces tone marks.
Labels use Sarabun (fontpkg-sarabun), shrunk until every line fits its tile with
room for marks above and below, so nothing is clipped.
"""
from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

import fontpkg_sarabun
from PIL import Image, ImageDraw, ImageFont, features

from config.profile import OrgProfile

from .icons import ICONS, Pen
from .model import Area, MenuDefinition

SCALE = 2  # drawn at twice the size, then scaled down: smooth edges
# 80 px of a 2500 px wide menu is about 13 pt on a phone: still readable for the
# elderly. A label that only fits smaller must be shortened or split.
LABEL_MIN = 80 * SCALE
MAX_IMAGE_BYTES = 1_000_000
INK = "#1F2937"
CARD = "#FFFFFF"
FONT_DIR = Path(fontpkg_sarabun.ROOT) / "files"


class ImageError(RuntimeError):
    """The image cannot be drawn as LINE needs it."""


@lru_cache(maxsize=64)
def _font(weight: str, size: int) -> ImageFont.FreeTypeFont:
    if not features.check("raqm"):
        raise ImageError("Pillow has no raqm layout: Thai tone marks would be lost (apt-get install libraqm0)")
    return ImageFont.truetype(str(FONT_DIR / f"Sarabun-{weight}.ttf"), size, layout_engine=ImageFont.Layout.RAQM)


def _fit(draw: ImageDraw.ImageDraw, lines: list[str], weight: str, start: int, max_width: float,
         max_height: float) -> tuple[ImageFont.FreeTypeFont, int]:
    """The largest font (from ``start`` down) whose lines fit; returns it and the
    line pitch. Heights come from real glyph boxes, marks included."""
    size = start
    while size >= LABEL_MIN:
        font = _font(weight, size)
        pitch = round(size * 1.32)
        boxes = [draw.textbbox((0, 0), line, font=font, anchor="ls") for line in lines]
        widest = max(b[2] - b[0] for b in boxes)
        tallest = max(b[3] for b in boxes) - min(b[1] for b in boxes) + pitch * (len(lines) - 1) + size * 0.35
        if widest <= max_width and tallest <= max_height:
            return font, pitch
        size -= 4
    raise ImageError(f"label {' / '.join(lines)!r} does not fit its area at {LABEL_MIN // SCALE} px or more")


def _text_block(draw: ImageDraw.ImageDraw, lines: list[str], font: ImageFont.FreeTypeFont, pitch: int,
                centre_x: float, top: float, fill: object, within: tuple[float, float, float, float]) -> None:
    ascent, _ = font.getmetrics()
    for index, line in enumerate(lines):
        baseline = top + ascent + pitch * index
        box = draw.textbbox((centre_x, baseline), line, font=font, anchor="ms")
        if box[0] < within[0] or box[1] < within[1] or box[2] > within[2] or box[3] > within[3]:
            raise ImageError(f"label line {line!r} would be clipped")
        draw.text((centre_x, baseline), line, font=font, fill=fill, anchor="ms")


def _card(area: Area) -> tuple[float, float, float, float]:
    gap = 14 * SCALE
    x0, y0, x1, y1 = (v * SCALE for v in area.box)
    return (x0 + gap, y0 + gap, x1 - gap, y1 - gap)


def _tile_geometry(card: tuple[float, float, float, float]) -> tuple[float, float, float]:
    """Icon diameter, gap under the icon and the height left for the label."""
    width, height = card[2] - card[0], card[3] - card[1]
    diameter = min(width * 0.5, height * 0.44)
    gap = height * 0.06
    return diameter, gap, height * 0.92 - diameter - gap


def _tile_font(draw: ImageDraw.ImageDraw, tiles: list[Area]) -> tuple[ImageFont.FreeTypeFont, int]:
    """One label size for the whole menu (the size the tightest label allows), so
    the tiles read as one set."""
    fits = []
    for area in tiles:
        card = _card(area)
        _, _, room = _tile_geometry(card)
        width, height = card[2] - card[0], card[3] - card[1]
        fits.append(_fit(draw, (area.label or "").split("\n"), "Bold",
                         round(min(height * 0.125, 104 * SCALE)), width * 0.9, room))
    return min(fits, key=lambda fit: fit[0].size)


def _tile(draw: ImageDraw.ImageDraw, area: Area, font: ImageFont.FreeTypeFont, pitch: int, max_lines: int,
          profile: OrgProfile) -> None:
    """A white card: the icon in an organisation-coloured disc over the label.
    Icons sit at the same height in every tile of a row, however many lines
    the labels have."""
    card = _card(area)
    draw.rounded_rectangle(card, radius=36 * SCALE, fill=CARD)
    diameter, gap, _ = _tile_geometry(card)
    lines = (area.label or "").split("\n")
    ascent, descent = font.getmetrics()
    block = diameter + gap + ascent + descent + pitch * (max_lines - 1)
    top = card[1] + (card[3] - card[1] - block) / 2
    cx = (card[0] + card[2]) / 2
    primary = profile.colours.primary
    draw.ellipse((cx - diameter / 2, top, cx + diameter / 2, top + diameter), fill=primary)
    icon = diameter * 0.58
    pen = Pen(draw, (cx - icon / 2, top + (diameter - icon) / 2, icon), profile.colours.text_on_primary, primary,
              lambda px: _font("Bold", px))
    ICONS[area.icon or ""](pen)
    _text_block(draw, lines, font, pitch, cx, top + diameter + gap, INK, card)


def _tab(draw: ImageDraw.ImageDraw, area: Area, active: bool, font: ImageFont.FreeTypeFont, pitch: int,
         profile: OrgProfile) -> None:
    """The active tab is a white pill with the label in the organisation colour;
    the other tab is plain white text on the strip: tap it to switch."""
    card = _card(area)
    colours = profile.colours
    if active:
        draw.rounded_rectangle(card, radius=(card[3] - card[1]) / 2, fill=CARD)
    else:
        draw.rounded_rectangle(card, radius=(card[3] - card[1]) / 2, outline=colours.text_on_primary, width=4 * SCALE)
    ascent, descent = font.getmetrics()
    top = card[1] + (card[3] - card[1] - ascent - descent) / 2
    _text_block(draw, [area.tab or ""], font, pitch, (card[0] + card[2]) / 2, top,
                colours.primary if active else colours.text_on_primary, card)


def render_image(menu: MenuDefinition, profile: OrgProfile) -> bytes:
    """The PNG for ``menu`` in the organisation's colours; at most 1 MB."""
    s = SCALE
    image = Image.new("RGB", (menu.width * s, menu.height * s), profile.colours.secondary)
    draw = ImageDraw.Draw(image)
    tiles = [a for a in menu.areas if not a.tab]
    tabs = [a for a in menu.areas if a.tab]
    font, pitch = _tile_font(draw, tiles)
    lines_in_row: dict[int, int] = {}
    for area in tiles:
        lines_in_row[area.y] = max(lines_in_row.get(area.y, 1), len((area.label or "").split("\n")))
    for area in tiles:
        _tile(draw, area, font, pitch, lines_in_row[area.y], profile)
    if tabs:
        card = _card(tabs[0])
        tab_font, tab_pitch = min(
            (_fit(draw, [t.tab or ""], "Bold", round(84 * s), (card[2] - card[0]) * 0.8, (card[3] - card[1]) * 0.9)
             for t in tabs), key=lambda fit: fit[0].size)
        for area in tabs:
            _tab(draw, area, area.action.get("richMenuAliasId") == menu.alias, tab_font, tab_pitch, profile)
    final = image.resize((menu.width, menu.height), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    final.save(out, format="PNG", optimize=True)
    data = out.getvalue()
    if len(data) > MAX_IMAGE_BYTES:
        out = io.BytesIO()
        final.save(out, format="JPEG", quality=90, optimize=True)
        data = out.getvalue()
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageError(f"rich menu '{menu.key}' image is {len(data)} bytes; LINE allows {MAX_IMAGE_BYTES}")
    return data
