"""The Recorder: context-level instrumentation of one visit. Attached to a Playwright browser context before
the first navigation, it turns what happens in the context into an Observation.

Its parts, one concern each: `network` (requests, responses, initiators, WebSockets, WebAssembly, the
visited page's HTML), `pages` (page registration and events, the in-page script's reports), `windows`
(popup and tab-under chains, a window's ads one by one) and `overlays` (boxes scripts laid over the visited
page), sharing one `VisitLog`. Sources: Playwright's context events, one CDP session per page, and the
in-page script `instrument.js`. Everything is bounded by `Limits`.

Its public surface is what a visit needs: attach(), add_page(), attach_consent(), open_ad_page(), begin_step(),
note(), now(), url(), frame_id(), keep_screenshot(), keep_globals(), moving(), find_overlays(), drain(), cancel(),
windows(), observation(); and the facts `unresponsive`, `crashed`, `document_html`, `screenshots`, `script_texts`,
`last_activity`, `consent` (the ConsentWatch of crawler/consent.py).
"""

from __future__ import annotations

import asyncio
import json
import secrets
from datetime import UTC, datetime
from importlib import resources

from playwright.async_api import BrowserContext, Page
from playwright.async_api import Error as PlaywrightError

from moneytrail.crawler.consent import DEFAULT_MODE, MODES, ConsentWatch, init_script, library
from moneytrail.crawler.limits import Limits
from moneytrail.crawler.observation import Consent, Observation
from moneytrail.crawler.status import Ending, conclude, hostile_signals

from .log import VisitLog
from .network import NetworkCapture
from .overlays import OverlayFinder
from .pages import REPORT_TAG, PageEvents
from .unseen import Unseen
from .windows import WindowChains

OWN_GLOBALS = ("__mt", "__playwright")  # the instrumentation's own names, never the page's
INSTRUMENT_JS = resources.files("moneytrail.crawler").joinpath("instrument.js").read_text()


