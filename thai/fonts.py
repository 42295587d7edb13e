"""Where the Thai font lives: Sarabun from the fontpkg-sarabun package, Debian's
TLWG Laksaman (a Sarabun-like face) when the package is missing. Never downloaded."""
from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

Weight = Literal["Regular", "Bold", "SemiBold", "Light"]

_TLWG = Path("/usr/share/fonts/truetype/tlwg")


@cache
def thai_font(weight: Weight = "Regular") -> Path:
    try:
        import fontpkg_sarabun
    except ImportError:
        fallback = _TLWG / ("Laksaman-Bold.ttf" if weight in ("Bold", "SemiBold") else "Laksaman.ttf")
        if fallback.is_file():
            return fallback
        raise RuntimeError("no Thai font: install fontpkg-sarabun (pip) or fonts-thai-tlwg (apt)") from None
    path = fontpkg_sarabun.ROOT / "files" / f"Sarabun-{weight}.ttf"
    if not path.is_file():
        raise RuntimeError(f"fontpkg-sarabun has no {path.name}")
    return path
