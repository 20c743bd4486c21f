"""Window chains: every page the visit opened (popups, followed ad links) and the visited tab once a script
sent it elsewhere, each with the chain of navigations that took it to its landing page (how each hop came:
an HTTP redirect, a meta refresh, a script, a form), the landing page's title and screenshot, and the
`window.open` call that opened it."""

from __future__ import annotations

import asyncio

from playwright.async_api import Error as PlaywrightError

from moneytrail.crawler.domains import normal_url, site_of
from moneytrail.crawler.observation import Hop, WindowRecord

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


class WindowChains:
    def __init__(self, log: VisitLog, network: NetworkCapture):
        self.log, self.network = log, network
        self.nav_reasons: dict[str, str] = {}  # URL -> why its frame navigated there (CDP)
        self.gestures: dict[str, bool] = {}  # URL -> whether its window.open had a user gesture (CDP)
        self.meta_refresh: set[str] = set()  # pages that announced a meta refresh
        self.form_submits: set[str] = set()  # pages that submitted a form
        self.followed: dict[int, str] = {}  # pages the visit opened itself for an ad link -> that link
        self.over_limit: set[int] = set()  # pages opened past the popup limit (closed at once)

    # --- CDP events ------------------------------------------------------------------------------------------
    def on_navigation_requested(self, event: dict) -> None:
        self.log.bounded(self.nav_reasons, event.get("url", ""), event.get("reason", ""))

    def on_window_open(self, event: dict) -> None:
        self.log.bounded(self.gestures, event.get("url", ""), event.get("userGesture"))

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

    def chain(self, pid: int, after: float = -1.0) -> list[Hop]:
        log = self.log
        main = log.frames.get(log.page_objects[pid].main_frame)
        navs = [
            r
            for r in log.obs.requests
            if r.page == pid and r.navigation and (r.frame == main or r.frame is None) and r.started > after
        ]
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

    async def _details(self, pid: int, window: WindowRecord, shots: dict[str, asyncio.Future]) -> None:
        """Title and screenshot of a window's landing page (one screenshot per landing URL and visit)."""
        log, limits = self.log, self.log.limits
        page = log.page_objects[pid]
        if page.is_closed():
            window.closed = True
            return
        window.landing_url = log.url(page.url)
        try:
            window.landing_title = clip(await asyncio.wait_for(page.title(), limits.action_timeout), 300)
        except (TimeoutError, PlaywrightError):
            pass
        if window.landing_url in shots:
            window.screenshot = await shots[window.landing_url]
            return
        shots[window.landing_url] = done = asyncio.get_running_loop().create_future()
        try:
            shot = await asyncio.wait_for(
                page.screenshot(type="jpeg", quality=50, timeout=limits.action_timeout * 1000),
                limits.action_timeout + 1,
            )
            window.screenshot = log.keep_screenshot(f"{log.obs.visit_id}-w{pid}.jpg", shot)
        except (TimeoutError, PlaywrightError):
            pass
        finally:
            done.set_result(window.screenshot)

    async def windows(self, visited_final_url: str, load_step_end: float) -> None:
        """Windows: every page opened during the visit, and the visited page if a script sent it elsewhere."""
        log, obs = self.log, self.log.obs
        self.assign_orphans()
        jobs, shots = [], {}
        for pid, page in log.page_objects.items():
            if pid == 0:
                hops = self.chain(0, after=load_step_end)
                if not hops or (
                    site_of(hops[0].url) == site_of(visited_final_url)
                    and all(site_of(h.url) == site_of(visited_final_url) for h in hops)
                ):
                    continue
                kind, opener = "tabunder", None
                step = next(
                    (r.step for r in obs.requests if r.page == 0 and r.navigation and r.started > load_step_end),
                    log.step,
                )
            else:
                hops = self.chain(pid)
                kind = "ad_link" if pid in self.followed else "popup"
                opener_page = None
                try:
                    if not page.is_closed():
                        opener_page = await asyncio.wait_for(page.opener(), log.limits.opener_timeout)
                except (TimeoutError, PlaywrightError):
                    pass
                opener = log.pages.get(opener_page) if opener_page else None
                first = next((r for r in obs.requests if r.page == pid), None)
                step = first.step if first else log.step
            window = WindowRecord(
                pid,
                kind,
                step,
                hops[0].at if hops else log.now(),
                opener,
                hops,
                over_limit=pid in self.over_limit,
                unsettled=not page.is_closed() and page.url in self.form_submits,
            )
            if hops:
                window.landing_url = hops[-1].url
            obs.windows.append(window)
            if pid not in self.over_limit:
                jobs.append(self._details(pid, window, shots))
        await asyncio.gather(*jobs)
        for w in obs.windows:
            if w.chain and w.kind != "ad_link":
                w.chain[0].via = "open" if w.kind == "popup" else w.chain[0].via
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
                firsts.setdefault(record.page, record)
        for window in obs.windows:
            first = window.chain[0].url if window.chain else ""
            for call in obs.window_opens:
                if not call.url or not normal_url(first).startswith(normal_url(call.url, call.frame_url)):
                    continue
                if call.user_gesture is None:
                    call.user_gesture = self.gestures.get(first)
                request = firsts.get(window.page)
                if request is not None and not request.initiator and call.caller:
                    request.initiator, request.initiator_type = call.caller, "window.open"
        workers = {w.url: w.caller for w in obs.workers if w.caller}
        for record in obs.requests:
            if record.url in workers and (not record.initiator or record.initiator_type == "other"):
                record.initiator, record.initiator_type = workers[record.url], "worker"
