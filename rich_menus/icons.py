"""Our own simple icons, drawn with Pillow shapes in a unit square.

Each function draws in ``fg`` on a background ``bg`` (used to cut holes) inside
the square ``box`` = (left, top, size). The image is drawn at twice its final
size and scaled down, which smooths the edges.
"""
from __future__ import annotations

from collections.abc import Callable
from math import cos, pi, sin

from PIL import ImageDraw, ImageFont

Colour = str | tuple[int, int, int]


class Pen:
    def __init__(self, draw: ImageDraw.ImageDraw, box: tuple[float, float, float], fg: Colour, bg: Colour,
                 font: Callable[[int], ImageFont.FreeTypeFont]) -> None:
        self.draw, self.fg, self.bg, self.font = draw, fg, bg, font
        self.left, self.top, self.size = box
        self.w = max(2, round(self.size * 0.075))  # stroke width

    def p(self, u: float, v: float) -> tuple[float, float]:
        return (self.left + u * self.size, self.top + v * self.size)

    def r(self, u0: float, v0: float, u1: float, v1: float) -> list[float]:
        return [*self.p(u0, v0), *self.p(u1, v1)]

    def rect(self, u0: float, v0: float, u1: float, v1: float, *, radius: float = 0.06,
             fill: bool = False, hole: bool = False) -> None:
        colour = self.bg if hole else self.fg
        self.draw.rounded_rectangle(self.r(u0, v0, u1, v1), radius=radius * self.size,
                                    fill=colour if fill or hole else None,
                                    outline=None if fill or hole else self.fg, width=self.w)

    def ellipse(self, u0: float, v0: float, u1: float, v1: float, *, fill: bool = False, hole: bool = False) -> None:
        colour = self.bg if hole else self.fg
        self.draw.ellipse(self.r(u0, v0, u1, v1), fill=colour if fill or hole else None,
                          outline=None if fill or hole else self.fg, width=self.w)

    def line(self, *points: tuple[float, float], width: float = 1.0) -> None:
        self.draw.line([self.p(u, v) for u, v in points], fill=self.fg, width=round(self.w * width), joint="curve")
        for u, v in (points[0], points[-1]):  # round caps
            x, y = self.p(u, v)
            half = self.w * width / 2
            self.draw.ellipse([x - half, y - half, x + half, y + half], fill=self.fg)

    def polygon(self, *points: tuple[float, float], hole: bool = False) -> None:
        self.draw.polygon([self.p(u, v) for u, v in points], fill=self.bg if hole else self.fg)

    def arc(self, u0: float, v0: float, u1: float, v1: float, start: float, end: float, width: float = 1.0) -> None:
        self.draw.arc(self.r(u0, v0, u1, v1), start, end, fill=self.fg, width=round(self.w * width))

    def glyph(self, u: float, v: float, text: str, height: float, *, hole: bool = False) -> None:
        font = self.font(round(height * self.size))
        self.draw.text(self.p(u, v), text, font=font, fill=self.bg if hole else self.fg, anchor="mm")


def _person(p: Pen, u: float = 0.5, scale: float = 1.0) -> None:
    p.ellipse(u - 0.14 * scale, 0.12, u + 0.14 * scale, 0.40, fill=True)
    p.draw.chord(p.r(u - 0.30 * scale, 0.46, u + 0.30 * scale, 1.06), 180, 360, fill=p.fg)


def person(p: Pen) -> None:
    _person(p)


def register(p: Pen) -> None:
    _person(p, 0.40)
    p.ellipse(0.56, 0.50, 0.96, 0.90, fill=True)
    p.line((0.76, 0.58), (0.76, 0.82), width=0.9)
    p.draw.line([p.p(0.64, 0.70), p.p(0.88, 0.70)], fill=p.bg, width=round(p.w * 0.9))
    p.draw.line([p.p(0.76, 0.58), p.p(0.76, 0.82)], fill=p.bg, width=round(p.w * 0.9))


def _document(p: Pen, u0: float = 0.2, v0: float = 0.08, u1: float = 0.8, v1: float = 0.92) -> None:
    p.rect(u0, v0, u1, v1, radius=0.06)


