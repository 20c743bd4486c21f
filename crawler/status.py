"""A visit's status, decided in one place: pure functions of the facts of how the visit ended.

    ok       the page loaded and the visit behaved on it
    hostile  the page loaded, then fought the visitor (its signals say how), or redirected in a loop
    dead     the page did not load (a network error, HTTP 400 or more, no page could be opened)
    timeout  the page's document did not arrive in time, or the visit would not end in time
    crashed  the visited page's renderer crashed, or the browser went away during the visit (retried once)

Hostile signals: unresponsive (an interaction got no answer), dialog_storm, popup_storm, history_spam,
forced_download (a download before any click), beforeunload_trap, oversized_page, redirect_loop, frame_storm (a
script went on adding frames past limits.frame_storm), write_flood (scripts wrote past limits.write_flood),
request_flood (a window's scripts opened more than max_websockets sockets or request_flood requests)."""

from __future__ import annotations

from dataclasses import dataclass

from .limits import Limits
from .observation import STATUSES, Observation, clip

PASSIVE_STEPS = ("load", "scroll")  # a visit's steps before its first click (crawler/visit.py)

__all__ = ["STATUSES", "Ending", "conclude", "decide", "hostile_signals", "navigation_status"]


@dataclass(frozen=True)
class Ending:
    """How a visit ended, as facts."""

    navigation_error: str | None = None  # why the visited page did not load
    http_status: int | None = None
    crashed: bool = False  # the visited page's renderer crashed, or the browser went away
    overran: bool = False  # the visit went over its time limit and was cut
    hostile: tuple[str, ...] = ()  # hostile signals seen during the visit


def navigation_status(error: str | None, http_status: int | None) -> tuple[str, list[str]]:
    """The status a visit has once its navigation ended (ok means: go on and behave), with hostile signals."""
    if error:
        if "ERR_TOO_MANY_REDIRECTS" in error:
            return "hostile", ["redirect_loop"]
        if "Timeout" in error or "timed out" in error:
            return "timeout", []
        return "dead", []
    if http_status is not None and http_status >= 400:
        return "dead", []
    return "ok", []


def hostile_signals(
    obs: Observation,
    limits: Limits,
    *,
    history_calls: int,
    unresponsive: bool,
    oversized_document: bool,
    frame_storm: bool,
    write_flood: bool,
    request_flood: bool,
    popup_flood: bool,
) -> list[str]:
    """What in a visit's observation (and its recorder's counters) shows a page fighting its visitor."""
    signals = []
    if history_calls >= limits.history_spam:
        signals.append("history_spam")
    if len(obs.dialogs) + obs.limits.get("dialogs", 0) >= limits.dialog_storm:
        signals.append("dialog_storm")
    if obs.limits.get("popups") or popup_flood:  # windows closed at once, or not opened at all
        signals.append("popup_storm")
    before_clicks = {s.n for s in obs.steps if s.action in PASSIVE_STEPS} | {0, 1}
    if any(d.step in before_clicks for d in obs.downloads):  # however late the page's load event came
        signals.append("forced_download")
    if any(d.type == "beforeunload" and d.page == 0 for d in obs.dialogs):  # it asked the visitor to stay
        signals.append("beforeunload_trap")
    if unresponsive:
        signals.append("unresponsive")
    if oversized_document:
        signals.append("oversized_page")
    if frame_storm:
        signals.append("frame_storm")
    if write_flood:
        signals.append("write_flood")
    if request_flood:
        signals.append("request_flood")
    return signals


def decide(ending: Ending) -> tuple[str, str | None, list[str]]:
    """(status, error, hostile signals) of a visit that ended so."""
    status, signals = navigation_status(ending.navigation_error, ending.http_status)
    hostile = sorted(set(ending.hostile) | set(signals))
    error = clip(ending.navigation_error, 500) if ending.navigation_error else None
    if status == "dead" and not error:
        error = f"HTTP {ending.http_status}"
    if ending.overran:
        status, error = "timeout", error or "the visit went over its time limit"
    elif ending.crashed:
        status, error = "crashed", error or "the page's renderer crashed"
    elif status == "ok" and hostile:
        status = "hostile"
    return status, error, hostile


def conclude(obs: Observation, ending: Ending) -> Observation:
    """Set the observation's status, error and hostile signals from how the visit ended."""
    obs.status, obs.error, obs.hostile = decide(ending)
    obs.http_status = ending.http_status
    return obs
