"""A visitor's hand (crawler/gestures.py): paths that reach their target along a curve, never a target's exact
centre, the same gestures for the same visit."""

from __future__ import annotations

import math
from types import SimpleNamespace

from moneytrail.crawler.gestures import Hand


def hand(seed: str = "visit-1") -> Hand:
    return Hand(SimpleNamespace(viewport_size={"width": 1280, "height": 800}), touch=False, seed=seed)


def test_a_path_ends_on_its_target_bent_and_in_several_steps():
    h = hand()
    start = (h.x, h.y)
    path = h.path(900, 600)
    assert path[-1] == (900, 600) and len(path) >= 6
    # not a straight line: some point lies well off the chord from start to target
    (x0, y0), (x1, y1) = start, (900, 600)
    chord = math.hypot(x1 - x0, y1 - y0)
    off = max(abs((x1 - x0) * (y0 - py) - (x0 - px) * (y1 - y0)) / chord for px, py in path)
    assert off > 2
    assert all(0 < px < 1280 and 0 < py < 800 for px, py in path)


def test_targets_are_hit_off_centre_inside_them():
    h = hand()
    for _ in range(200):
        x, y = h.near(640, 400, 300, 200)
        assert 640 - 120 <= x <= 640 + 120 and 400 - 80 <= y <= 400 + 80
        assert math.hypot(x - 640, y - 400) >= 2.5
    bare = [hand(str(i)).near(12, 300) for i in range(50)]
    assert all(0 < x < 40 and math.hypot(x - 12, y - 300) >= 2.5 for x, y in bare)


def test_the_same_visit_moves_the_same_way():
    assert hand("a").path(500, 500) == hand("a").path(500, 500)
    assert hand("a").path(500, 500) != hand("b").path(500, 500)