class Recorder:
    """Records one visit. `attach()` before navigating; `observation()` once the visit is over."""

    def __init__(
        self,
        context: BrowserContext,
        *,
        visit_id: str,
        url: str,
        site: str,
        page_kind: str,
        profile: dict | None = None,
        limits: Limits | None = None,
        identity: dict | None = None,
        consent: str = DEFAULT_MODE,
    ):
        """`identity`: who every page and frame of the visit says it is (CDP user-agent override parameters:
        crawler/identity.py), or None to leave the context's user agent as it is."""
        if consent not in MODES:
            raise ValueError(f"consent must be one of {', '.join(MODES)}, not {consent!r}")
        self.context = context
        self.limits = limits or Limits()
        obs = Observation(
            visit_id=visit_id,
            url=url,
            site=site,
            page_kind=page_kind,
            started_at=datetime.now(UTC).isoformat(timespec="seconds"),
            profile=dict(profile or {}),
        )
        self.log = VisitLog(obs, self.limits)
        self.network = NetworkCapture(self.log)
        self.windows_ = WindowChains(self.log, self.network)
        self.pages = PageEvents(self.log, context, self.network, self.windows_, identity)
        self.overlays = OverlayFinder(self.log)
        self.unseen = Unseen(self.log.sessions)  # reads the visited page in a world of its own
        obs.consent = Consent(consent)
        self.consent = ConsentWatch(obs.consent, self.log.now, self.log.begin_step, self.log.url)
        self.unresponsive = False  # an interaction with the visited page got no answer in time
        self.standard_globals: set[str] = set()  # window's own properties before the page's scripts ran

    # --- what a visit reads -----------------------------------------------------------------------------------
    @property
    def obs(self) -> Observation:
        return self.log.obs

    @property
    def t0(self) -> float:
        return self.log.t0

    @property
    def last_activity(self) -> float:
        return self.log.last_activity

    @property
    def crashed(self) -> bool:
        """The visited page's renderer crashed, or the whole browser went away during the visit."""
        return self.pages.crashed or self.browser_gone

    @property
    def browser_gone(self) -> bool:
        browser = self.context.browser
        return browser is not None and not browser.is_connected()

    @property
    def document_html(self) -> str | None:
        return self.network.document_html

    @property
    def screenshots(self) -> dict[str, bytes]:
        return self.log.screenshots

    @property
    def script_texts(self) -> dict[str, str]:
        """sha256 -> text of the script files kept (stored once per content, beside the observation)."""
        return self.network.script_texts

    def now(self) -> float:
        return self.log.now()

    def begin_step(self, action: str, detail: str = "") -> int:
        return self.log.begin_step(action, detail)

    def note(self, kind: str, text: str, page: int | None = None) -> None:
        self.log.note(kind, text, page)

    def over(self, what: str) -> None:
        """Something past its limit, counted in the observation's `limits`."""
        self.log.over(what)

    def url(self, url: str) -> str:
        """A URL as the observation keeps it (bounded)."""
        return self.log.url(url)

    def frame_id(self, frame) -> int | None:
        return self.log.frame_id(frame)

    def keep_screenshot(self, name: str, data: bytes) -> str:
        return self.log.keep_screenshot(name, data)

    def moving(self) -> bool:
        return self.windows_.moving()

    async def find_overlays(self, page: Page) -> list:
        """The boxes scripts laid over the visited page, recorded, each with where a click on it lands (None
        when something else lies on top)."""
        return await self.overlays.find(page)

    # --- attaching ------------------------------------------------------------------------------------------------
    async def attach(self) -> None:
        settings = json.dumps(
            {
                "tag": REPORT_TAG,
                "maxWasmBytes": self.limits.max_wasm_bytes,
                "maxFrames": self.limits.frame_storm,
                "maxWritten": self.limits.write_flood,
                "maxSockets": self.limits.max_websockets,
                "maxFetches": self.limits.request_flood,
                "maxOpens": self.limits.popup_flood,
            }
        )
        self.context.on("console", self.pages.on_console_report)
        await self.context.add_init_script(INSTRUMENT_JS.replace("__MT_SETTINGS__", settings))
        self.context.on("request", self.network.on_request)
        self.context.on("response", self.network.on_response)
        self.context.on("requestfinished", self.network.on_finished)
        self.context.on("requestfailed", self.network.on_failed)
        self.context.on("page", self._on_page)
        for page in self.context.pages:
            await self.add_page(page)

    async def attach_consent(self, page: Page) -> None:
        """autoconsent in every frame of the visited page, before the page's scripts (crawler/consent.py), unless
        consent is `off`. It runs in an isolated world of each frame, as in the browser extension it was written
        for, added through the visited page's CDP session: the page sees none of its DOM reads, and its binding
        (a random name, in that world only) is not a global of the page. The pages the site opens (pop-ups, ads
        followed) are not given it: the site's banner is on the visited page, and a pop-up storm must not cost
        50 copies of it."""
        if self.consent.record.mode == "off":
            return
        lib = self.consent_library = library()
        self.consent.record.library = lib.name
        session = self.log.sessions.get(self.log.pages.get(page))
        if session is None:  # the page went before its session opened
            return
        world, binding = "mt" + secrets.token_hex(6), "__mtc" + secrets.token_hex(6)
        session.on("Runtime.bindingCalled", lambda e: self._on_consent(session, binding, e))
        try:
            # a binding reaches the worlds created later only with the Runtime domain on (Playwright's own
            # session has it on already; the page's console, which it would expose, goes nowhere: instrument.js)
            await session.send("Runtime.enable")
            await session.send("Runtime.addBinding", {"name": binding, "executionContextName": world})
            await session.send(
                "Page.addScriptToEvaluateOnNewDocument",
                {"source": init_script(self.consent.record.mode, binding, lib), "worldName": world},
            )
        except PlaywrightError:
            pass  # the page or the browser went meanwhile: the visit says so

    def _on_consent(self, session, binding: str, event: dict) -> None:
        """A message of the autoconsent of one frame's isolated world (`executionContextId` names that document)."""
        if event.get("name") != binding or not isinstance(event.get("payload"), str):
            return
        try:
            sent = json.loads(event["payload"])
        except ValueError:
            return
        if not isinstance(sent, dict) or not isinstance(sent.get("m"), dict):
            return
        message, context = sent["m"], event.get("executionContextId")
        top = sent.get("top") is True
        if message.get("type") == "mtRules":  # a frame's site-specific rules
            rules = self.consent_library.rules_for(message.get("indexes"))
            self.log.spawn(self._answer_consent(session, context, {"type": "mtRules", "rules": rules}))
            return
        if message.get("type") == "eval":  # a rule's snippet: the top frame's page world answers it
            self.log.spawn(self._consent_eval(session, context, message, top))
            return
        self.log.touch()
        self.consent.on_message(
            message,
            frame=context,
            page=0,
            frame_url=str(sent.get("href", "")),
            main_frame=top,
        )

    async def _consent_eval(self, session, context, message: dict, top: bool) -> None:
        """The result of a rule's snippet (autoconsent's own code, from its isolated world), evaluated in the
        page's world of the top frame, as autoconsent's extension does; false in a child frame or on failure
        (a snippet runs page functions: bounded in time)."""
        result = False
        if top and isinstance(message.get("code"), str) and len(message["code"]) < 20_000:
            try:
                reply = await asyncio.wait_for(
                    session.send(
                        "Runtime.evaluate",
                        {"expression": message["code"], "returnByValue": True, "timeout": 1000, "silent": True},
                    ),
                    2.0,
                )
                result = bool(reply.get("result", {}).get("value")) and "exceptionDetails" not in reply
            except (PlaywrightError, TimeoutError):
                pass
        await self._answer_consent(
            session, context, {"type": "evalResp", "id": str(message.get("id")), "result": result}
        )

    async def _answer_consent(self, session, context, answer: dict) -> None:
        try:
            await session.send(
                "Runtime.evaluate", {"expression": f"__mtcAnswer({json.dumps(answer)})", "contextId": context}
            )
        except PlaywrightError:
            pass  # the frame went

    async def add_page(self, page: Page) -> int:
        """Register a page (the visited one, a popup, a followed ad link) and listen to it."""
        return await self.pages.add_page(page)

    def _on_page(self, page: Page) -> None:
        self.log.touch()
        self.log.spawn(self.add_page(page))

    async def open_ad_page(self, url: str) -> Page:
        """A new tab of the visit's context, for an ad link the visit follows (never counted as the site's
        popup)."""
        self.pages.opening += 1
        try:
            page = await asyncio.wait_for(self.context.new_page(), self.limits.action_timeout)
            self.windows_.followed[await self.add_page(page)] = url
        finally:
            self.pages.opening -= 1
        return page

    async def read_standard_globals(self, page: Page) -> None:
        """What `window` holds before any page script ran (the page still blank): the baseline against which
        the globals a page's scripts define are read."""
        try:
            names = await asyncio.wait_for(page.evaluate("Object.keys(window)"), self.limits.action_timeout)
        except (TimeoutError, PlaywrightError):
            return
        self.standard_globals = {str(n) for n in names} if isinstance(names, list) else set()

    def keep_globals(self, names) -> None:
        """The window globals the page's scripts defined (network tags define theirs: `_pop`, `AdProvider`...)."""
        if not isinstance(names, list):
            return
        found = [
            n for n in names if isinstance(n, str) and n not in self.standard_globals and not n.startswith(OWN_GLOBALS)
        ]
        self.log.obs.globals = [self.log.url(n)[:100] for n in found[: self.limits.max_globals]]
        if len(found) > self.limits.max_globals:
            self.log.over("globals")

    # --- the end ------------------------------------------------------------------------------------------------
    async def drain(self) -> None:
        """Let pending captures finish (and workers report their WebAssembly), boundedly."""
        self.windows_.stop_reading()
        await self.pages.workers.collect(self.limits.drain_timeout / 2)
        await self.log.drain(self.limits.drain_timeout)

    def cancel(self) -> None:
        self.windows_.stop_reading()
        self.log.cancel()
        self.pages.workers.forget()

    async def windows(self, visited_final_url: str, load_step_end: float) -> None:
        """Record the windows: every page opened during the visit, and the visited tab if a script sent it
        elsewhere, with their chains."""
        await self.windows_.windows(visited_final_url, load_step_end)

    def observation(
        self, navigation_error: str | None = None, http_status: int | None = None, *, overran: bool = False
    ) -> Observation:
        """The visit's Observation, its status decided (crawler/status.py) from how the visit ended."""
        obs = self.log.obs
        obs.duration = self.log.now()
        signals = hostile_signals(
            obs,
            self.limits,
            history_calls=self.pages.history_calls,
            unresponsive=self.unresponsive,
            oversized_document=self.network.oversized_document,
            frame_storm=self.pages.frame_storm,
            write_flood=self.pages.write_flood,
            request_flood=self.pages.request_flood,
            popup_flood=self.pages.popup_flood,
        )
        if self.browser_gone:  # what was recorded is what came before: not a site with nothing on it
            self.log.note("crash", "the browser closed during the visit", 0)
            navigation_error = navigation_error or "the browser closed during the visit"
        conclude(obs, Ending(navigation_error, http_status, self.crashed, overran, tuple(signals)))
        self.network.assign_workers()
        self.network.assign_initiators()
        self.windows_.link_opens()
        return obs
