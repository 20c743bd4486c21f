"""The watchlist spider: for each site, a visit of the home page and of up to N content pages, each in
a fresh browser context, plus the site's ads.txt, app-ads.txt and the sellers.json they point to.

    scrapy crawl watchlist -a watchlist=NAME|FILE [-a pages=1] [-s MONEYTRAIL_PROXY=URL] [-s MONEYTRAIL_DB=URL]
"""

from __future__ import annotations

import asyncio
import re
import uuid
from dataclasses import asdict
from datetime import UTC, datetime
from urllib.parse import urlsplit

import scrapy
from playwright.async_api import Error as PlaywrightError

from moneytrail.crawler.domains import site_of
from moneytrail.crawler.items import AdsTxtItem, VisitItem
from moneytrail.crawler.limits import Limits
from moneytrail.crawler.observation import Observation
from moneytrail.crawler.profiles import Profile, choose, load_devices
from moneytrail.crawler.settings import launch_options, proxy_for_requests, store_from_settings
from moneytrail.crawler.store.writer import resolve_watchlist, resume_run
from moneytrail.crawler.visit import Visit, classify

# links that look like content a visitor came for (episode, film, match, download...), by path
CONTENT = re.compile(
    r"/(episodes?|saison|season|series?|films?|movies?|peliculas?|watch|match|live|direct|stream|"
    r"streaming|download|telecharger|ddl|torrents?|video|regarder|ver|anime|manga|chapitre|chapter|"
    r"replay|tv|sport|ep|iptv|abonnement|plans?|subscriptions?|pricing|channels?|chaines?)(?:[/_-]|\d|$)",
    re.I,
)
ADSTXT_MAX = 2 * 1024 * 1024
SELLERS_MAX = 8 * 1024 * 1024
MAX_SELLERS_PER_SITE = 20


def content_links(links: list[str], current: str, n: int) -> list[str]:
    """The first `n` links of the page that look like content pages, in page order: paths two or more
    levels deep with a content word first, then one level deep with one, then any two levels deep."""
    current = current.split("#")[0].rstrip("/")
    ranked: list[list[str]] = [[], [], []]
    for link in dict.fromkeys(link.split("#")[0] for link in links):
        path = urlsplit(link).path
        if link.rstrip("/") == current:
            continue
        deep = len([p for p in path.split("/") if p]) >= 2
        if CONTENT.search(path):
            ranked[0 if deep else 1].append(link)
        elif deep:
            ranked[2].append(link)
    return (ranked[0] + ranked[1] + ranked[2])[:n]


