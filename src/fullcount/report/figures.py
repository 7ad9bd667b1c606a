"""The report's figures, drawn with matplotlib and embedded as SVG data (text drawn as
paths, so a figure looks the same in every browser and in the PDF, with no font or
network needed)."""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")   # no display; must precede pyplot
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

_INK = "#22313f"
_ACCENT = "#c0392b"
_MUTED = "#7a8fa6"

plt.rcParams.update({"svg.fonttype": "path", "font.size": 9, "axes.spines.top": False,
                     "axes.spines.right": False, "svg.hashsalt": "fullcount"})


def _svg(figure: Figure) -> str:
    """The figure as a ``data:`` URI (and the figure closed)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(figure)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


@dataclass(frozen=True)
class Interval:
    label: str
    point: float
    lower: float
    upper: float
    highlight: bool = False


def overlaps_figure(lists: Sequence[str], patterns: Sequence[tuple[int, ...]],
                    counts: Sequence[int], *, top: int = 20) -> str:
    """An UpSet-style figure: people per combination of lists (bars) above a matrix of
    dots saying which lists each combination is, and each list's size at the side."""
    order = sorted(range(len(counts)), key=lambda i: -counts[i])[:top]
    k = len(lists)
    figure, (bars, matrix) = plt.subplots(
        2, 1, figsize=(max(5.0, 0.38 * len(order) + 2.5), 2.6 + 0.28 * k),
        gridspec_kw={"height_ratios": [3, max(1, 0.35 * k)], "hspace": 0.05})
    xs = range(len(order))
    heights = [counts[i] for i in order]
    bars.bar(xs, heights, color=_INK, width=0.6)
    for x, h in zip(xs, heights, strict=True):
        bars.text(x, h, f"{h:,}", ha="center", va="bottom", fontsize=7)
    bars.set_ylabel("people")
    bars.set_xticks([])
    bars.set_xlim(-0.6, len(order) - 0.4)
    for x, i in enumerate(order):
        on = [j for j in range(k) if patterns[i][j]]
        matrix.scatter([x] * k, range(k), s=30, color="#dddddd", zorder=1)
        matrix.scatter([x] * len(on), on, s=30, color=_INK, zorder=2)
        if len(on) > 1:
            matrix.plot([x, x], [min(on), max(on)], color=_INK, lw=1.5, zorder=1)
    sizes = [sum(c for p, c in zip(patterns, counts, strict=True) if p[j]) for j in range(k)]
    matrix.set_yticks(range(k), [f"{name} ({size:,})" for name, size
                                 in zip(lists, sizes, strict=True)])
    matrix.set_xticks([])
    matrix.set_xlim(-0.6, len(order) - 0.4)
    matrix.set_ylim(-0.6, k - 0.4)
    matrix.invert_yaxis()
    for side in ("left", "bottom"):
        matrix.spines[side].set_visible(False)
    matrix.tick_params(left=False)
    return _svg(figure)


def intervals_figure(rows: Sequence[Interval], *, documented: float | None = None,
                     xlabel: str = "people") -> str:
    """Estimates as points with interval bars, one row each, with the documented count
    as a vertical line."""
    figure, axes = plt.subplots(figsize=(6.5, 0.9 + 0.32 * len(rows)))
    for y, row in enumerate(rows):
        colour = _ACCENT if row.highlight else _INK
        axes.plot([row.lower, row.upper], [y, y], color=colour, lw=2)
        axes.plot([row.point], [y], "o", color=colour, ms=5)
    axes.set_yticks(range(len(rows)), [r.label for r in rows])
    axes.invert_yaxis()
    if documented is not None:
        axes.axvline(documented, color=_MUTED, ls="--", lw=1)
        axes.annotate(f"documented {documented:,.0f}", (documented, -0.6),
                      color=_MUTED, fontsize=7, ha="left", va="bottom",
                      annotation_clip=False)
    axes.set_xlabel(xlabel)
    axes.xaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
    axes.grid(axis="x", color="#eeeeee")
    return _svg(figure)


def time_figure(months: Sequence[str], counts: Sequence[int]) -> str:
    """People by month of death."""
    figure, axes = plt.subplots(figsize=(6.5, 2.4))
    axes.bar(range(len(months)), counts, color=_INK, width=0.8)
    step = max(1, len(months) // 12)
    axes.set_xticks(range(0, len(months), step), months[::step], rotation=45, ha="right")
    axes.set_ylabel("people")
    axes.grid(axis="y", color="#eeeeee")
    return _svg(figure)


def bars_figure(labels: Sequence[str], counts: Sequence[int], *,
                xlabel: str = "people") -> str:
    """Horizontal bars, largest first (e.g. people by province)."""
    figure, axes = plt.subplots(figsize=(6.5, 0.8 + 0.22 * len(labels)))
    axes.barh(range(len(labels)), counts, color=_INK)
    axes.set_yticks(range(len(labels)), labels)
    axes.invert_yaxis()
    for y, c in enumerate(counts):
        axes.text(c, y, f" {c:,}", va="center", fontsize=7)
    axes.set_xlabel(xlabel)
    return _svg(figure)


def probability_figure(counts: Sequence[int], threshold: float,
                       band: tuple[float, float]) -> str:
    """Candidate pairs by match probability (20 bins, log scale), with the linking
    threshold and the band reviewers decide."""
    figure, axes = plt.subplots(figsize=(6.5, 2.2))
    edges = [i / 20 for i in range(20)]
    axes.bar(edges, [max(c, 0.8) for c in counts], width=0.05, align="edge", color=_INK,
             log=True)
    axes.axvspan(band[0], band[1], color="#f3d9d6", zorder=0)
    axes.axvline(threshold, color=_ACCENT, lw=1.5)
    axes.annotate(f"threshold {threshold:.2f}", (threshold, 1), xycoords=("data",
                  "axes fraction"), color=_ACCENT, fontsize=7, ha="left", va="top")
    axes.set_xlim(0, 1)
    axes.set_xlabel("match probability of the pair")
    axes.set_ylabel("candidate pairs")
    return _svg(figure)
