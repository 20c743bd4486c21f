"""A visitor's hand: how its clicks and scrolls reach the page.

Scripts that cloak ads tell a crawler from a person by its input: a click that comes after a single jump of
the mouse (or none), at the exact centre of an element, a mouse click on a phone, a page scrolled in one
900-pixel leap. Here a mouse travels to its target along a curved path of uneven steps, presses for a moment
and lets go; a touch device taps with a finger and scrolls by swiping; a target is hit off its centre, where
a hand lands. Every random choice comes from one generator seeded per visit, so a visit's gestures can be
replayed. Playwright dispatches all of it as trusted input events (CDP Input), as a person's would be.

Limit: once a popup has opened, the page behind it takes input events once per frame it draws (about a
second each), so clicks there are plain ones (a move and a press), to stay within a visit's action budget."""

from __future__ import annotations

import asyncio
import math
import random
import time

from playwright.async_api import Page

STEP_PAUSE = (0.006, 0.018)  # seconds between two mouse moves of a path
SLOW_MOVE = 0.25  # a move the page took longer than this to take ends the path (see Hand.click)
PRESS = (0.05, 0.13)  # how long a button stays down
NOTCH = 100  # pixels a wheel notch scrolls
NOTCH_PAUSE = (0.03, 0.09)
SWIPE_STEPS = 8


class Hand:
    def __init__(self, page: Page, touch: bool, seed: str):
        self.page, self.touch = page, touch
        self.rng = random.Random(seed)
        size = page.viewport_size or {"width": 1280, "height": 800}
        self.width, self.height = size["width"], size["height"]
        # the pointer comes from somewhere on the page, not from its corner
        self.x = self.rng.uniform(0.2, 0.8) * self.width
        self.y = self.rng.uniform(0.1, 0.5) * self.height
        self._cdp = None

    def near(self, x: float, y: float, width: float = 0.0, height: float = 0.0) -> tuple[float, float]:
        """Where a hand aiming at (x, y) lands: off the centre of a `width` x `height` target (a few pixels off
        a bare point), inside the target and the viewport."""
        dx = self.rng.gauss(0, max(width * 0.15, 3.0))
        dy = self.rng.gauss(0, max(height * 0.15, 3.0))
        if width:
            dx = max(-width * 0.4, min(width * 0.4, dx))
        if height:
            dy = max(-height * 0.4, min(height * 0.4, dy))
        if abs(dx) < 2.5 and abs(dy) < 2.5:  # never the exact centre
            dx = math.copysign(2.5 + self.rng.random() * 3, dx or 1.0)
        return self._inside(x + dx, y + dy)

    def _inside(self, x: float, y: float) -> tuple[float, float]:
        return min(max(x, 1.0), self.width - 2.0), min(max(y, 1.0), self.height - 2.0)

    def path(self, x: float, y: float) -> list[tuple[float, float]]:
        """The points a mouse passes through from where it is to (x, y): a bent curve, faster in its middle."""
        x0, y0 = self.x, self.y
        distance = math.hypot(x - x0, y - y0)
        steps = max(6, min(28, int(distance / 35) + self.rng.randint(4, 9)))
        bend = self.rng.uniform(-0.25, 0.25) * distance
        nx, ny = (-(y - y0) / distance, (x - x0) / distance) if distance else (0.0, 0.0)
        cx, cy = (x0 + x) / 2 + nx * bend, (y0 + y) / 2 + ny * bend  # the curve's control point
        points = []
        for i in range(1, steps + 1):
            t = i / steps
            t = t * t * (3 - 2 * t)  # eased: slow start, slow arrival
            px = (1 - t) ** 2 * x0 + 2 * (1 - t) * t * cx + t * t * x
            py = (1 - t) ** 2 * y0 + 2 * (1 - t) * t * cy + t * t * y
            if i < steps:  # a hand trembles on the way, not at the target
                px, py = px + self.rng.gauss(0, 1.2), py + self.rng.gauss(0, 1.2)
            points.append(self._inside(px, py))
        return points

    async def click(self, x: float, y: float) -> None:
        """Click at (x, y): a tap on a touch device; else the mouse travels there, presses and lets go."""
        if self.touch:
            await self.page.touchscreen.tap(x, y)
            self.x, self.y = x, y
            return
        mouse = self.page.mouse
        self.x, self.y = x, y
        if len(self.page.context.pages) > 1:  # a page behind a popup takes input once per frame it draws
            await mouse.click(x, y)  # (about a second an event): one move, one press, at once
            return
        for px, py in self.path(x, y)[:-1]:
            started = time.monotonic()
            await mouse.move(px, py)
            if time.monotonic() - started > SLOW_MOVE:  # a slow page all the same: straight to the target
                break
            await asyncio.sleep(self.rng.uniform(*STEP_PAUSE))
        await mouse.move(x, y)
        await mouse.down()
        await asyncio.sleep(self.rng.uniform(*PRESS))
        await mouse.up()

    async def scroll(self, dy: int) -> None:
        """Scroll by about `dy` pixels: wheel notches with pauses, or a finger swiping on a touch device."""
        if self.touch and len(self.page.context.pages) == 1:
            await self._swipe(dy)
            return
        wheel = self.page.mouse.wheel
        if len(self.page.context.pages) > 1:  # behind a popup: one turn (see the module's limit)
            await wheel(0, dy)
            return
        notches = max(1, round(abs(dy) / NOTCH))
        for done in range(1, notches + 1):
            started = time.monotonic()
            await wheel(0, math.copysign(NOTCH, dy))
            if time.monotonic() - started > SLOW_MOVE and done < notches:  # a slow page: the rest in one turn
                await wheel(0, math.copysign(NOTCH * (notches - done), dy))
                return
            await asyncio.sleep(self.rng.uniform(*NOTCH_PAUSE))

    async def _swipe(self, dy: int) -> None:
        """A finger dragged against the scroll direction, in swipes no longer than half the screen."""
        if self._cdp is None:
            self._cdp = await self.page.context.new_cdp_session(self.page)
        left = abs(dy)
        while left > 0:
            length = min(left, self.height * 0.45)
            left -= length
            x = self.rng.uniform(0.3, 0.7) * self.width
            y0 = self.height * (0.75 if dy > 0 else 0.25)
            y1 = y0 - math.copysign(length, dy)
            await self._touch("touchStart", x, y0)
            for i in range(1, SWIPE_STEPS + 1):
                started = time.monotonic()
                await self._touch("touchMove", x + self.rng.gauss(0, 1.5), y0 + (y1 - y0) * i / SWIPE_STEPS)
                if time.monotonic() - started > SLOW_MOVE:  # a page behind a popup: the finger lifts early
                    left = 0
                    break
                await asyncio.sleep(self.rng.uniform(0.012, 0.02))
            await self._cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
            await asyncio.sleep(self.rng.uniform(0.15, 0.3))

    async def _touch(self, kind: str, x: float, y: float) -> None:
        point = {"x": round(x, 1), "y": round(y, 1), "radiusX": 11, "radiusY": 11, "force": 1}
        await self._cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": [point]})