class WatchlistSpider(scrapy.Spider):
    name = "watchlist"

    def __init__(
        self,
        watchlist: str | None = None,
        pages: int | str = 1,
        stealth: str | bool = True,
        adstxt: str | bool = True,
        profiles: str | list | None = None,
        resume: int | str | None = None,
        worker: str | bool = False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if not watchlist:
            raise ValueError("give a watchlist: -a watchlist=NAME or -a watchlist=FILE")
        self.watchlist = watchlist
        self.profile_names = [p for p in (profiles.split(",") if isinstance(profiles, str) else profiles or []) if p]
        self.resume = int(resume) if resume not in (None, "", 0, "0") else None
        self.worker = str(worker).lower() in ("1", "true", "yes")  # scale-out: requests come from Redis
        self.pages = int(pages)
        self.stealth = str(stealth).lower() not in ("0", "false", "no")
        self.fetch_adstxt = str(adstxt).lower() not in ("0", "false", "no")
        self.sites_done = 0
        self._pending: dict[str, int] = {}
        self._adstxt_asked: set[str] = set()
        self._adstxt_done: set[tuple[str, str]] = set()  # resuming: (site, file) already stored

    @classmethod
    def update_settings(cls, settings):
        super().update_settings(settings)
        settings.set("PLAYWRIGHT_LAUNCH_OPTIONS", launch_options(settings), priority="spider")

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.store = store_from_settings(settings)
        spider.limits = Limits.from_settings(settings)
        if spider.profile_names:  # named visitor profiles: every site once per profile
            spider.visitors = choose(spider.profile_names, settings.get("MONEYTRAIL_PROFILES") or None)
        else:  # one visitor: --locale, and the browser-wide --proxy
            locale = (settings.getdict("MONEYTRAIL_PROFILE") or {}).get("locale")
            spider.visitors = [Profile("default", load_devices()["desktop"], locale)]
        spider.profile = (
            spider.visitors[0].record()
            if len(spider.visitors) == 1
            else {"profiles": [v.record() for v in spider.visitors]}
        )
        spider.proxy = proxy_for_requests(settings) or spider.visitors[0].proxy
        spider.resumed = resume_run(spider.store, spider.resume, details=not spider.worker) if spider.resume else None
        if spider.worker:
            from moneytrail.crawler.distributed import on_idle

            crawler.signals.connect(on_idle, signal=scrapy.signals.spider_idle)
        spider.watchlist_row, spider.sites, problems = resolve_watchlist(spider.store, spider.watchlist)
        for problem in problems:
            spider.logger.warning("watchlist %s: %s", spider.watchlist, problem)
        return spider

    # --- requests ----------------------------------------------------------------------------------
    async def start(self):
        if self.worker:  # the run's requests are in Redis (moneytrail enqueue); nothing to start here
            return
        done = self.resumed
        for site in self.sites:
            self._pending[site.domain] = len(self.visitors)
            if done:  # the files this run already fetched for the site
                self._adstxt_done |= {(site.domain, kind) for site_id, kind in done.adstxt_sites if site_id == site.id}
            for visitor in self.visitors:
                home = done.homes.get((site.id, visitor.name)) if done else None
                if home is None:
                    yield self.visit_request(site.url, site.id, site.domain, "home", visitor)
                    continue
                # resuming: the home visit is stored; what it led to is asked for again, minus what is stored too
                for request in self._follow_up(
                    home, {"site_id": site.id, "site": site.domain, "visitor": visitor.name}
                ):
                    yield request
                self._visit_finished(site.domain)

    # --- scale-out: requests taken from Redis -------------------------------------------------------
    def already_stored(self, request) -> bool:
        """A visit request whose visit is stored (its worker died before acknowledging it)."""
        visit = request.meta.get("visit")
        if not visit:
            return False
        from sqlalchemy import select

        from moneytrail.crawler.store.schema import Visit as VisitRow

        with self.store.session() as s:
            return s.scalar(select(VisitRow.id).where(VisitRow.uid == visit["uid"])) is not None

    def restore_secrets(self, request) -> None:
        """The browser context of the request's profile, rebuilt here (its proxy secret never left this machine)."""
        visit = request.meta.get("visit")
        if visit:
            visitor = next((v for v in self.visitors if v.name == visit.get("visitor")), None)
            if visitor is None:
                raise ValueError(f"this worker has no profile {visit.get('visitor')!r}: give it the run's --profiles")
            request.meta["playwright_context_kwargs"] = visitor.context_options()
            visit["profile"] = visitor.record()  # as this worker's profiles file describes it
        elif self.proxy:
            request.meta["proxy"] = self.proxy

    def _follow_up(self, observation, visit):
        """After a home visit: its content pages (not already stored when resuming), and the site's ads.txt."""
        if not (
            re.search(r"[a-z]", observation.final_site)
            and ":" not in observation.final_site
            and observation.status in ("ok", "hostile")
            and observation.final_site
        ):
            return
        visitor = next(v for v in self.visitors if v.name == visit["visitor"])
        stored = self.resumed.visits if self.resumed else set()
        for url in content_links(observation.page_links, observation.final_url, self.pages):
            if (visit["site_id"], visitor.name, url) in stored:
                continue
            if visit["site"] in self._pending:
                self._pending[visit["site"]] += 1
            yield self.visit_request(url, visit["site_id"], visit["site"], "inner", visitor)
        if self.fetch_adstxt and visit["site"] not in self._adstxt_asked:  # once a site, whatever the profile
            self._adstxt_asked.add(visit["site"])
            for kind in ("ads.txt", "app-ads.txt"):
                if (visit["site"], kind) not in self._adstxt_done:
                    yield self.plain_request(
                        f"https://{observation.final_site}/{kind}", kind, visit["site_id"], ADSTXT_MAX
                    )

    def _visit_finished(self, site: str) -> None:
        if site not in self._pending:  # scale-out: the site's other visits are other workers'
            return
        self._pending[site] -= 1
        if self._pending[site] == 0:
            self.sites_done += 1

    def visit_request(
        self, url: str, site_id: int | None, site: str, page_kind: str, visitor: Profile, run: int | None = None
    ) -> scrapy.Request:
        run = run or (self.resumed.run_id if getattr(self, "resumed", None) is not None and self.worker else None)
        # a worker's visit has the same id however many times it is queued: stored once, found stored after
        uid = (
            uuid.uuid5(uuid.NAMESPACE_URL, f"moneytrail:{run}:{site}:{visitor.name}:{page_kind}:{url}").hex
            if run
            else uuid.uuid4().hex
        )
        limits = asdict(self.limits)
        return scrapy.Request(
            url,
            callback=self.visited,
            errback=self.failed,
            dont_filter=not run,
            meta={
                "playwright": True,
                "playwright_context": uid,
                "playwright_include_page": True,
                "playwright_context_kwargs": visitor.context_options(),
                "playwright_page_init_callback": "moneytrail.crawler.hooks.init_page",
                "navigation_timeout": self.limits.navigation_timeout,
                "dont_retry": True,
                "handle_httpstatus_all": True,
                "visit": {
                    "uid": uid,
                    "site_id": site_id,
                    "site": site,
                    "page_kind": page_kind,
                    "profile": visitor.record(),
                    "visitor": visitor.name,
                    "limits": limits,
                    "stealth": self.stealth,
                },
            },
        )

    def plain_request(self, url: str, kind: str, site_id: int | None, maxsize: int) -> scrapy.Request:
        meta = {
            "adstxt": {"kind": kind, "site_id": site_id},
            "download_maxsize": maxsize,
            "handle_httpstatus_all": True,
        }
        if self.proxy:
            meta["proxy"] = self.proxy
        return scrapy.Request(url, callback=self.fetched, errback=self.fetch_failed, meta=meta)

    # --- visits ------------------------------------------------------------------------------------
    async def visited(self, response):
        async for item in self._visit_done(response.request, response.status, None):
            yield item

    async def failed(self, failure):
        async for item in self._visit_done(failure.request, None, str(failure.value) or repr(failure.value)):
            yield item

    async def _visit_done(self, request, status: int | None, error: str | None):
        visit = request.meta["visit"]
        page, recorder = request.meta.get("playwright_page"), request.meta.get("recorder")
        try:
            observation, screenshots = await self._observe(page, recorder, request.url, visit, status, error)
        finally:
            await self._close(page)
            if recorder is not None:
                recorder.cancel()
        if visit["page_kind"] == "home":  # what it leads to is queued first: a crash after storing loses none of it
            for follow in self._follow_up(observation, visit):
                yield follow
        yield VisitItem(observation, visit["site_id"], screenshots, ack=request.meta.get("_mt_raw"))
        self._visit_finished(visit["site"])

    async def _observe(self, page, recorder, url, visit, status, error):
        if recorder is None:  # the browser could not open or instrument a page
            obs = Observation(
                visit_id=visit["uid"],
                url=url,
                site=visit["site"],
                page_kind=visit["page_kind"],
                started_at=datetime.now(UTC).isoformat(timespec="seconds"),
                profile=visit.get("profile") or {},
            )
            obs.error = error or "the browser could not open or instrument a page"
            obs.status, obs.hostile = classify(obs.error, status)
            return obs, {}
        try:
            obs = await asyncio.wait_for(Visit(page, recorder).run(status, error), self.limits.visit_timeout + 30)
        except TimeoutError:
            recorder.unresponsive = True
            obs = recorder.observation()
            obs.status, obs.error = "timeout", obs.error or "the visit went over its time limit"
        return obs, recorder.screenshots

    @staticmethod
    async def _close(page) -> None:
        if page is None:
            return
        try:
            await asyncio.wait_for(page.context.close(), 15)
        except (TimeoutError, PlaywrightError):
            pass

    # --- ads.txt, app-ads.txt, sellers.json --------------------------------------------------------
    def fetched(self, response):
        info = response.meta["adstxt"]
        body = response.body.decode("utf-8", "replace")
        ok = 200 <= response.status < 300
        yield AdsTxtItem(
            info["site_id"],
            urlsplit(response.request.url).hostname or "",
            info["kind"],
            response.request.url,
            "ok" if ok else "http_error",
            final_url=response.url,
            http_status=response.status,
            size=len(response.body),
            body=body if ok else None,
            ack=response.request.meta.get("_mt_raw"),
        )
        if ok and info["kind"] in ("ads.txt", "app-ads.txt"):
            for system in ad_systems(body)[:MAX_SELLERS_PER_SITE]:
                yield self.plain_request(f"https://{system}/sellers.json", "sellers.json", None, SELLERS_MAX)

    def fetch_failed(self, failure):
        request = failure.request
        info = request.meta["adstxt"]
        message = str(failure.value) or type(failure.value).__name__
        outcome = "too_large" if "max size" in message or "maxsize" in message else "failed"
        yield AdsTxtItem(
            info["site_id"],
            urlsplit(request.url).hostname or "",
            info["kind"],
            request.url,
            outcome,
            error=message[:500],
            ack=request.meta.get("_mt_raw"),
        )


def ad_systems(adstxt: str) -> list[str]:
    """The ad-system domains named by an ads.txt (first field of its data records), in order."""
    found = []
    for line in adstxt.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or "=" in line.split(",", 1)[0]:
            continue
        domain = line.split(",", 1)[0].strip().lower()
        if re.fullmatch(r"[a-z0-9.-]+\.[a-z]{2,}", domain) and site_of(f"https://{domain}/"):
            found.append(domain)
    return list(dict.fromkeys(found))
