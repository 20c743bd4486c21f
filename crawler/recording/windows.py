"""Window chains: every page the visit opened (popups, followed ad links) and the visited tab once a script
sent it elsewhere, each with the chain of navigations that took it to its landing page (how each hop came:
an HTTP redirect, a meta refresh, a script, a form), the landing page's title and screenshot, and the
`window.open` call that opened it.

A window can show several ads, one after the other: each is a `WindowRecord` of its own, with its own chain,
landing page and screenshot, and `previous` pointing at the ad the window showed before. When does a new ad
start? When the window navigates again after its landing page had settled:

- a landing page has **settled** once its document (the window's main frame) fired DOMContentLoaded and the
  window began no navigation for `landing_stay` seconds after (limits.py). Both times are Chromium's own
  (the CDP `Page.lifecycleEvent` and `Network.requestWillBeSent` timestamps of the window's session, the
  document told by its loader id), so a busy crawler cannot stretch or shrink them;
- a navigation that begins later (a timer that sends the visitor on, a script after the page rendered, the
  opener setting the window's location) starts a new ad, its first hop named by how it came (`js`, `meta`,
  `form`, `link`);
- `window.open(url, name)` with the name of a window already open navigates that window: a new ad whatever
  the timing, its first hop `open`;
- everything else is a hop of the same chain: HTTP redirects, a meta refresh, a script redirect or an
  auto-submitted form that acts before the page settled.

Landing pages are read (title, screenshot) while they are shown, once they stayed half of `landing_stay`
(a read takes time: it must be done before a window that settled moves on), so an ad the window later left
keeps its own; the last one is read at the end of the visit if it was not read yet."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from playwright.async_api import Error as PlaywrightError

from moneytrail.crawler.addresses import page_chosen_refusal
from moneytrail.crawler.domains import normal_url, site_of
from moneytrail.crawler.observation import Hop, RequestRecord, WindowRecord

from .log import VisitLog, clip
from .network import NetworkCapture

NAV_REASONS = {  # CDP's Page.frameRequestedNavigation reasons, as hop vias
    "metaTagRefresh": "meta",
    "scriptInitiated": "js",
    "formSubmissionPost": "form",
    "formSubmissionGet": "form",
    "anchorClick": "link",
    "httpHeaderRefresh": "http",
}
UNNAMED = ("", "_blank", "_self", "_parent", "_top")  # window.open targets that name no window


@dataclass
class Timeline:
    """A window's main-frame documents as its own CDP session saw them, on Chromium's clock (seconds)."""

    main: str | None = None  # the main frame's id
    current: str | None = None  # loader id of the document shown when the session attached
    # (at, url, frame id, loader id, a 30x redirect?) of the documents its frames requested
    navigations: list[tuple[float, str, str, str, bool]] = field(default_factory=list)
    loaded: dict[str, float] = field(default_factory=dict)  # loader id -> its DOMContentLoaded, main frame only

    def starts(self) -> list[tuple[float, str, str]]:
        """(at, url without fragment, loader) of the main frame's navigations, 30x redirects left out."""
        return [
            (at, url.split("#")[0], loader)
            for at, url, frame, loader, redirect in self.navigations
            if frame == self.main and not redirect
        ]


@dataclass
class Landing:
    """A landing page read while the window showed it."""

    loader: str
    loaded: float  # its DOMContentLoaded, Chromium's clock
    url: str
    title: str
    screenshot: str | None


def _off_site(hops: list[Hop], a: int, b: int, site: str) -> int:
    """The first of hops[a:b] that is not on `site` (b if none is)."""
    return next((i for i in range(a, b) if site_of(hops[i].url) != site), b)


