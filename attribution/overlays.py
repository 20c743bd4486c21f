"""Overlays (boxes scripts laid over the visited page: in-page push banners, interstitials, click traps) and
the windows they led to: which box a window came from, and the network whose script made the box.

A window came from an overlay when it followed the link the box held, or a link inside the frame it held, or
when it opened in the step where the visit clicked the box (its own `click_overlay` step, or a click of the
visit's that landed inside a box already found)."""

from __future__ import annotations

from moneytrail.crawler.observation import AdLink, Observation, Overlay, WindowRecord

from .requests import RequestNetworks
from .signatures import Signatures


def overlay_network(overlay: Overlay, rn: RequestNetworks, sigs: Signatures) -> str | None:
    """The network of the script that made the box: the outermost network script of its creation stack (the
    tag that decided to show it, not a helper it borrowed), else the network of the frame it holds."""
    found = next((n for n in (rn.network_of_url(u, sigs) for u in reversed(overlay.stack)) if n), None)
    if found is None and overlay.frame_url:
        found = rn.network_of_url(overlay.frame_url, sigs)
    return found


def _within(obs: Observation, inner: str, outer: str) -> bool:
    """Is the frame at URL `inner` the frame at URL `outer`, or inside it?"""
    if inner == outer:
        return True
    frames = {f.id: f for f in obs.frames}
    for frame in (f for f in obs.frames if f.url == inner):
        seen: set[int] = set()
        while frame.parent is not None and frame.parent in frames and frame.id not in seen:
            seen.add(frame.id)
            frame = frames[frame.parent]
            if frame.url == outer:
                return True
    return False


def _click_point(detail: str) -> tuple[int, int] | None:
    x, _, y = detail.partition(",")
    try:
        return int(float(x)), int(float(y))
    except ValueError:
        return None


def overlay_of(obs: Observation, window: WindowRecord, link: AdLink | None) -> Overlay | None:
    """The overlay a window came from, if it came from one that shows an ad (a transparent click trap shows
    none: what it opens is the pop-under it was laid for, attributed as such)."""
    boxes = [o for o in obs.overlays if not o.trap()]
    if not boxes:
        return None
    if link is not None:
        return next(
            (
                o
                for o in boxes
                if (o.link and o.link == link.url)
                or (link.where == "frame" and o.frame_url and _within(obs, link.frame_url, o.frame_url))
            ),
            None,
        )
    if window.kind != "popup":
        return None
    clicked = next((o for o in boxes if o.step is not None and o.step == window.step), None)
    if clicked is not None:
        return clicked
    step = next((s for s in obs.steps if s.n == window.step), None)
    point = _click_point(step.detail) if step is not None and step.action.startswith("click") else None
    if point is None:
        return None
    x, y = point
    return next(
        (o for o in boxes if o.at <= step.at and o.x <= x <= o.x + o.width and o.y <= y <= o.y + o.height),
        None,
    )
