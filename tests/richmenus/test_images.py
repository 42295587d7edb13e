"""Rich-menu images: LINE's limits, the organisation's colours, Thai labels."""
from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import pytest
from PIL import Image, ImageFont, features

import rich_menus
from config.profile import bundled_profiles, load_profile
from rich_menus.image import _font, render_image

CASES = [(name, menu.key) for name in bundled_profiles() for menu in rich_menus.menus_for(load_profile(name))]


def test_pillow_has_raqm_for_thai_marks():
    assert features.check("raqm")
    assert _font("Bold", 40).layout_engine == ImageFont.Layout.RAQM


@pytest.mark.parametrize(("profile_name", "key"), CASES)
def test_image_meets_line_limits(profile_name, key):
    profile = load_profile(profile_name)
    menu = rich_menus.load_definitions()[key]
    data = render_image(menu, profile)
    assert len(data) <= 1_000_000
    image = Image.open(io.BytesIO(data))
    assert image.format in ("PNG", "JPEG")
    assert image.size == (menu.width, menu.height) and image.size in ((2500, 1686), (2500, 843))
    for area in menu.areas:
        assert area.x >= 0 and area.x + area.width <= image.width
        assert area.y >= 0 and area.y + area.height <= image.height


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))


def test_image_uses_the_organisation_colours_and_is_stable():
    for name in ("tenant", "municipality"):
        profile = load_profile(name)
        menu = rich_menus.member_menu(profile)
        data = render_image(menu, profile)
        assert render_image(menu, profile) == data  # deploy's hash relies on it
        image = Image.open(io.BytesIO(data)).convert("RGB")
        colours = dict((c, n) for n, c in image.getcolors(maxcolors=1_000_000))
        total = image.width * image.height
        assert colours.get(_rgb(profile.colours.primary), 0) > total * 0.05   # icon discs
        assert colours.get(_rgb(profile.colours.secondary), 0) > total * 0.02  # frame
        assert colours.get((255, 255, 255), 0) > total * 0.4                  # cards


def test_each_tile_has_its_icon_disc_at_the_centre_line():
    profile = load_profile("cooperative")
    menu = rich_menus.member_menu(profile)
    image = Image.open(io.BytesIO(render_image(menu, profile))).convert("RGB")
    primary = _rgb(profile.colours.primary)
    for area in menu.areas:
        column = [image.getpixel((area.x + area.width // 2 - 60, y)) for y in range(area.y, area.y + area.height)]
        assert column.count(primary) > 100, area.label


def test_a_label_too_long_for_its_tile_is_refused():
    raw = rich_menus.load_definitions()["cooperative"]
    long_area = dataclasses.replace(raw.areas[0], label="จองคิวออนไลน์สำหรับสมาชิกสหกรณ์ออมทรัพย์ครูทุกท่านได้ที่นี่เลย")
    menu = dataclasses.replace(raw, areas=(long_area, *raw.areas[1:]))
    with pytest.raises(rich_menus.ImageError, match="does not fit"):
        render_image(menu, load_profile("cooperative"))


def test_docs_show_every_menu_image():
    docs = Path(__file__).resolve().parents[2] / "docs" / "images"
    for key, menu in rich_menus.load_definitions().items():
        image = Image.open(docs / f"richmenu-{key}.png")
        assert image.size == (menu.width, menu.height)