class WindowChains:
    def __init__(self, log: VisitLog, network: NetworkCapture):
        self.log, self.network = log, network
        self.nav_reasons: dict[str, str] = {}  # URL -> why its frame navigated there (CDP)
        self.gestures: dict[str, bool] = {}  # URL -> whether its window.open had a user gesture (CDP)
        self.meta_refresh: set[str] = set()  # pages that announced a meta refresh
        self.form_submits: set[str] = set()  # pages that submitted a form
        self.followed: dict[int, str] = {}  # pages the visit opened itself for an ad link -> that link
        self.over_limit: set[int] = set()  # pages opened past the popup limit (closed at once)
        self.timelines: dict[int, Timeline] = {}
        self.landings: dict[int, list[Landing]] = {}
        self.shots: dict[str, asyncio.Future] = {}  # landing URL -> its screenshot (one per URL and visit)
        self.reads = 0  # landing pages read while the visit went on
        self.reading: set[asyncio.Task] = set()  # reads waiting for their page to stay

    # --- CDP events ------------------------------------------------------------------------------------------
    def on_navigation_requested(self, event: dict) -> None:
        self.log.bounded(self.nav_reasons, event.get("url", ""), event.get("reason", ""))

    def on_window_open(self, event: dict) -> None:
        self.log.bounded(self.gestures, event.get("url", ""), event.get("userGesture"))

    def timeline(self, pid: int) -> Timeline:
        return self.timelines.setdefault(pid, Timeline())

    def attached(self, pid: int, frame_tree: dict) -> None:
        """The window's session is listening: its main frame and the document it shows now."""
        frame = (frame_tree.get("frameTree") or {}).get("frame") or {}
        timeline = self.timeline(pid)
        timeline.main, timeline.current = frame.get("id"), frame.get("loaderId")

    def on_document_request(self, pid: int, event: dict) -> None:
        """A document requested in one of the window's frames (its own session's view, Chromium's clock)."""
        timeline = self.timeline(pid)
        at = event.get("timestamp")
        if event.get("type") != "Document" or not isinstance(at, int | float):
            return
        if len(timeline.navigations) >= self.log.limits.max_requests:
            return
        url = self.log.url(str((event.get("request") or {}).get("url", "")))
        redirect = bool(event.get("redirectResponse"))
        timeline.navigations.append((float(at), url, event.get("frameId"), event.get("loaderId"), redirect))

    def on_lifecycle(self, pid: int, event: dict) -> None:
        """Lifecycle events of the window's frames: when a main-frame document fired DOMContentLoaded (the
        events of the document shown when the session attached come again), and a read of it, if it stays."""
        timeline = self.timeline(pid)
        at, loader = event.get("timestamp"), event.get("loaderId")
        if event.get("name") != "DOMContentLoaded" or not isinstance(at, int | float) or not loader:
            return
        if event.get("frameId") != timeline.main or loader in timeline.loaded:
            return
        if len(timeline.loaded) < self.log.limits.max_requests:
            timeline.loaded[loader] = float(at)
            task = asyncio.ensure_future(self._read_when_shown(pid, loader, float(at)))
            self.reading.add(task)
            task.add_done_callback(self.reading.discard)

    def stop_reading(self) -> None:
        """The visit is over: reads still waiting are dropped (the last landing pages are read at the end)."""
        for task in list(self.reading):
            task.cancel()

    # --- while the visit goes on -----------------------------------------------------------------------------
    def moving(self) -> bool:
        """Is a window's chain still on its way: its page announced a navigation (a form submitted, a meta
        refresh) or navigated less than `chain_quiet` seconds ago?"""
        log = self.log
        now = log.now()
        # a popup's page exists only once its first navigation commits (after the click server's redirects):
        # a window opened whose page has not come yet is a chain on its way
        opened = [o for o in self.network.orphans if o.redirected_from is None]
        popups = [pid for pid in log.created if pid and pid not in self.followed]
        if len(opened) > len(popups) and now - opened[-1].started < log.limits.chain_wait:
            return True
        last: dict[int, float] = {}
        for r in log.obs.requests:
            if r.navigation and r.page is not None:
                last[r.page] = max(last.get(r.page, 0.0), r.started)
        for pid, page in log.page_objects.items():
            if page.is_closed() or pid in self.over_limit or (pid == 0 and site_of(page.url) == log.obs.final_site):
                continue
            if (
                page.url in self.form_submits
                or page.url in self.meta_refresh
                or now - last.get(pid, -99) < log.limits.chain_quiet
            ):
                return True
        return False

    def _moved_since(self, pid: int, loaded: float) -> bool:
        return any(at > loaded for at, _url, _loader in self.timeline(pid).starts())

    async def _read_when_shown(self, pid: int, loader: str, loaded: float) -> None:
        """Read a window's landing page (title, screenshot) once it stayed half of `landing_stay`: what a later
        ad would otherwise cover. Not the visited page itself, nor windows past the popup limit."""
        log = self.log
        await asyncio.sleep(log.limits.landing_stay / 2)
        page = log.page_objects.get(pid)
        if page is None or page.is_closed() or pid in self.over_limit or self._moved_since(pid, loaded):
            return
        url = page.url
        if not url.startswith("http") or (pid == 0 and site_of(url) in (log.obs.final_site, log.obs.site)):
            return
        if self.reads >= log.limits.max_popups * 2:
            return
        self.reads += 1
        seen = len(self.timeline(pid).navigations)
        title, shot = await self._look(page, url, f"{log.obs.visit_id}-w{pid}-{len(self.landings.get(pid, []))}.jpg")
        if page.is_closed() or page.url != url or len(self.timeline(pid).navigations) != seen:
            return  # the window moved on while it was read: what was read may be the next page
        self.landings.setdefault(pid, []).append(Landing(loader, loaded, log.url(url), title, shot))

    async def _look(self, page, url: str, name: str) -> tuple[str, str | None]:
        """A page's title and screenshot (one screenshot per landing URL and visit)."""
        log, limits = self.log, self.log.limits
        refusal = await page_chosen_refusal(url, (log.obs.site, log.obs.final_site))
        if refusal:  # a page sent the window to this machine or its network: nothing of it is kept
            log.note("not_read", f"{clip(url, 300)}: {refusal}", None)
            return "", None
        title = ""
        try:
            title = clip(await asyncio.wait_for(page.title(), limits.action_timeout), 300)
        except (TimeoutError, PlaywrightError):
            pass
        key = log.url(url)
        if key in self.shots:
            return title, await self.shots[key]
        self.shots[key] = done = asyncio.get_running_loop().create_future()
        shot = None
        try:
            data = await asyncio.wait_for(
                page.screenshot(type="jpeg", quality=50, timeout=limits.action_timeout * 1000),
                limits.action_timeout + 1,
            )
            shot = log.keep_screenshot(name, data)
        except (TimeoutError, PlaywrightError):
            pass
        finally:
            done.set_result(shot)
            if shot is None:
                self.shots.pop(key, None)  # a later look tries again
        return title, shot

    # --- at the end ----------------------------------------------------------------------------------------------
    def assign_orphans(self) -> None:
        """A popup's first navigation (and its redirects) is sent before its page exists: give each such
        thread to the page it became (the page created with the thread's last URL, else the next one)."""
        log = self.log
        for record, frame in self.network.late:
            record.page = log.pages.get(frame.page)
        for frame, fid in log.frames.items():
            if log.obs.frames[fid].page == -1:
                log.obs.frames[fid].page = log.pages.get(frame.page, -1)
        by_id = {r.id: r for r in log.obs.requests}
        followed_by = {r.redirected_from for r in log.obs.requests if r.redirected_from is not None}
        taken: set[int] = set()
        for end in [o for o in self.network.orphans if o.page is None and o.id not in followed_by]:
            thread = [end]
            while thread[-1].redirected_from is not None and thread[-1].redirected_from in by_id:
                thread.append(by_id[thread[-1].redirected_from])
            start = thread[-1].started
            pages = sorted((at, pid) for pid, (at, _) in log.created.items() if pid and pid not in taken)
            pid = next((p for at, p in pages if log.created[p][1] == end.url and at >= start - 0.5), None)
            if pid is None:
                pid = next((p for at, p in pages if at >= start - 0.5), None)
            if pid is None:
                continue
            taken.add(pid)
            frame = log.frames.get(log.page_objects[pid].main_frame)
            for r in thread:
                r.page, r.frame = pid, frame

    def navigations(self, pid: int, after: float = -1.0) -> list[RequestRecord]:
        """The window's main-frame navigations (each redirect a request of its own), in order."""
        log = self.log
        main = log.frames.get(log.page_objects[pid].main_frame)
        return [
            r
            for r in log.obs.requests
            if r.page == pid and r.navigation and (r.frame == main or r.frame is None) and r.started > after
        ]

    def hops(self, navs: list[RequestRecord]) -> list[Hop]:
        """Each navigation as a hop, with how the window got there from the one before."""
        hops: list[Hop] = []
        for i, r in enumerate(navs):
            if i == 0:
                via = "open"
            elif r.redirected_from is not None:
                via = "http"
            else:
                previous = navs[i - 1].url
                reason = NAV_REASONS.get(self.nav_reasons.get(r.url, ""))
                if r.method == "POST" or previous in self.form_submits:
                    via = "form"
                elif previous in self.meta_refresh:
                    via = "meta"
                else:
                    via = reason or "js"
            hops.append(Hop(r.url, via, r.method, r.status, r.started))
        return hops

    def _loaders(self, pid: int, navs: list[RequestRecord]) -> dict[int, tuple[float, str]]:
        """Request id -> (Chromium's time, loader id) of each navigation the window's session saw (matched
        by URL, in order; a popup's first navigations come before its session and are not seen)."""
        starts = self.timeline(pid).starts()
        found, j = {}, 0
        for r in navs:
            if r.redirected_from is not None:
                continue
            url = r.url.split("#")[0]
            k = next((k for k in range(j, len(starts)) if starts[k][1] == url), None)
            if k is not None:
                found[r.id] = (starts[k][0], starts[k][2])
                j = k + 1
        return found

    def reopened(self, url: str) -> bool:
        """Did a `window.open` naming a window (not `_blank`) ask for this URL? Then it navigated that window."""
        return any(
            c.url and c.target.strip().lower() not in UNNAMED and normal_url(c.url, c.frame_url) == normal_url(url)
            for c in self.log.obs.window_opens
        )

    def ads(self, pid: int, navs: list[RequestRecord], loaders: dict[int, tuple[float, str]]) -> list[tuple[int, int]]:
        """The window's navigations cut into ads: (start, end) index ranges of `navs`. A navigation starts a
        new ad when it reopened a named window, or when the document it left had settled (its
        DOMContentLoaded at least `landing_stay` seconds before the navigation began)."""
        timeline, stay = self.timeline(pid), self.log.limits.landing_stay
        starts: list[int] = []
        left = timeline.current  # the document the next navigation leaves (known once the session saw it)
        for i, r in enumerate(navs):
            if i == 0:
                starts.append(0)
            if r.redirected_from is not None:
                continue
            seen = loaders.get(r.id)
            if i and self.reopened(r.url):
                starts.append(i)
            elif i and seen is not None and left in timeline.loaded and seen[0] - timeline.loaded[left] >= stay:
                starts.append(i)
            if seen is not None:
                left = seen[1]
        return list(zip(starts, [*starts[1:], len(navs)], strict=True)) if starts else []

    async def _details(self, pid: int, window: WindowRecord) -> None:
        """Title and screenshot of the landing page a window shows at the end (as read while shown, if the
        window has not moved since)."""
        log = self.log
        page = log.page_objects[pid]
        if page.is_closed():
            window.closed = True
            return
        window.landing_url = log.url(page.url)
        read = next(
            (
                landing
                for landing in reversed(self.landings.get(pid, []))
                if landing.url == window.landing_url and not self._moved_since(pid, landing.loaded)
            ),
            None,
        )
        if read is not None:
            window.landing_title, window.screenshot = read.title, read.screenshot
            return
        window.landing_title, window.screenshot = await self._look(page, page.url, f"{log.obs.visit_id}-w{pid}.jpg")

    def _read_landing(
        self, pid: int, window: WindowRecord, navs: list[RequestRecord], until: RequestRecord, loaders: dict
    ) -> None:
        """Title and screenshot of an ad the window later left: its landing page as read while shown."""
        mine = {loaders[r.id][1] for r in navs if r.id in loaders}
        if any(r.id not in loaders for r in navs if r.redirected_from is None):
            mine.add(self.timeline(pid).current)  # its first documents came before the session did
        end = loaders.get(until.id, (float("inf"), ""))[0]
        read = [
            x for x in self.landings.get(pid, []) if x.loader in mine and x.loaded < end and x.url == window.landing_url
        ]
        if read:
            window.landing_title, window.screenshot = read[-1].title, read[-1].screenshot

    async def windows(self, visited_final_url: str, load_step_end: float) -> None:
        """Windows: every ad shown in a page opened during the visit, and in the visited page if a script sent
        it elsewhere."""
        log, obs = self.log, self.log.obs
        self.assign_orphans()
        jobs = []
        visited = site_of(visited_final_url)
        for pid, page in log.page_objects.items():
            navs = self.navigations(pid, after=load_step_end if pid == 0 else -1.0)
            hops = self.hops(navs)
            loaders = self._loaders(pid, navs)
            ads = self.ads(pid, navs, loaders)
            if pid == 0:
                # the visited site's own navigations are no ad: a tab-under's ad begins where the tab leaves the
                # site (the click that fired it may have begun a navigation to one of the site's own pages, which
                # its script then replaced)
                ads = [(_off_site(hops, a, b, visited), b) for a, b in ads]
                ads = [(a, b) for a, b in ads if a < b]
                kind, opener = "tabunder", None
            else:
                ads = ads or [(0, 0)]
                kind = "ad_link" if pid in self.followed else "popup"
                opener_page = None
                try:
                    if not page.is_closed():
                        opener_page = await asyncio.wait_for(page.opener(), log.limits.opener_timeout)
                except (TimeoutError, PlaywrightError):
                    pass
                opener = log.pages.get(opener_page) if opener_page else None
            previous = None
            for n, (a, b) in enumerate(ads):
                last = n == len(ads) - 1
                chain = hops[a:b]
                if n and chain:
                    chain[0].via = "open" if self.reopened(chain[0].url) else chain[0].via
                first = next((r for r in obs.requests if r.page == pid), None)
                step = navs[a].step if chain else (first.step if first else log.step)
                window = WindowRecord(
                    pid,
                    kind,
                    step,
                    chain[0].at if chain else log.now(),
                    opener,
                    chain,
                    over_limit=pid in self.over_limit,
                    unsettled=last and not page.is_closed() and page.url in self.form_submits,
                    previous=previous,
                )
                if chain:
                    window.landing_url = chain[-1].url
                obs.windows.append(window)
                previous = len(obs.windows) - 1
                if pid in self.over_limit:
                    continue
                if last:
                    jobs.append(self._details(pid, window))
                else:
                    self._read_landing(pid, window, navs[a:b], navs[b], loaders)
        await asyncio.gather(*jobs)
        for w in obs.windows:
            if w.chain and w.kind in ("popup", "tabunder") and w.previous is None:
                w.chain[0].via = "open"  # its first ad: the window opened, or the tab left the visited site, for it
            for hop in w.chain:
                hop.url = log.url(hop.url)

    def link_opens(self) -> None:
        """Tie each window to the `window.open` call that opened it: the call's user gesture (CDP), and the
        caller script as the initiator of the window's first request where CDP named none; a worker's
        requests to the worker's creator script."""
        obs = self.log.obs
        firsts = {}
        for record in obs.requests:
            if record.navigation and record.page and record.redirected_from is None:
                firsts.setdefault((record.page, record.url, record.started), record)
        for window in obs.windows:
            if not window.chain:
                continue
            first = window.chain[0]
            for call in obs.window_opens:
                if not call.url or not normal_url(first.url).startswith(normal_url(call.url, call.frame_url)):
                    continue
                if call.user_gesture is None:
                    call.user_gesture = self.gestures.get(first.url)
                request = firsts.get((window.page, first.url, first.at))
                if request is not None and not request.initiator and call.caller:
                    request.initiator, request.initiator_type = call.caller, "window.open"
        workers = {w.url: w.caller for w in obs.workers if w.caller}
        for record in obs.requests:
            if record.url in workers and (not record.initiator or record.initiator_type == "other"):
                record.initiator, record.initiator_type = workers[record.url], "worker"
