"""Starting a crawl (what `moneytrail crawl` and `moneytrail worker` hand over): the checks made before anything
is stored (proxy, browser, signature data, store, watchlist, profiles), resuming a run with its recorded
configuration, running it in this process, and reading its outcome back from the store."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from moneytrail.crawler.config import ConfigError, CrawlConfig
from moneytrail.crawler.profiles import ProfileError, choose
from moneytrail.crawler.store import Store
from moneytrail.crawler.store.runs import NoSuchRun, RunInfo, run_info
from moneytrail.crawler.store.watchlists import NoSuchWatchlist, resolve_watchlist
from moneytrail.crawler.watchlist import parse_file
from moneytrail.errors import Failure, UsageError

from .checks import check_browser_starts, check_proxy, load_analyzer, open_store_checked


@dataclass
class CrawlPlan:
    """A crawl ready to run: its configuration, where it stores, what it visits, and what to tell the user."""

    config: CrawlConfig
    store: Store
    watchlist: str
    sites: int
    problems: list = field(default_factory=list)  # rows of a watchlist file that were skipped
    notes: list[str] = field(default_factory=list)


def resumed_config(store: Store, run_id: int, watchlist: str | None = None, **given) -> CrawlConfig:
    """The configuration run `run_id` was recorded with, for `crawl --resume`: what is `given` again (this
    process's store, proxy, log...; a locale or profiles if given) replaces what was recorded."""
    try:
        info: RunInfo = run_info(store, run_id)
    except NoSuchRun as exc:
        raise UsageError(f"{exc}: see `moneytrail runs`") from None
    if watchlist and watchlist != info.watchlist:
        raise UsageError(f"run {info.id} crawled watchlist {info.watchlist}, not {watchlist}")
    if info.state == "finished":
        raise UsageError(f"run {info.id} is finished")
    if info.live:
        raise UsageError(f"run {info.id} is still going: {info.live}; resume it once that process has stopped")
    if info.config.distributed:
        raise UsageError(f"run {info.id} is a distributed run: its workers resume it")
    changes = {k: v for k, v in given.items() if v not in (None, ())}
    try:
        return info.config.replace(resume=run_id, **changes)
    except (ConfigError, TypeError) as exc:
        raise UsageError(str(exc)) from None


def plan_crawl(config: CrawlConfig, *, name: str | None = None) -> CrawlPlan:
    """Every check a crawl needs before it stores anything (each failure a UsageError or Failure)."""
    from moneytrail.crawler.run import default_log_file

    check_proxy(config.proxy)
    if config.consent != "off":
        from moneytrail.crawler.consent import ConsentUnavailable, library

        try:
            library()
        except ConsentUnavailable as exc:
            raise Failure(str(exc)) from None
    load_analyzer(config.data, config.lists)  # bad signature data: say so now, not after the first visit
    store = open_store_checked(config.db, config.screenshots)
    notes = []
    if config.profiles:
        try:
            chosen = choose(list(config.profiles), config.profiles_file)
        except ProfileError as exc:
            raise UsageError(str(exc)) from None
        if config.locale or (config.proxy and any(v.proxy for v in chosen)):
            notes.append("with --profile, each profile's own locale and proxy win over --locale and --proxy")
    problems = parse_file(config.watchlist).errors if Path(config.watchlist).is_file() else []
    try:
        watchlist, sites, _ = resolve_watchlist(store, config.watchlist, name)
    except NoSuchWatchlist as exc:
        raise UsageError(f"no watchlist {exc}: give a watchlist name (`moneytrail watchlist list`) or a file") from None
    if not sites:
        raise UsageError(f"watchlist {watchlist.name} has no site")
    config = config.replace(
        watchlist=watchlist.name,
        db=store.url,
        screenshots=config.screenshots or str(store.screenshots),
        log_file=config.log_file or default_log_file("worker" if config.redis else "crawl"),
    )
    check_browser_starts(config)  # last: the costliest check, once the rest is known to be right
    return CrawlPlan(config, store, watchlist.name, len(sites), problems, notes)


def run_plan(plan: CrawlPlan):
    """Run the crawl in this process (blocking); its result (crawler.run.CrawlResult) and the run as the store
    records it."""
    from moneytrail.crawler.run import run_crawl

    result = run_crawl(plan.config)
    info = run_info(plan.store, result.run_id) if result.run_id is not None else None
    return result, info
