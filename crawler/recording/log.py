"""What the parts of a Recorder share: the Observation being built, the visit's clock and numbered steps, its
limits, the pages and frames seen (numbered in the visit: page 0 is the one visited), and the background
captures still running."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from playwright.async_api import Page

from moneytrail.crawler.limits import Limits
from moneytrail.crawler.observation import FrameRecord, Notice, Observation, Step, clip

__all__ = ["VisitLog", "clip"]


class VisitLog:
    def __init__(self, obs: Observation, limits: Limits):
        self.obs, self.limits = obs, limits
        self.t0 = time.monotonic()
        self.step = 0
        self.last_activity = self.t0
        self.pages: dict[Page, int] = {}
        self.page_objects: dict[int, Page] = {}
        self.created: dict[int, tuple[float, str]] = {}  # page -> (when, its URL then)
        self.frames: dict[Any, int] = {}
        self.sessions: dict[int, Any] = {}  # page -> its CDP session, where a part needs it again (overlays)
        self.tasks: set[asyncio.Task] = set()
        self.screenshots: dict[str, bytes] = {}  # name -> JPEG bytes (written by the store)

    # --- time and steps ----------------------------------------------------------------------------------
    def now(self) -> float:
        return round(time.monotonic() - self.t0, 3)

    def begin_step(self, action: str, detail: str = "") -> int:
        self.step += 1
        self.obs.steps.append(Step(self.step, action, self.now(), detail))
        return self.step

    def touch(self, *_: Any) -> None:
        """Network or page activity: a visit waiting for quiet waits on."""
        self.last_activity = time.monotonic()

    def keep_screenshot(self, name: str, data: bytes) -> str:
        self.screenshots[name] = data
        return name

    # --- bounded records -----------------------------------------------------------------------------------
    def note(self, kind: str, text: str, page: int | None = None, caller: str | None = None) -> None:
        if len(self.obs.notices) < self.limits.max_notices:
            self.obs.notices.append(Notice(kind, clip(text, 500), page, caller, self.now()))
        else:
            self.over("notices")

    def over(self, what: str) -> None:
        """Something past its limit: not kept, counted in the observation's `limits`."""
        self.obs.limits[what] = self.obs.limits.get(what, 0) + 1

    def url(self, url: str) -> str:
        return clip(url, self.limits.max_url_chars)

    def bounded(self, box, key, value=None) -> None:
        """Side tables fed by the page stay as small as the observation they serve."""
        if len(box) < self.limits.max_requests:
            if isinstance(box, set):
                box.add(key)
            else:
                box.setdefault(key, value)

    def frame_id(self, frame) -> int | None:
        """The visit's number of a frame (recorded when first seen), None past the frame limit."""
        fid = self.frames.get(frame)
        if fid is None:
            if len(self.frames) >= self.limits.max_frames:
                self.over("frames")
                return None
            fid = self.frames[frame] = len(self.frames)
            parent = frame.parent_frame
            self.obs.frames.append(
                FrameRecord(
                    fid,
                    self.pages.get(frame.page, -1),
                    self.frames.get(parent) if parent else None,
                    self.url(frame.url),
                    clip(frame.name, 200),
                )
            )
        return fid

    # --- background captures ---------------------------------------------------------------------------------
    def spawn(self, coro) -> None:
        task = asyncio.ensure_future(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def drain(self, timeout: float) -> None:
        """Let pending captures (response bodies, page registrations) finish, boundedly; cancel the rest."""
        if self.tasks:
            await asyncio.wait(list(self.tasks), timeout=timeout)
        self.cancel()

    def cancel(self) -> None:
        for task in list(self.tasks):
            task.cancel()
