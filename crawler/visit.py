"""A visit that behaves like a person: wait for the page to settle, scroll, click the video player, the
page centre and the body (each a numbered step), click the boxes scripts laid over the page (in-page push
banners), let popups and their chains land, follow the ad links a visitor would click, then hand back an
Observation. Every interaction is bounded; a page that stops
answering ends its visit as hostile ("unresponsive"), never the crawl."""

from __future__ import annotations

import asyncio
import hashlib
import time

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page

from .addresses import page_chosen_refusal
from .crops import crop_ads
from .domains import normal_url, site_of
from .elements import ELEMENTS_JS, LIMITS
from .gestures import Hand
from .limits import Limits
from .observation import CLICK_TRAP_AREA, AdFrame, AdLink, Element, InlineScript, Observation, clip
from .profiles import Profile, load_devices
from .recording.recorder import Recorder
from .served import served_links
from .status import navigation_status

VIEWPORT = {"width": 1280, "height": 900}
WEB_SCHEMES = ("http:", "https:", "about:", "data:", "blob:")  # frames with a document to read
MAX_SCRIPT_CHARS = 256 * 1024

PLAYER_SELECTOR = ", ".join(  # what a video player looks like
    (
        "video",
        "[id*=player i]",
        "[class*=player i]",
        "iframe[src*=embed i]",
        "iframe[src*=player i]",
        ".jwplayer",
        ".plyr",
        ".video-js",
        "object",
        "embed",
    )
)

SNAPSHOT_JS = """(max) => {
  const out = {scripts: [], anchors: [], title: document.title, globals: Object.keys(window).slice(0, 5000)};
  for (const s of document.scripts) {
    if (s.src || out.scripts.length >= max) continue;
    out.scripts.push([s.text.length, s.text.slice(0, MAX_SCRIPT_CHARS), (s.type || '').slice(0, 60)]);
  }
ELEMENTS_JS
  for (const a of document.querySelectorAll('a[href]')) {
    if (out.anchors.length >= 600) break;
    const h = a.href;
    if (typeof h !== 'string' || !/^https?:/i.test(h)) continue;
    const r = a.getBoundingClientRect();
    out.anchors.push([h, a.target || '', Math.round(r.width), Math.round(r.height), Math.round(r.x), Math.round(r.y)]);
  }
  return out;
}""".replace("MAX_SCRIPT_CHARS", str(MAX_SCRIPT_CHARS)).replace("ELEMENTS_JS", ELEMENTS_JS)

PLAYER_JS = """() => {
  const sel = PLAYER_SELECTOR;
  let best = null, area = 0;
  for (const el of document.querySelectorAll(sel)) {
    const r = el.getBoundingClientRect();
    const a = r.width * r.height;
    if (a > area && r.width > 80 && r.height > 60 && r.bottom > 0 && r.top < innerHeight) { best = r; area = a; }
  }
  return best && {x: best.left + best.width / 2, y: best.top + best.height / 2, width: best.width, height: best.height};
}""".replace("PLAYER_SELECTOR", repr(PLAYER_SELECTOR))


class Unresponsive(Exception):
    pass


