"""Charts for staff reports (matplotlib, Agg) with Thai labels in Sarabun."""
from __future__ import annotations

import io
from collections.abc import Sequence
from decimal import Decimal
from functools import lru_cache

import matplotlib

matplotlib.use("Agg")  # no display on servers; must precede pyplot
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import font_manager  # noqa: E402

from thai.fonts import thai_font  # noqa: E402

NAVY = "#113566"


@lru_cache(maxsize=1)
def _thai_family() -> str:
    for weight in ("Regular", "Bold"):
        font_manager.fontManager.addfont(str(thai_font(weight)))
    return font_manager.FontProperties(fname=str(thai_font())).get_name()


def bar_chart_png(title: str, labels: Sequence[str], values: Sequence[Decimal | int | float], *,
                  y_label: str = "", width_in: float = 8, height_in: float = 4.5, dpi: int = 120) -> bytes:
    """A bar chart (e.g. amount collected per month) as PNG bytes."""
    if len(labels) != len(values):
        raise ValueError(f"{len(labels)} labels for {len(values)} values")
    family = _thai_family()
    # matplotlib lays text out with libraqm; telling it the language is Thai picks Thai shaping rules.
    with plt.rc_context({"font.family": family, "axes.unicode_minus": False, "text.language": "th"}):
        figure, axes = plt.subplots(figsize=(width_in, height_in), dpi=dpi)
        try:
            bars = axes.bar(list(labels), [float(v) for v in values], color=NAVY)
            axes.bar_label(bars, labels=[f"{float(v):,.0f}" for v in values], padding=2, fontsize=9)
            axes.set_title(title, fontsize=14, fontweight="bold")
            # Upright above the axis: rotated Thai loses its mark placement.
            axes.set_ylabel(y_label, rotation=0, ha="left", va="bottom")
            axes.yaxis.set_label_coords(-0.02, 1.02)
            axes.spines[["top", "right"]].set_visible(False)
            axes.yaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
            figure.tight_layout()
            buffer = io.BytesIO()
            figure.savefig(buffer, format="png")
        finally:
            plt.close(figure)
    return buffer.getvalue()
