"""The watchlist spider: for each site, a visit of the home page and of up to N content pages, each in
a fresh browser context, plus the site's ads.txt, app-ads.txt and the sellers.json they point to (plain
requests to public hosts only, crawler/public_hosts.py; redirects followed by the IAB rule,
crawler/adstxt_redirects.py).

Its configuration is the crawl's (crawler/config.py), read from the settings:

    scrapy crawl watchlist -s 'MONEYTRAIL_CRAWL={"watchlist": "NAME", "pages": 1}'
"""

from __future__ import annotations

import asyncio
import random
import re
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import scrapy

from moneytrail import __version__
from moneytrail.crawler.addresses import namespaces
from moneytrail.crawler.adstxt import ad_systems, decode_body, parse_adstxt
from moneytrail.crawler.adstxt_redirects import REDIRECT_STATUSES, redirect_target
from moneytrail.crawler.archive import warc_of
from moneytrail.crawler.config import CrawlConfig
from moneytrail.crawler.domains import host_of
from moneytrail.crawler.identity import engine_version
from moneytrail.crawler.items import AdsTxtItem, VisitItem
from moneytrail.crawler.limits import Limits
from moneytrail.crawler.observation import Observation
from moneytrail.crawler.profiles import Profile, run_profile, visitors
from moneytrail.crawler.public_hosts import NotPublic
from moneytrail.crawler.resolver import exempt, refusal
from moneytrail.crawler.settings import launch_options
from moneytrail.crawler.status import Ending, conclude
from moneytrail.crawler.store import open_store
from moneytrail.crawler.store.runs import resume_run
from moneytrail.crawler.store.visits import visit_stored
from moneytrail.crawler.store.watchlists import resolve_watchlist
from moneytrail.crawler.visit import Visit, close_context

# links that look like content a visitor came for (episode, film, match, download...), by path
CONTENT = re.compile(
    r"/(episodes?|saison|season|series?|films?|movies?|peliculas?|watch|match|live|direct|stream|"
    r"streaming|download|telecharger|ddl|torrents?|video|regarder|ver|anime|manga|chapitre|chapter|"
    r"replay|tv|sport|ep|iptv|abonnement|plans?|subscriptions?|pricing|channels?|chaines?)(?:[/_-]|\d|$)",
    re.I,
)
ADSTXT_MAX = 2 * 1024 * 1024
SELLERS_MAX = 8 * 1024 * 1024
MAX_SELLERS_PER_SITE = 20  # sellers.json files asked for per ads.txt file, DIRECT ad systems first


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


def home_visits(sites, visitors, repeat: int = 1, seed=None) -> list[tuple]:
    """(site, visitor, repetition) of a crawl's home visits: each site once per profile, `repeat` times over;
    with repetitions in a shuffled order, so a page's visits are apart in time (a sample of rotating ads)."""
    plan = [(site, visitor, rep) for rep in range(repeat) for site in sites for visitor in visitors]
    if repeat > 1:
        random.Random(seed).shuffle(plan)
    return plan


