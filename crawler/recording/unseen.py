"""Reading the visited page without being seen. Code a crawler evaluates in the page's own JavaScript world
runs with no script URL on its stack: a page that replaced DOM methods (`querySelectorAll`...) to look at who
calls them spots it. So the visited page's main frame is read in an isolated world (the same DOM, none of the
page's JavaScript), and its globals are listed by the debugger (Runtime.getProperties: no page code runs).
Anything else, or a page whose CDP session is gone, is read with Playwright as before."""

from __future__ import annotations

import json
from typing import Any

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Frame

WORLD = "moneytrail"
GROUP = "moneytrail-globals"


async def isolated_context(session) -> int:
    """The execution context of moneytrail's isolated world in the top frame of `session`'s page (made once
    per document; the same world is returned again while the document lives)."""
    tree = await session.send("Page.getFrameTree")
    world = await session.send(
        "Page.createIsolatedWorld", {"frameId": tree["frameTree"]["frame"]["id"], "worldName": WORLD}
    )
    return world["executionContextId"]


class Unseen:
    def __init__(self, sessions: dict[int, Any]):
        self.sessions = sessions  # page number -> its CDP session (the visited page's: 0)

    async def evaluate(self, frame: Frame, function: str, arg: Any = None) -> Any:
        """`function(arg)` in `frame`: in an isolated world for the visited page's main frame, else with
        Playwright. Its value (JSON-able), or PlaywrightError."""
        session = self.sessions.get(0)
        if session is None or frame.parent_frame is not None or frame.page.main_frame is not frame:
            return await frame.evaluate(function, arg)
        result = await session.send(
            "Runtime.evaluate",
            {
                "expression": f"({function})({json.dumps(arg)})",
                "contextId": await isolated_context(session),
                "returnByValue": True,
                "awaitPromise": True,
            },
        )
        if result.get("exceptionDetails"):
            raise PlaywrightError(str(result["exceptionDetails"].get("text", "evaluation failed"))[:200])
        return result.get("result", {}).get("value")

    async def globals(self, limit: int) -> list[str] | None:
        """The names of the visited page's own enumerable window properties (as `Object.keys(window)`), read
        by the debugger; None without its session."""
        session = self.sessions.get(0)
        if session is None:
            return None
        try:
            window = await session.send("Runtime.evaluate", {"expression": "window", "objectGroup": GROUP})
            found = await session.send(
                "Runtime.getProperties",
                {"objectId": window["result"]["objectId"], "ownProperties": True, "generatePreview": False},
            )
            return [p["name"] for p in found.get("result", []) if p.get("enumerable")][:limit]
        finally:
            await session.send("Runtime.releaseObjectGroup", {"objectGroup": GROUP})
