"""The money-flow picture (reports/flow.py): who pays whom, collapsed to a readable diagram, drawn whatever
the parties are called."""

from __future__ import annotations

import base64
from io import BytesIO

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from moneytrail.reports.flow import OTHER, flows, label
from moneytrail.reports.model import Chart
from moneytrail.reports.render import chart_png

CHART = Chart("flows", "Who pays whom", "flow", "flows", "advertiser", ["network", "site", "ads"])


def links(rows) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"site": s, "network": n, "advertiser": a, "ads": k, "kind": "popunder", "category": "x"}
            for a, n, s, k in rows
        ]
    )


def test_the_smaller_parties_of_each_role_become_one_and_no_ad_is_lost():
    rows = [(f"adv{i}.test", f"Net{i % 12}", f"site{i % 15}.test", i + 1) for i in range(40)]
    out = flows(links(rows))
    assert out["ads"].sum() == sum(k for *_, k in rows)
    assert out["advertiser"].nunique() == 11 and OTHER["advertiser"] in set(out["advertiser"])
    assert out["network"].nunique() == 9 and out["site"].nunique() == 11
    assert set(out.columns) == {"advertiser", "network", "site", "ads"}
    assert flows(links([])).empty


def test_the_picture_is_drawn_and_shows_the_flow():
    rows = [("casino.test", "PopAds", "streamvf.test", 7), ("casino.test", "ExoClick", "films.test", 2),
            ("shop.test", "PopAds", "films.test", 3)]  # fmt: skip
    png = chart_png(CHART, flows(links(rows)))
    image = Image.open(BytesIO(base64.b64decode(png))).convert("RGB")
    assert image.size[0] > 800
    colours = {image.getpixel((x, y)) for x in range(0, image.size[0], 7) for y in range(0, image.size[1], 7)}
    assert len(colours) > 20  # bands and bars, not a blank page
    assert chart_png(CHART, flows(links([]))) is None


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(st.text(min_size=0, max_size=60), st.text(max_size=20), st.text(max_size=20), st.integers(1, 50)),
        min_size=1,
        max_size=30,
    )
)
@pytest.mark.slow
def test_any_names_draw_without_markup_or_failure(rows):
    """Names chosen by crawled pages: mathtext, control characters, empty, long: always a picture."""
    assert chart_png(CHART, flows(links(rows))) is not None


def test_labels_are_literal_and_short():
    assert label("$\\frac{a}{b}$") == "\\$\\frac{a}{b}\\$"
    assert label("a\nb\x00c") == "a b c" and len(label("x" * 100)) == 32