def bill(p: Pen) -> None:
    _document(p)
    for v in (0.26, 0.38):
        p.line((0.32, v), (0.68, v), width=0.7)
    p.glyph(0.5, 0.66, "฿", 0.36)


def receipt(p: Pen) -> None:
    teeth = 5
    top, bottom, left, right = 0.08, 0.92, 0.2, 0.8
    zigzag = [(left + (right - left) * i / (2 * teeth), bottom - (0.06 if i % 2 else 0)) for i in range(2 * teeth + 1)]
    outline = [(left, top), (right, top), *reversed(zigzag), (left, top)]
    p.draw.line([p.p(u, v) for u, v in outline], fill=p.fg, width=p.w, joint="curve")
    for v in (0.26, 0.40):
        p.line((0.32, v), (0.68, v), width=0.7)
    p.line((0.34, 0.62), (0.46, 0.74), (0.68, 0.52))


def upload(p: Pen) -> None:
    """Send a photo of the transfer slip: an arrow up out of a tray."""
    p.line((0.14, 0.60), (0.14, 0.86), (0.86, 0.86), (0.86, 0.60))
    p.line((0.50, 0.70), (0.50, 0.22))
    p.polygon((0.50, 0.06), (0.74, 0.34), (0.26, 0.34))


def phone(p: Pen) -> None:
    p.rect(0.28, 0.06, 0.72, 0.94, radius=0.1, fill=True)
    p.rect(0.33, 0.16, 0.67, 0.76, radius=0.02, hole=True)
    p.ellipse(0.45, 0.80, 0.55, 0.90, hole=True)


def headset(p: Pen) -> None:
    p.arc(0.16, 0.10, 0.84, 0.78, 180, 360)
    p.line((0.16, 0.44), (0.16, 0.52))
    p.line((0.84, 0.44), (0.84, 0.52))
    p.rect(0.10, 0.42, 0.30, 0.74, radius=0.08, fill=True)
    p.rect(0.70, 0.42, 0.90, 0.74, radius=0.08, fill=True)
    p.arc(0.40, 0.40, 0.80, 0.90, 0, 90)
    p.ellipse(0.44, 0.82, 0.62, 0.94, fill=True)


def megaphone(p: Pen) -> None:
    p.polygon((0.14, 0.38), (0.58, 0.16), (0.58, 0.80), (0.14, 0.60))
    p.rect(0.08, 0.36, 0.22, 0.62, radius=0.04, fill=True)
    p.polygon((0.24, 0.60), (0.36, 0.62), (0.42, 0.86), (0.30, 0.86))
    p.arc(0.56, 0.30, 0.76, 0.66, 300, 60, width=0.8)
    p.arc(0.56, 0.18, 0.92, 0.78, 305, 55, width=0.8)


def store(p: Pen) -> None:
    p.rect(0.16, 0.44, 0.84, 0.90, radius=0.03)
    stripes = 4
    for i in range(stripes):
        u0 = 0.10 + 0.80 * i / stripes
        u1 = 0.10 + 0.80 * (i + 1) / stripes
        p.polygon((u0 + 0.04, 0.14), (u1 - 0.0, 0.14), (u1, 0.34), (u0, 0.34))
        p.draw.pieslice(p.r(u0, 0.24, u1, 0.46), 0, 180, fill=p.fg)
    p.rect(0.42, 0.62, 0.58, 0.90, radius=0.02, fill=True)


def search(p: Pen) -> None:
    p.ellipse(0.12, 0.10, 0.64, 0.62)
    p.line((0.58, 0.58), (0.86, 0.86), width=1.6)


def pin(p: Pen) -> None:
    p.draw.pieslice(p.r(0.22, 0.06, 0.78, 0.62), 180, 360, fill=p.fg)
    p.polygon((0.22, 0.34), (0.78, 0.34), (0.5, 0.94))
    p.draw.chord(p.r(0.22, 0.06, 0.78, 0.62), 0, 180, fill=p.fg)
    p.ellipse(0.39, 0.23, 0.61, 0.45, hole=True)