class WatchlistSpider(scrapy.Spider):
    name = "watchlist"

    def __init__(self, config: CrawlConfig | None = None, **kwargs):
        super().__init__(**kwargs)
        self.config = config
        self.limits = config.limits_value if config else Limits()
        self.sites_done = 0
        self._pending: dict[str, int] = {}
        self._adstxt_asked: set[str] = set()
        self._adstxt_done: set[tuple[str, str]] = set()  # resuming: (site, file) already stored
        self.resumed = None
        # the Chromium's version, set by from_crawler; None where no browser runs (`enqueue` queues requests
        # whose browser context each worker rebuilds from its own profiles and engine: restore_secrets)
        self.engine: str | None = None
        # where the browser writes each visit's HAR until it becomes the visit's WARC (crawler/archive.py)
        self.har_dir: Path | None = None

    @classmethod
    def update_settings(cls, settings):
        super().update_settings(settings)
        settings.set(
            "PLAYWRIGHT_LAUNCH_OPTIONS", launch_options(CrawlConfig.from_settings(settings)), priority="spider"
        )

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        config = CrawlConfig.from_settings(crawler.settings)
        spider = super().from_crawler(crawler, *args, config=config, **kwargs)
        spider.store = open_store(config.db, config.screenshots)
        spider.visitors = visitors(config.profiles, config.profiles_file, config.locale)
        # the engine's version: every visitor's browser says it is that Chrome (crawler/identity.py)
        spider.engine = engine_version(crawler.settings.getdict("PLAYWRIGHT_LAUNCH_OPTIONS")["executable_path"])
        spider.profile = run_profile(spider.visitors)
        spider.proxy = config.proxy or spider.visitors[0].proxy
        if config.resume:
            spider.resumed = resume_run(spider.store, config.resume, worker=bool(config.redis))
        if config.redis:
            from moneytrail.crawler.distributed import on_idle

            crawler.signals.connect(on_idle, signal=scrapy.signals.spider_idle)
        spider.watchlist_row, spider.sites, problems = resolve_watchlist(spider.store, config.watchlist)
        for problem in problems:
            spider.logger.warning("watchlist %s: %s", config.watchlist, problem)
        # the analyst's own names: the watchlist's top-level labels unknown to the Public Suffix List (the
        # sandbox's .test) and the proxy of the plain requests
        spider.namespaces = namespaces(site.domain for site in spider.sites)
        exempt(host_of(spider.proxy) if spider.proxy else None)
        if config.archive:  # removed by run_crawl once the browser is gone (late context closes write HARs too)
            spider.har_dir = Path(tempfile.mkdtemp(prefix="moneytrail-har-"))
        return spider

    # --- requests ----------------------------------------------------------------------------------
    async def start(self):
        if self.config.redis:  # a worker: the run's requests are in Redis (moneytrail enqueue)
            return
        done = self.resumed
        for site in self.sites:
            self._pending[site.domain] = len(self.visitors) * self.config.repeat
            if done:  # the files this run already fetched for the site
                self._adstxt_done |= {(site.domain, kind) for site_id, kind in done.adstxt_sites if site_id == site.id}
        for site, visitor, rep in home_visits(self.sites, self.visitors, self.config.repeat):
            home = done.homes.get((site.id, visitor.name, rep)) if done else None
            if home is None:
                yield self.visit_request(site.url, site.id, site.domain, "home", visitor, repetition=rep)
                continue
            # resuming: the home visit is stored; what it led to is asked for again, minus what is stored too
            visit = {"site_id": site.id, "site": site.domain, "visitor": visitor.name, "repetition": rep}
            for request in self._follow_up(home, visit):
                yield request
            self._visit_finished(site.domain)

    # --- scale-out: requests taken from Redis -------------------------------------------------------
    def already_stored(self, request) -> bool:
        """A visit request whose visit is stored (its worker died before acknowledging it)."""
        visit = request.meta.get("visit")
        return bool(visit) and visit_stored(self.store, visit["uid"])

    def restore_secrets(self, request) -> None:
        """The browser context of the request's profile, rebuilt here (its proxy secret never left this machine)."""
        visit = request.meta.get("visit")
        if visit:
            visitor = next((v for v in self.visitors if v.name == visit.get("visitor")), None)
            if visitor is None:
                raise ValueError(f"this worker has no profile {visit.get('visitor')!r}: give it the run's --profiles")
            request.meta["playwright_context_kwargs"] = self._context_options(visitor, visit["uid"])
            visit["profile"] = visitor.record()  # as this worker's profiles file describes it
            visit["touch"] = visitor.device.has_touch
            visit["identity"] = self._identity(visitor)
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
        rep = visit.get("repetition", 0)
        for url in content_links(observation.page_links, observation.final_url, self.config.pages):
            if (visit["site_id"], visitor.name, url, rep) in stored:
                continue
            if visit["site"] in self._pending:
                self._pending[visit["site"]] += 1
            yield self.visit_request(url, visit["site_id"], visit["site"], "inner", visitor, repetition=rep)
        if self.config.adstxt and visit["site"] not in self._adstxt_asked:  # once a site, whatever the profile
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
        self,
        url: str,
        site_id: int | None,
        site: str,
        page_kind: str,
        visitor: Profile,
        run: int | None = None,
        repetition: int = 0,
    ) -> scrapy.Request:
        run = run or (self.resumed.run_id if self.resumed is not None and self.config.redis else None)
        # a worker's visit has the same id however many times it is queued: stored once, found stored after
        again = f":{repetition}" if repetition else ""  # the --repeat visits of a page are other visits
        uid = (
            uuid.uuid5(uuid.NAMESPACE_URL, f"moneytrail:{run}:{site}:{visitor.name}:{page_kind}:{url}{again}").hex
            if run
            else uuid.uuid4().hex
        )
        return scrapy.Request(
            url,
            callback=self.visited,
            errback=self.failed,
            dont_filter=not run,
            meta={
                "playwright": True,
                "playwright_context": uid,
                "playwright_include_page": True,
                "playwright_context_kwargs": self._context_options(visitor, uid) if self.engine else {},
                "playwright_page_init_callback": "moneytrail.crawler.hooks.init_page",
                "dont_retry": True,
                "handle_httpstatus_all": True,
                "visit": {
                    "uid": uid,
                    "site_id": site_id,
                    "site": site,
                    "page_kind": page_kind,
                    "repetition": repetition,
                    "profile": visitor.record(),
                    "visitor": visitor.name,
                    "limits": self.limits.to_dict(),
                    "touch": visitor.device.has_touch,  # how its hand reaches the page (crawler/gestures.py)
                    "identity": self._identity(visitor),
                    "consent": visitor.consent or self.config.consent,  # the profile's own, else the crawl's
                },
            },
        )

    def _context_options(self, visitor: Profile, uid: str) -> dict:
        """The visit's browser context: its visitor's, recording a HAR (bodies attached) when archiving."""
        options = visitor.context_options(self.engine)
        if self.har_dir is not None:
            har = str(self.har_dir / f"{uid}.har.zip")
            options = {**options, "record_har_path": har, "record_har_content": "attach"}
        return options

    def _identity(self, visitor) -> dict | None:
        """Who the visitor's pages and workers say they are (CDP user-agent override), unless its profile
        sets its own user agent (then the context's user agent is left as the profile says)."""
        if not self.engine or visitor.user_agent:
            return None
        return visitor.identity(self.engine).cdp_override()

    def plain_request(
        self,
        url: str,
        kind: str,
        site_id: int | None,
        maxsize: int,
        origin: str | None = None,
        hops: list[dict] | None = None,
    ) -> scrapy.Request:
        """A plain request for a file; a redirect hop carries the URL first asked for and the hops so far."""
        meta = {
            "adstxt": {"kind": kind, "site_id": site_id, "origin": origin or url, "hops": hops or []},
            "download_maxsize": maxsize,
            "handle_httpstatus_all": True,
            "dont_redirect": True,  # redirects are followed here, by the IAB rule
        }
        if self.proxy:
            meta["proxy"] = self.proxy
        # sent as the crawl's first visitor's Chrome would send them (crawler/identity.py), not as a script
        headers = self.visitors[0].identity(self.engine).headers() if self.engine else None
        return scrapy.Request(
            url,
            callback=self.fetched,
            errback=self.fetch_failed,
            meta=meta,
            headers=headers,
            dont_filter=origin is not None,
        )

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
        closed = False
        try:
            observation, screenshots = await self._observe(page, recorder, request.url, visit, status, error)
            observation.repetition = visit.get("repetition", 0)
            texts = dict(recorder.script_texts) if recorder is not None else {}
        finally:
            closed = await self._close(page, visit["site"])
            if recorder is not None:
                recorder.cancel()
        har = (request.meta.get("playwright_context_kwargs") or {}).get("record_har_path")
        if observation.status == "crashed" and not visit.get("retry") and not self.config.redis:
            if har:
                Path(har).unlink(missing_ok=True)
            yield self._retry(request)  # once: a browser that went away is relaunched for it
            return
        archive = await self._archive(Path(har), observation, screenshots) if har and closed else None
        if visit["page_kind"] == "home":  # what it leads to is queued first: a crash after storing loses none of it
            for follow in self._follow_up(observation, visit):
                yield follow
        yield VisitItem(
            observation,
            visit["site_id"],
            screenshots,
            ack=request.meta.get("_mt_raw"),
            texts=texts,
            archive=archive,
        )
        self._visit_finished(visit["site"])

    def _retry(self, request) -> scrapy.Request:
        """A crashed visit again, under the same id, in a browser context of its own."""
        visit = request.meta["visit"]
        visitor = next(v for v in self.visitors if v.name == visit["visitor"])
        again = self.visit_request(
            request.url, visit["site_id"], visit["site"], visit["page_kind"], visitor, repetition=visit["repetition"]
        )
        again.meta["visit"].update(uid=visit["uid"], retry=1)
        again.meta["playwright_context"] = f"{visit['uid']}-retry"
        self.logger.info("retrying the crashed visit of %s", visit["site"])
        return again

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
            ending = Ending(error or "the browser could not open or instrument a page", status)
            return conclude(obs, ending), {}
        limits = self.limits
        try:
            obs = await asyncio.wait_for(
                Visit(page, recorder, touch=visit.get("touch", False)).run(status, error),
                limits.visit_timeout + limits.visit_grace,
            )
        except TimeoutError:
            recorder.unresponsive = True
            obs = recorder.observation(error, status, overran=True)
        return obs, recorder.screenshots

    async def _close(self, page, site: str) -> bool:
        """Close the visit's browser context; False if it did not close in time (or there was none)."""
        if page is None:
            return False
        if not await close_context(page.context, self.limits.context_close_timeout):
            self.logger.warning(
                "the browser context of a visit of %s did not close in %g s; its close goes on in the background",
                site,
                self.limits.context_close_timeout,
            )
            return False
        return True

    async def _archive(self, har: Path, obs: Observation, files: dict[str, bytes]) -> str | None:
        """The visit's WARC, made from the HAR its closed context left (off the event loop), among its files;
        its name, or None when there is no archive (the HAR is removed either way)."""
        name = f"{obs.visit_id}.warc.gz"
        info = {
            "software": f"moneytrail {__version__}",
            "filename": name,
            "description": f"what the browser received during visit {obs.visit_id} of {obs.url}",
            "visit": obs.visit_id,
            "url": obs.url,
            "site": obs.site,
            "page_kind": obs.page_kind,
            "started_at": obs.started_at,
        }
        try:
            if not har.is_file():
                return None
            data, facts = await asyncio.to_thread(warc_of, har, max_bytes=self.limits.max_archive_bytes, info=info)
        except Exception as exc:  # an archive is evidence added: never a reason to lose the visit
            self.logger.warning(
                "no archive of the visit of %s: its HAR could not be read (%s: %s)", obs.site, type(exc).__name__, exc
            )
            return None
        finally:
            har.unlink(missing_ok=True)
        if facts.truncated:
            self.logger.info(
                "the archive of the visit of %s keeps %d response(s) without their body (past %d bytes)",
                obs.site,
                facts.truncated,
                self.limits.max_archive_bytes,
            )
        files[name] = data
        return name

    # --- ads.txt, app-ads.txt, sellers.json --------------------------------------------------------
    def fetched(self, response):
        request = response.request
        info = request.meta["adstxt"]
        hops = list(info.get("hops") or [])
        content_type = response.headers.get("Content-Type", b"").decode("latin-1")[:200] or None
        if response.status in REDIRECT_STATUSES:
            location = response.headers.get("Location", b"").decode("latin-1")
            hops.append({"url": response.url, "status": response.status, "location": location[:2000]})
            target, why_not = redirect_target(info["origin"], response.url, location, len(hops) - 1)
            if target is not None:
                follow = self.plain_request(
                    target, info["kind"], info["site_id"], request.meta["download_maxsize"], info["origin"], hops
                )
                if "_mt_raw" in request.meta:  # scale-out: the hop replaces the taken request in the queue
                    follow.meta["_mt_raw"] = request.meta["_mt_raw"]
                yield follow
                return
            yield self._file(request, "refused", response.url, response.status, hops, error=why_not)
            return
        ok = 200 <= response.status < 300
        body = decode_body(response.body) if ok else None
        parsed = parse_adstxt(body, content_type) if ok and info["kind"] != "sellers.json" else None
        outcome = "html" if parsed is not None and parsed.html else "ok" if ok else "http_error"
        yield self._file(
            request,
            outcome,
            response.url,
            response.status,
            hops,
            size=len(response.body),
            body=body if outcome == "ok" else None,
            content_type=content_type,
        )
        if outcome == "ok" and parsed is not None:
            for system in ad_systems(parsed)[:MAX_SELLERS_PER_SITE]:
                yield self.plain_request(f"https://{system}/sellers.json", "sellers.json", None, SELLERS_MAX)

    def fetch_failed(self, failure):
        request = failure.request
        info = request.meta["adstxt"]
        message = str(failure.value) or type(failure.value).__name__
        refused = refusal(host_of(request.url))
        if failure.check(NotPublic) or refused:
            outcome, message = "refused", refused or message
        elif "max size" in message or "maxsize" in message:
            outcome = "too_large"
        else:
            outcome = "failed"
        hops = list(info.get("hops") or [])
        yield self._file(request, outcome, request.url if hops else None, None, hops, error=message[:500])

    def _file(self, request, outcome: str, final_url: str | None, status: int | None, hops: list[dict], **fields):
        """The item of one file: named after the URL first asked for (authoritative for it, as the IAB rule
        says, whatever the redirects)."""
        info = request.meta["adstxt"]
        return AdsTxtItem(
            info["site_id"],
            host_of(info["origin"]),
            info["kind"],
            info["origin"],
            outcome,
            final_url=final_url,
            http_status=status,
            hops=hops,
            ack=request.meta.get("_mt_raw"),
            **fields,
        )
