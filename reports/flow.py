"""The money flow as a picture: who pays whom, advertisers -> ad networks -> sites, drawn by matplotlib as a
flow (sankey) diagram: one column per role, a bar per party as tall as the ads through it, and a band per
pair as wide as the ads between them.

`flows` collapses the link rows to a readable picture: the largest parties of each role by ads, the others
as one "other ..." bar. Labels come from crawled pages (advertiser domains): they are clipped, stripped of
control characters and of what matplotlib would read as markup (`$` starts mathtext)."""

from __future__ import annotations

import re

import pandas as pd

STAGES = ("advertiser", "network", "site")
TOP = {"advertiser": 10, "network": 8, "site": 10}
OTHER = {"advertiser": "other advertisers", "network": "other networks", "site": "other sites"}
GAP = 0.02  # of the column's height, between two bars
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def flows(links: pd.DataFrame, stages=STAGES, top: dict | None = None) -> pd.DataFrame:
    """(advertiser, network, site, ads) rows: the links' ads, each role's smaller parties as one."""
    top = top or TOP
    if not len(links):
        return pd.DataFrame(columns=[*stages, "ads"])
    out = links[[*stages, "ads"]].copy()
    for stage in stages:
        out[stage] = out[stage].fillna("").astype(str)
        biggest = out.groupby(stage)["ads"].sum().sort_values(ascending=False, kind="stable")
        keep = set(biggest.head(top[stage]).index)
        out[stage] = out[stage].where(out[stage].isin(keep), OTHER[stage])
    out = out.groupby(list(stages), as_index=False)["ads"].sum()
    return out.sort_values(["ads", *stages], ascending=[False, *[True] * len(stages)]).reset_index(drop=True)


def label(text: str, n: int = 32) -> str:
    text = CONTROL.sub(" ", str(text))
    text = text if len(text) <= n else text[: n - 1] + "…"
    return text.replace("$", r"\$")  # a literal dollar: never mathtext


def _layout(totals: pd.Series) -> dict[str, tuple[float, float]]:
    """Each party's (bottom, top) in a column of height 1, the largest first (at the top)."""
    gaps = GAP * max(0, len(totals) - 1)
    scale = (1 - gaps) / float(totals.sum())
    spans, top = {}, 1.0
    for name, value in totals.items():
        height = float(value) * scale
        spans[name] = (top - height, top)
        top -= height + GAP
    return spans


def _band(ax, x0: float, x1: float, left: tuple[float, float], right: tuple[float, float], colour: str) -> None:
    import numpy as np

    t = np.linspace(0, 1, 40)
    ease = t * t * (3 - 2 * t)  # a smooth step from one column to the next
    xs = x0 + (x1 - x0) * t
    low = left[0] + (right[0] - left[0]) * ease
    high = left[1] + (right[1] - left[1]) * ease
    ax.fill_between(xs, low, high, color=colour, alpha=0.45, linewidth=0)


def draw(ax, data: pd.DataFrame, stages=STAGES, weight: str = "ads", colours=("#c0392b",)) -> None:
    """The flow diagram of `data` (one column per stage, `weight` per row) on the matplotlib axes `ax`."""
    xs = [i / (len(stages) - 1) for i in range(len(stages))]
    width = 0.025
    totals = [data.groupby(stage)[weight].sum().sort_values(ascending=False, kind="stable") for stage in stages]
    layouts = [_layout(t) for t in totals]
    colour_of = {name: colours[i % len(colours)] for i, name in enumerate(layouts[0])}
    # each party's bands take the colour of the first-column party that brings it the most
    root = {stages[0]: {name: name for name in layouts[0]}}
    for stage in stages[1:]:
        into = data.groupby([stage, stages[0]])[weight].sum().reset_index()
        best = into.sort_values(weight, ascending=False, kind="stable").drop_duplicates(stage)
        root[stage] = dict(zip(best[stage], best[stages[0]], strict=True))
    for i in range(len(stages) - 1):
        source, target = stages[i], stages[i + 1]
        pairs = data.groupby([source, target], as_index=False)[weight].sum()
        rank_s = {name: n for n, name in enumerate(layouts[i])}
        rank_t = {name: n for n, name in enumerate(layouts[i + 1])}
        scale_s = {n: (b - a) / float(totals[i][n]) for n, (a, b) in layouts[i].items()}
        scale_t = {n: (b - a) / float(totals[i + 1][n]) for n, (a, b) in layouts[i + 1].items()}
        rows = [(getattr(r, source), getattr(r, target), float(getattr(r, weight))) for r in pairs.itertuples()]
        left, right = {}, {}
        used = {name: span[1] for name, span in layouts[i].items()}
        for a, b, w in sorted(rows, key=lambda r: (rank_s[r[0]], rank_t[r[1]])):  # leaving: the targets' order
            left[a, b] = (used[a] - w * scale_s[a], used[a])
            used[a] = left[a, b][0]
        used = {name: span[1] for name, span in layouts[i + 1].items()}
        for a, b, w in sorted(rows, key=lambda r: (rank_t[r[1]], rank_s[r[0]])):  # arriving: the sources' order
            right[a, b] = (used[b] - w * scale_t[b], used[b])
            used[b] = right[a, b][0]
        for a, b, _ in rows:
            colour = colour_of.get(root[source].get(a, ""), "#636363")
            _band(ax, xs[i] + width, xs[i + 1] - width, left[a, b], right[a, b], colour)
    for i, layout in enumerate(layouts):
        for name, (bottom, top) in layout.items():
            ax.add_patch(_bar(xs[i] - width, bottom, 2 * width, top - bottom))
            x, align = (xs[i] - width * 1.6, "right") if i == 0 else (xs[i] + width * 1.6, "left")
            middle = 0 < i < len(xs) - 1  # its label lies over the bands: on a light box
            box = {"facecolor": "white", "alpha": 0.75, "edgecolor": "none", "pad": 0.5} if middle else None
            ax.text(x, (bottom + top) / 2, label(name), ha=align, va="center", fontsize=7, bbox=box)
    for i, stage in enumerate(stages):
        ax.text(xs[i], 1.04, stage + "s", ha="center", va="bottom", fontsize=8, fontweight="bold")
    ax.set_xlim(-0.42, 1.42)
    ax.set_ylim(-0.02, 1.1)
    ax.axis("off")


def _bar(x, y, w, h):
    from matplotlib.patches import Rectangle

    return Rectangle((x, y), w, h, color="#333333")