class Visit:
    def __init__(self, page: Page, recorder: Recorder, touch: bool = False):
        self.page, self.rec, self.limits = page, recorder, recorder.limits
        self.hand = Hand(page, touch, seed=recorder.obs.visit_id)  # clicks and scrolls as a person's
        self.deadline = recorder.t0 + self.limits.visit_timeout

    def left(self) -> float:
        return self.deadline - time.monotonic()

    async def act(self, action, what: str, retried: bool = False):
        """One interaction with the page (`action()` makes it), bounded. One that gets no answer in time is
        made once more if the page answers a plain question within `busy_patience` (it was busy: thousands of
        frames or requests being made); a page that answers neither is unresponsive."""
        if self.rec.unresponsive:
            raise Unresponsive(what)
        allowed = min(self.limits.action_timeout, max(self.left(), 0.1))
        try:
            return await asyncio.wait_for(action(), allowed)
        except TimeoutError:
            if allowed < self.limits.action_timeout:  # the visit's own time is up, not the page's fault
                self.rec.note("visit_time_limit", f"{what}: the visit reached its time limit", 0)
            elif not retried and await self.answers():
                self.rec.note("busy_page", f"{what} got no answer in {allowed:g} s, then the page answered", 0)
                return await self.act(action, what, retried=True)
            else:
                self.rec.unresponsive = True
                self.rec.note("unresponsive", f"{what} got no answer in {allowed:g} s", 0)
            raise Unresponsive(what) from None

    async def answers(self) -> bool:
        """Whether the visited page answers a plain question within `busy_patience` (and the visit's time)."""
        patience = min(self.limits.busy_patience, self.left())
        if patience <= 0:
            return False
        try:
            await asyncio.wait_for(self.rec.unseen.evaluate(self.page.main_frame, "() => 1"), patience)
            return True
        except (TimeoutError, PlaywrightError):
            return False

    async def settle(self, minimum: float, maximum: float) -> None:
        """Wait at least `minimum` s, then until the network has been quiet for a while (at most `maximum`)."""
        start = time.monotonic()
        end = min(start + maximum, self.deadline)
        await asyncio.sleep(max(0.0, min(minimum, end - start)))
        while time.monotonic() < end and time.monotonic() - self.rec.last_activity < self.limits.quiet_period:
            await asyncio.sleep(self.limits.poll_interval)

    def on_site(self) -> bool:
        return not self.page.is_closed() and site_of(self.page.url) == self.rec.obs.final_site

    async def run(self, http_status: int | None, error: str | None = None) -> Observation:
        """Behave on the page if it loaded, record its windows, and hand back the Observation (its status
        decided by crawler/status.py)."""
        obs, rec = self.rec.obs, self.rec
        load_end = rec.now()
        if not self.page.is_closed() and self.page.url.startswith("http"):
            obs.final_url = rec.url(self.page.url)
        obs.final_site = site_of(obs.final_url) if obs.final_url.startswith("http") else ""
        try:
            if navigation_status(error, http_status)[0] == "ok":
                await self.behave()
        except Unresponsive:
            pass
        except Exception as exc:  # the page shapes what evaluate() returns: nothing it does may end the crawl
            if not rec.crashed:
                rec.note("visit_error", f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}", 0)
        try:
            await asyncio.wait_for(rec.drain(), max(1.0, min(self.limits.drain_timeout, self.left() + 5)))
        except TimeoutError:
            rec.note("visit_error", "pending captures did not all finish in time", 0)
        try:
            await asyncio.wait_for(rec.windows(obs.final_url, load_end), self.limits.windows_timeout)
        except TimeoutError:
            rec.note("visit_error", "windows could not all be read in time", 0)
        if navigation_status(error, http_status)[0] == "ok" and not rec.unresponsive:
            await self.leave()
        return rec.observation(error, http_status)

    async def leave(self) -> None:
        """Leave the visited page the way a visitor closing the tab does, its unload handlers run: a page that
        asks "stay on this page?" shows a beforeunload dialog (recorded, dismissed); a listener that asks
        nothing shows none."""
        if self.page.is_closed():
            return
        asked = len(self.rec.obs.dialogs)
        try:
            await asyncio.wait_for(self.page.close(run_before_unload=True), self.limits.action_timeout)
        except (TimeoutError, PlaywrightError):
            return
        end = time.monotonic() + self.limits.leave_wait
        while time.monotonic() < end and len(self.rec.obs.dialogs) == asked and not self.page.is_closed():
            await asyncio.sleep(self.limits.poll_interval)

    async def behave(self) -> None:
        page, rec = self.page, self.rec
        limits = self.limits
        await self.settle(limits.first_settle_min, limits.first_settle_max)
        await self.consent()
        rec.begin_step("scroll", "down 900 px, then back up")
        await self.act(lambda: self.hand.scroll(900), "scroll")
        await asyncio.sleep(limits.scroll_pause)
        await self.act(lambda: self.hand.scroll(-900), "scroll")
        await asyncio.sleep(limits.scroll_back_pause)
        await self.snapshot()
        player = await self.act(lambda: rec.unseen.evaluate(page.main_frame, PLAYER_JS), "find the player")
        if player:
            point = self.hand.near(player["x"], player["y"], player["width"], player["height"])
            rec.begin_step("click_player", f"{point[0]:.0f},{point[1]:.0f}")
            rec.obs.steps[-1].screenshot = rec.obs.screenshot  # taken just now, right before this click
            await self.act(lambda: self.hand.click(*point), "click the player")
            await asyncio.sleep(limits.player_click_pause)
        size = page.viewport_size or VIEWPORT  # a phone's screen is smaller than a desktop's
        if self.on_site():
            point = self.hand.near(size["width"] / 2, size["height"] / 2)
            rec.begin_step("click_centre", f"{point[0]:.0f},{point[1]:.0f}")
            await self.shoot_before_click()
            await self.act(lambda: self.hand.click(*point), "click the centre")
            await asyncio.sleep(limits.centre_click_pause)
        if self.on_site():
            point = self.hand.near(12, min(300, size["height"] // 2))
            rec.begin_step("click_body", f"{point[0]:.0f},{point[1]:.0f}")
            await self.shoot_before_click()
            await self.act(lambda: self.hand.click(*point), "click the body")
        await self.settle(limits.settle_min, limits.settle_max)
        await self.overlays(click=True)
        await self.follow_ad_links()
        await self.chains_land(limits.chain_wait)

    async def consent(self) -> None:
        """A consent banner found on the visited page (crawler/consent.py) is answered before the visit's clicks:
        wait for it (at most `consent_wait`), then let what the answer unlocked (an ad stack) load. A page where
        no CMP was found by now costs no wait (autoconsent goes on looking, and answers a late banner)."""
        watch, limits = self.rec.consent, self.limits
        if not watch.pending() and not watch.acted():
            return  # no CMP on the page (or one without a banner): no wait at all
        start = time.monotonic()
        end = min(start + limits.consent_wait, self.deadline)
        while time.monotonic() < end and watch.pending():
            await asyncio.sleep(limits.poll_interval)
        if watch.acted():
            await self.settle(limits.consent_settle_min, limits.consent_settle_max)
        watch.record.waited = round(time.monotonic() - start, 3)

    async def chains_land(self, maximum: float) -> None:
        """Give chains still on their way (a late popup, a form about to post) up to `maximum` s to land."""
        end = min(time.monotonic() + maximum, self.deadline)
        while time.monotonic() < end and self.rec.moving():
            await asyncio.sleep(self.limits.poll_interval)

    async def read_frame(self, frame) -> dict | None:
        """A frame's snapshot. The main frame must answer (else the page is unresponsive); another frame that
        does not is skipped, noted, and the visit goes on: a frame the browser refused to load (`file:`,
        `chrome:`) never gets a document to read, and a page must not hide its ads behind one."""

        def read():
            return self.rec.unseen.evaluate(frame, SNAPSHOT_JS, self.limits.max_inline_scripts)

        if frame is self.page.main_frame:
            return await self.act(read, "read the page")
        if not frame.url.startswith(WEB_SCHEMES):
            return None
        try:
            return await asyncio.wait_for(read(), max(0.1, min(self.limits.frame_read_timeout, self.left())))
        except TimeoutError:
            self.rec.note("frame_unanswered", f"a frame gave no answer: {clip(frame.url, 200)}", 0)
            return None

    async def shoot_before_click(self) -> None:
        """The page as it is just before the step's click (an overlay, a new ad may be there now), kept as the
        step's screenshot: the pirate page at the moment of the ad that click opens. `click_screenshots` a visit."""
        rec, obs = self.rec, self.rec.obs
        taken = sum(1 for step in obs.steps if step.screenshot and step.screenshot != obs.screenshot)
        if taken >= self.limits.click_screenshots:
            return
        try:
            shot = await self.act(lambda: self.page.screenshot(type="jpeg", quality=55), "screenshot before a click")
        except PlaywrightError:  # evidence added: never a reason to skip the click
            return
        if shot:
            step = obs.steps[-1]
            step.screenshot = rec.keep_screenshot(f"{obs.visit_id}-s{step.n}.jpg", shot)

    async def snapshot(self) -> None:
        """What the page holds once settled: its screenshot, inline scripts, ad frames and ad links."""
        page, rec, obs = self.page, self.rec, self.rec.obs
        shot = await self.act(lambda: page.screenshot(type="jpeg", quality=55), "screenshot")
        obs.screenshot = rec.keep_screenshot(f"{obs.visit_id}.jpg", shot)
        seen_scripts: set[str] = set()
        per_frame: dict = {}
        for frame in page.frames:
            try:
                per_frame[frame] = await self.read_frame(frame)
            except PlaywrightError:
                continue
            if per_frame[frame] is None:
                continue
            for length, text, kind in per_frame[frame]["scripts"]:
                digest = hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()
                if digest in seen_scripts or len(obs.inline_scripts) >= self.limits.max_inline_scripts:
                    continue
                seen_scripts.add(digest)
                room = self.limits.max_inline_total - sum(len(s.excerpt) for s in obs.inline_scripts)
                excerpt = clip(" ".join(text.split()), max(0, min(self.limits.max_inline_chars, room)))
                obs.inline_scripts.append(InlineScript(digest, length, excerpt, rec.url(frame.url), kind))
        main = page.main_frame
        try:  # the page's own globals (an isolated world has none of them)
            names = await self.act(lambda: rec.unseen.globals(5000), "list the page's globals")
        except PlaywrightError:
            names = None
        rec.keep_globals(names if names is not None else per_frame.get(main, {}).get("globals"))
        obs.title = clip(per_frame.get(main, {}).get("title", ""), 300)
        obs.elements = [
            Element(clip(item[0], 40), {clip(str(k), 60): rec.url(str(v)) for k, v in item[1].items()})
            for item in per_frame.get(main, {}).get("elements", [])[: sum(LIMITS.values())]
            if isinstance(item, list) and len(item) == 2 and isinstance(item[1], dict) and isinstance(item[0], str)
        ]
        site = obs.final_site
        obs.page_links = list(
            dict.fromkeys(h for h, *_ in per_frame.get(main, {}).get("anchors", []) if site_of(h) == site)
        )[:300]

        def links_under(frame) -> list[str]:
            found = [h for h, *_ in per_frame.get(frame, {}).get("anchors", [])]
            for child in frame.child_frames:
                found += links_under(child)
            return found

        for frame in main.child_frames:
            if not frame.url.startswith(WEB_SCHEMES):
                continue
            try:
                element = await self.act(lambda frame=frame: frame.frame_element(), "locate a frame")
                box = await self.act(lambda element=element: element.bounding_box(), "measure a frame")
            except PlaywrightError:
                box = None
            if not box:
                continue
            clicks = [h for h in dict.fromkeys(links_under(frame)) if site_of(h) != site][:10]
            fid = rec.frame_id(frame)
            obs.ad_frames.append(
                AdFrame(
                    fid,
                    rec.url(frame.url),
                    round(box["width"]),
                    round(box["height"]),
                    round(box["x"]),
                    round(box["y"]),
                    [rec.url(c) for c in clicks],
                )
            )
            for url in clicks:
                obs.ad_links.append(AdLink(rec.url(url), rec.url(frame.url), "frame"))
        # read in a thread: a page's HTML may be max_document_bytes long, and the event loop runs every other visit
        try:
            served = await asyncio.wait_for(
                asyncio.to_thread(served_links, rec.document_html, obs.final_url), self.limits.action_timeout
            )
        except TimeoutError:
            served = None
        anchors = per_frame.get(main, {}).get("anchors", [])
        if served is None:  # then no link can be called injected
            rec.note("served_unread", "the page's HTML as served could not be read for its links", 0)
            anchors = []
        for href, _target, width, height, x, y in anchors:
            if site_of(href) != site and normal_url(href) not in served and width * height > 0:
                box = {"width": int(width), "height": int(height), "x": int(x), "y": int(y)}
                obs.ad_links.append(AdLink(rec.url(href), rec.url(main.url), "injected", **box))
        unique = {}
        for link in obs.ad_links:
            unique.setdefault(link.url, link)
        obs.ad_links = list(unique.values())
        await self.overlays(click=False)
        await self.crop_ads(shot)

    async def crop_ads(self, shot: bytes | None) -> None:
        """The ads in view, cut out of the page's screenshot with a margin (crawler/crops.py), off the event loop:
        evidence of each ad on the pirate page, as the visitor saw it before any click. Ad frames first, then the
        links scripts injected and the boxes they laid over the page (click traps, as large as the page and
        showing nothing of their own, are not ads); their boxes are measured right after the screenshot."""
        obs, rec, limits = self.rec.obs, self.rec, self.limits
        ads = {f"{obs.visit_id}-ad{f.frame}.jpg": f for f in obs.ad_frames}
        ads |= {
            f"{obs.visit_id}-link{i}.jpg": link
            for i, link in enumerate(obs.ad_links)
            if link.where == "injected" and link.width * link.height < CLICK_TRAP_AREA
        }
        ads |= {f"{obs.visit_id}-overlay{i}.jpg": box for i, box in enumerate(obs.overlays) if not box.trap()}
        names = list(ads)[: limits.max_ad_crops]
        for _ in list(ads)[limits.max_ad_crops :]:
            rec.over("ad_crops")
        if not shot or not names:
            return
        width = (self.page.viewport_size or VIEWPORT)["width"]
        boxes = {name: (ads[name].x, ads[name].y, ads[name].width, ads[name].height) for name in names}
        try:
            crops = await asyncio.wait_for(
                asyncio.to_thread(crop_ads, shot, boxes, width, limits.ad_crop_margin), limits.action_timeout
            )
        except Exception as exc:  # a crop is evidence added, never a reason for the visit to fail
            rec.note("visit_error", f"ads not cropped: {type(exc).__name__}", 0)
            return
        for name, image in crops.items():
            ads[name].crop = rec.keep_screenshot(name, image)

    async def overlays(self, click: bool) -> None:
        """Boxes scripts laid over the page (in-page push banners, interstitials, crawler/recording/overlays.py):
        the link one holds becomes an ad link (followed later); with `click`, one without a link that another
        site's script made is clicked where a click lands on it, as a visitor would, each click a step. A
        transparent trap over the page is not clicked again (the visit's clicks went through it)."""
        rec, obs, limits = self.rec, self.rec.obs, self.limits
        if not self.on_site():
            return
        found = await self.act(lambda: rec.find_overlays(self.page), "find overlays")
        site = obs.final_site
        known = {normal_url(link.url) for link in obs.ad_links}
        for overlay, _ in found:
            if overlay.link and site_of(overlay.link) != site and normal_url(overlay.link) not in known:
                known.add(normal_url(overlay.link))
                link = AdLink(
                    overlay.link, rec.url(self.page.url), "injected", width=overlay.width, height=overlay.height
                )
                obs.ad_links.append(link)
        clicked = sum(1 for o in obs.overlays if o.step is not None)
        for overlay, point in found if click else []:
            if clicked >= limits.max_overlay_clicks or not self.on_site():
                break
            theirs = any(site_of(u) != site for u in overlay.stack)
            if point is None or overlay.link or overlay.step is not None or not theirs or overlay.trap():
                continue
            overlay.step = rec.begin_step("click_overlay", f"{point[0]},{point[1]}")
            await self.shoot_before_click()
            clicked += 1
            await self.act(lambda point=point: self.hand.click(*point), "click an overlay")
            await asyncio.sleep(limits.overlay_click_pause)

    async def follow_ad_links(self) -> None:
        """Open each ad link in a new tab of the same context, as a visitor clicking it would."""
        rec = self.rec
        opened = {normal_url(w.url, w.frame_url) for w in rec.obs.window_opens}
        opened |= {normal_url(r.url) for r in rec.obs.requests if r.navigation and r.page}
        links = []
        for link in rec.obs.ad_links:
            if normal_url(link.url) in opened or len(links) >= self.limits.max_ad_links:
                continue
            refusal = await page_chosen_refusal(link.url, (rec.obs.site, rec.obs.final_site))
            if refusal:
                rec.note("not_followed", f"{clip(link.url, 300)}: {refusal}", 0)
            else:
                links.append(link)
        if not links or self.left() < self.limits.follow_min_left:
            return
        rec.begin_step("follow_ad", f"{len(links)} ad link(s)")

        async def follow(link: AdLink) -> None:
            try:
                page = await rec.open_ad_page(link.url)
                link.followed = True
                await page.goto(link.url, wait_until="commit", timeout=self.limits.follow_navigation_timeout * 1000)
            except (TimeoutError, PlaywrightError):
                pass

        await asyncio.gather(*(follow(link) for link in links))
        await self.settle(self.limits.follow_settle_min, self.limits.follow_settle_max)


class NavigationFailed(Exception):
    """The visited page did not load (its error text says why)."""


async def navigate(page: Page, url: str, limits: Limits, recorder: Recorder | None = None) -> int | None:
    """Go to `url` within the navigation timeout: the document must arrive in time; a load event held back by
    a slow subresource (an ad server that never answers) is noted, and the visit goes on. Returns the status."""
    timeout, grace = limits.navigation_timeout, limits.navigation_grace
    try:
        response = await asyncio.wait_for(page.goto(url, wait_until="commit", timeout=timeout * 1000), timeout + grace)
    except TimeoutError:
        raise NavigationFailed(f"Timeout {timeout * 1000:.0f}ms exceeded (the page stopped answering)") from None
    except PlaywrightError as exc:
        raise NavigationFailed(str(exc).splitlines()[0]) from None
    try:
        await asyncio.wait_for(page.wait_for_load_state("load", timeout=timeout * 1000), timeout + grace)
    except (TimeoutError, PlaywrightError):
        if recorder is not None:
            recorder.note("load_incomplete", f"no load event within {timeout:g} s: a resource never finished", 0)
    return response.status if response else None


_CLOSING: set[asyncio.Task] = set()  # closes that outlived their wait, kept referenced until they end


async def close_context(context, timeout: float) -> bool:
    """Close a visit's browser context, waiting at most `timeout` s; True if it closed in that time.

    The close itself is never cancelled: Playwright sends the browser its close only after other steps, and a
    close cut short before that never happens (the context would live on, and scrapy-playwright's slot for it
    with it: after PLAYWRIGHT_MAX_CONTEXTS such visits, the crawl would wait forever for a free one). A close
    that outlives `timeout` goes on in the background.

    Its pages are closed first, without their unload handlers (the visit already left its page the way a visitor
    does): Playwright's HAR recorder asks each page for its title at its load event and waits for every answer
    before the context closes, and a page whose thread never comes back (a loop, a miner) held the context, and
    its renderer spinning a core, for the rest of the crawl."""
    closing = asyncio.ensure_future(_close_pages_then_context(context))
    try:
        await asyncio.wait_for(asyncio.shield(closing), timeout)
        return True
    except PlaywrightError:  # already closed with its browser
        return True
    except TimeoutError:
        _CLOSING.add(closing)
        closing.add_done_callback(_closed_late)
        return False


async def _close_pages_then_context(context) -> None:
    await asyncio.gather(*(page.close() for page in list(context.pages)), return_exceptions=True)
    await context.close()


def _closed_late(task: asyncio.Task) -> None:
    _CLOSING.discard(task)
    if not task.cancelled():
        task.exception()  # a late close's error (its browser gone) is expected, not an unretrieved exception


def _desktop(profile: dict | None) -> Profile:
    """The desktop visitor a plain visit's profile record describes (its locale, time zone, user agent)."""
    profile = profile or {}
    return Profile(
        "default",
        load_devices()["desktop"],
        profile.get("locale"),
        timezone=profile.get("timezone"),
        user_agent=profile.get("user_agent"),
    )


def context_options(engine: str, profile: dict | None = None) -> dict:
    """Options of the fresh browser context of a desktop visit with this profile's locale, time zone and user
    agent, on a Chromium of version `engine` (the same as a named profile's: crawler/profiles.py)."""
    return _desktop(profile).context_options(engine)


async def visit_url(
    browser,
    url: str,
    *,
    visit_id: str,
    site: str,
    page_kind: str = "home",
    profile: dict | None = None,
    limits=None,
    consent: str = "accept",
) -> Recorder:
    """A whole visit with plain Playwright (no Scrapy): fresh context, instrumentation, goto, behaviour.
    Returns the recorder: `recorder.result` is the Observation, `recorder.screenshots` its images."""
    visitor = _desktop(profile)
    context = await browser.new_context(**visitor.context_options(browser.version))
    rec = Recorder(
        context,
        visit_id=visit_id,
        url=url,
        site=site,
        page_kind=page_kind,
        profile=profile,
        limits=limits,
        identity=None if visitor.user_agent else visitor.identity(browser.version).cdp_override(),
        consent=consent,
    )
    try:
        await rec.attach()
        page = await context.new_page()
        await rec.add_page(page)
        await rec.attach_consent(page)
        await rec.read_standard_globals(page)
        rec.begin_step("load", url)
        try:
            status, error = await navigate(page, url, rec.limits, rec), None
        except NavigationFailed as exc:
            status, error = None, str(exc)
        rec.result = await Visit(page, rec).run(status, error)
    finally:
        await close_context(context, rec.limits.context_close_timeout)
    return rec
