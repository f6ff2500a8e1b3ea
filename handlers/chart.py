"""The digest's chart: the three indicators as a PNG that reads well on a phone.

matplotlib is imported on first use, in a worker thread (its first import and font cache take a second
or more, which must not stall the bot), with the headless Agg backend and without pyplot, whose global
state is not thread-safe. Its cache goes to a temporary folder unless MPLCONFIGDIR says otherwise, so
nothing is written under $HOME.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import Sequence
from decimal import Decimal
from io import BytesIO

from handlers import replies
from models.indicators import Figure

WIDTH_IN, HEIGHT_IN, DPI = 8.0, 4.5, 160  # 1280 x 720 px: full width on a phone, text still large
COLORS = {"IKU-1": "#1f6fb2", "IKU-2": "#2e8b57", "IKU-3": "#c0642f"}
TRACK = "#e8ecf1"
TARGET = "#b3261e"  # the target mark across each bar


def _matplotlib():
    os.environ.setdefault("MPLCONFIGDIR", os.path.join(tempfile.gettempdir(), f"iku-bot-matplotlib-{os.getuid()}"))
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure as Canvas

    return Canvas, FigureCanvasAgg


def render_png(
    figures: Sequence[Figure], title: str, subtitle: str, targets: Sequence[Decimal | None] | None = None
) -> bytes:
    """Horizontal bars, 0–100 %, each labelled like the text (`2 dari 3 (66,67%)`), with each indicator's
    target (when set) drawn as a mark across its bar."""
    Canvas, FigureCanvasAgg = _matplotlib()
    fig = Canvas(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    FigureCanvasAgg(fig)
    fig.subplots_adjust(left=0.14, right=0.95, top=0.78, bottom=0.12)
    ax = fig.add_subplot()
    rows = list(range(len(figures)))
    values = [float(f.percent) if f.percent is not None else 0.0 for f in figures]
    ax.barh(rows, [100] * len(rows), color=TRACK, height=0.62)
    ax.barh(rows, values, color=[COLORS.get(f.indicator.code, "#555555") for f in figures], height=0.62)
    for row, figure, value in zip(rows, figures, values, strict=True):
        label = replies.ratio(figure)
        if value >= 55:
            ax.text(value - 1.5, row, label, va="center", ha="right", color="white", fontsize=15, fontweight="bold")
        else:
            ax.text(
                value + 1.5,
                row,
                label,
                va="center",
                ha="left",
                color="#222222",
                fontsize=15,
                fontweight="bold" if figure.percent is not None else "normal",
            )
    for row, target in zip(rows, targets or [None] * len(rows), strict=True):
        if target is None:
            continue
        x = float(target)
        ax.plot([x, x], [row - 0.42, row + 0.42], color=TARGET, linewidth=3, solid_capstyle="butt", clip_on=False)
        # Right-aligned near 100 %, so the label stays inside the picture.
        align = "right" if x >= 90 else "center"
        ax.text(x, row - 0.44, f"target {replies.percent(target)}", va="bottom", ha=align, color=TARGET, fontsize=10)
    ax.set_yticks(rows, [f.indicator.code for f in figures], fontsize=17, fontweight="bold")
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xticks([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"], fontsize=12)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.tick_params(axis="y", length=0)
    fig.text(0.03, 0.93, title, fontsize=19, fontweight="bold", ha="left", va="center")
    fig.text(0.03, 0.855, subtitle, fontsize=13, color="#555555", ha="left", va="center")
    out = BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()


async def png(
    figures: Sequence[Figure], title: str, subtitle: str, targets: Sequence[Decimal | None] | None = None
) -> bytes:
    return await asyncio.to_thread(render_png, list(figures), title, subtitle, targets)