def question(p: Pen) -> None:
    p.ellipse(0.08, 0.08, 0.92, 0.92)
    p.glyph(0.5, 0.5, "?", 0.62)


def complaint(p: Pen) -> None:
    p.rect(0.08, 0.12, 0.92, 0.70, radius=0.12, fill=True)
    p.polygon((0.26, 0.66), (0.46, 0.66), (0.22, 0.90))
    p.rect(0.465, 0.22, 0.535, 0.48, radius=0.03, hole=True)
    p.ellipse(0.46, 0.53, 0.54, 0.61, hole=True)


def heart(p: Pen) -> None:
    points = []
    for i in range(73):
        t = 2 * pi * i / 72
        x = 16 * sin(t) ** 3
        y = 13 * cos(t) - 5 * cos(2 * t) - 2 * cos(3 * t) - cos(4 * t)
        points.append((0.5 + x / 38, 0.46 - y / 38))
    p.polygon(*points)


def coins(p: Pen) -> None:
    for v in (0.62, 0.46, 0.30):
        p.draw.rectangle(p.r(0.16, v + 0.08, 0.64, v + 0.20), fill=p.fg)
        p.ellipse(0.16, v + 0.12, 0.64, v + 0.28, fill=True)
        p.ellipse(0.16, v, 0.64, v + 0.16, fill=True)
        p.draw.arc(p.r(0.16, v, 0.64, v + 0.16), 0, 180, fill=p.bg, width=max(1, p.w // 2))
    p.ellipse(0.52, 0.10, 0.92, 0.50, fill=True)
    p.glyph(0.72, 0.30, "฿", 0.30, hole=True)


def form(p: Pen) -> None:
    _document(p, 0.14, 0.08, 0.70, 0.92)
    for v in (0.26, 0.40, 0.54):
        p.line((0.26, v), (0.58, v), width=0.7)
    p.polygon((0.86, 0.36), (0.94, 0.44), (0.62, 0.80), (0.52, 0.84), (0.56, 0.72))


def calendar(p: Pen) -> None:
    p.rect(0.10, 0.16, 0.90, 0.90, radius=0.08)
    p.draw.rounded_rectangle(p.r(0.10, 0.16, 0.90, 0.36), radius=0.08 * p.size, fill=p.fg)
    p.line((0.30, 0.08), (0.30, 0.24))
    p.line((0.70, 0.08), (0.70, 0.24))
    p.line((0.32, 0.62), (0.46, 0.76), (0.70, 0.50))


def ticket(p: Pen) -> None:
    p.rect(0.06, 0.24, 0.94, 0.76, radius=0.06, fill=True)
    p.ellipse(-0.04, 0.40, 0.16, 0.60, hole=True)
    p.ellipse(0.84, 0.40, 1.04, 0.60, hole=True)
    p.glyph(0.5, 0.49, "Q", 0.34, hole=True)


def droplet(p: Pen) -> None:
    p.draw.chord(p.r(0.20, 0.34, 0.80, 0.94), 0, 180, fill=p.fg)
    p.draw.chord(p.r(0.20, 0.34, 0.80, 0.94), 180, 360, fill=p.fg)
    p.polygon((0.5, 0.04), (0.21, 0.58), (0.79, 0.58))


def faucet(p: Pen) -> None:
    p.rect(0.08, 0.30, 0.62, 0.46, radius=0.04, fill=True)
    p.rect(0.48, 0.30, 0.66, 0.62, radius=0.04, fill=True)
    p.rect(0.28, 0.16, 0.38, 0.30, radius=0.0, fill=True)
    p.rect(0.16, 0.10, 0.50, 0.18, radius=0.04, fill=True)
    p.draw.chord(p.r(0.50, 0.70, 0.64, 0.92), 0, 180, fill=p.fg)
    p.polygon((0.57, 0.66), (0.50, 0.81), (0.64, 0.81))


ICONS: dict[str, Callable[[Pen], None]] = {
    fn.__name__: fn for fn in (
        person, register, bill, receipt, upload, phone, headset, megaphone, store, search, pin,
        question, complaint, heart, coins, form, calendar, ticket, droplet, faucet,
    )
}
