"""Scale-out (`moneytrail enqueue` and `moneytrail worker`): a run's visits put in a shared Redis queue, and
workers on any machines taking them into one store (the queue itself: crawler/distributed.py)."""

from __future__ import annotations

import os
import time

from moneytrail.crawler.config import CrawlConfig
from moneytrail.crawler.distributed import ACTIVE, connect, keys, strip_secrets
from moneytrail.crawler.profiles import Profile, ProfileError, check_profiles, load_devices
from moneytrail.crawler.redaction import scrub
from moneytrail.crawler.store import Store, redact
from moneytrail.crawler.store.runs import NoSuchRun, RunInfo, run_info, start_run
from moneytrail.crawler.store.watchlists import NoSuchWatchlist, resolve_watchlist
from moneytrail.errors import UsageError


def redis_url(url: str | None) -> str:
    return url or os.environ.get("MONEYTRAIL_REDIS") or "redis://127.0.0.1:6379/0"


def connect_checked(url: str):
    try:
        return connect(url)
    except Exception as exc:  # refused, bad URL, authentication
        first = scrub(str(exc).splitlines()[0][:200] if str(exc) else "", url)
        raise UsageError(f"cannot reach Redis at {redact(url)}: {type(exc).__name__}: {first}") from None


def enqueue(store: Store, server, config: CrawlConfig) -> tuple[int, int, str]:
    """Record a distributed run of `config` and queue the home visit of each site for each profile:
    (run id, visits queued, watchlist name). Profiles are checked here; their secrets are the workers'."""
    from scrapy_redis import picklecompat

    from moneytrail.spiders.watchlist import WatchlistSpider, home_visits

    try:
        check_profiles(config.profiles, config.profiles_file)
    except ProfileError as exc:
        raise UsageError(str(exc)) from None
    try:
        wl, sites, _ = resolve_watchlist(store, config.watchlist)
    except NoSuchWatchlist as exc:
        raise UsageError(f"no watchlist {exc}") from None
    config = config.replace(watchlist=wl.name, distributed=True)
    desktop = load_devices()["desktop"]  # placeholders: each worker rebuilds a visit's context from its own profiles
    visitors = [Profile(name, desktop) for name in config.profiles] or [Profile("default", desktop)]
    run = start_run(store, config, wl.id, len(sites), {"profiles": list(config.profiles)} if config.profiles else {})
    spider = WatchlistSpider(config)
    queue = keys(run)["queue"]
    plan = home_visits(sites, visitors, config.repeat)
    for site, visitor, rep in plan:
        request = spider.visit_request(site.url, site.id, site.domain, "home", visitor, run=run, repetition=rep)
        strip_secrets(request)
        server.lpush(queue, picklecompat.dumps(request.to_dict(spider=spider)))
    server.zadd(ACTIVE, {str(run): time.time()})
    return run, len(plan), wl.name


def oldest_queued(server) -> int | None:
    oldest = server.zrange(ACTIVE, 0, 0)
    return int(oldest[0]) if oldest else None


def worker_config(store: Store, run: int, url: str, **process) -> CrawlConfig:
    """The configuration a worker of `run` crawls with: the run's record, this machine's process fields."""
    try:
        info: RunInfo = run_info(store, run)
    except NoSuchRun as exc:
        raise UsageError(str(exc)) from None
    if not info.config.distributed:
        raise UsageError(f"run {run} was not enqueued (`moneytrail enqueue`): it is no worker's")
    changes = {k: v for k, v in process.items() if v is not None}
    return info.config.replace(resume=run, redis=url, progress=False, db=store.url, **changes)
