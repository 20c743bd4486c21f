"""The `moneytrail` command."""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

import typer
from rich.console import Console
from rich.table import Table

from moneytrail.sandbox.cli import app as sandbox_app

from moneytrail import __version__
from moneytrail.crawler.browser import BrowserNotFound, find_chromium

app = typer.Typer(
    help="moneytrail: follow the money of piracy sites (ad networks, advertisers, miners).", no_args_is_help=True
)
watchlist_app = typer.Typer(help="Keep watchlists of sites to crawl (CSV or plain text files).", no_args_is_help=True)
app.add_typer(watchlist_app, name="watchlist")
app.add_typer(sandbox_app, name="sandbox")
# wide when piped (a table wrapped at 80 columns is no use to grep), the terminal's width otherwise
err = Console(stderr=True, width=None if sys.stderr.isatty() else 200)
out = Console(width=None if sys.stdout.isatty() else 200)

DB_HELP = "SQLAlchemy URL of the store (default: $MONEYTRAIL_DB, else SQLite in $MONEYTRAIL_HOME or ~/.local/share/moneytrail)"

# exit statuses of `moneytrail crawl` (documented in the README)
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_NOTHING_REACHED = 0, 1, 2, 3


def _store(db: str | None):
    from moneytrail.crawler.store import open_store, redact

    try:
        return open_store(db)
    except Exception as exc:  # a wrong URL, a missing driver, a database that refuses us
        err.print(
            f"[red]error:[/] cannot open the store {redact(db or '(default)')}: {type(exc).__name__}: "
            f"{str(exc).splitlines()[0][:300]}"
        )
        raise typer.Exit(EXIT_USAGE)


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


@app.command()
def browser() -> None:
    """Say which Chromium moneytrail will drive (Playwright's own, else the system's)."""
    try:
        typer.echo(find_chromium())
    except BrowserNotFound as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1)


# --- watchlists ------------------------------------------------------------------------------------


def _report_problems(parsed, max_shown: int = 50) -> None:
    for problem in parsed.errors[:max_shown]:
        err.print(f"[yellow]skipped[/] {problem}", markup=True, highlight=False)
    if len(parsed.errors) > max_shown:
        err.print(f"... and {len(parsed.errors) - max_shown} more bad rows")
    for notice in parsed.notices[:max_shown]:
        err.print(f"note: {notice}", markup=False, highlight=False)


@watchlist_app.command("import")
def watchlist_import(
    file: Path = typer.Argument(..., help="CSV (url or domain column) or text (one URL or domain a line)"),
    name: str | None = typer.Option(None, "--name", help="watchlist name (default: the file's stem)"),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Import a watchlist file: bad rows are reported with their line number and skipped; sites of the same
    registrable domain are merged."""
    from moneytrail.crawler.store.writer import import_watchlist
    from moneytrail.crawler.watchlist import parse_file

    if not file.is_file():
        err.print(f"[red]error:[/] no such file: {file}")
        raise typer.Exit(EXIT_USAGE)
    parsed = parse_file(file)
    _report_problems(parsed)
    if not parsed.entries:
        err.print(f"[red]error:[/] {file}: no valid row, nothing imported")
        raise typer.Exit(EXIT_USAGE)
    store = _store(db)
    added, updated = import_watchlist(store, name or file.stem, parsed.entries, source=str(file.resolve()))
    out.print(
        f"watchlist {name or file.stem}: {added} site(s) added, {updated} updated, {len(parsed.errors)} row(s) skipped",
        highlight=False,
    )


@watchlist_app.command("list")
def watchlist_list(
    name: str | None = typer.Argument(None, help="show this watchlist's sites"),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """List the watchlists, or the sites of one."""
    from moneytrail.crawler.store.writer import NoSuchWatchlist, list_watchlists, watchlist_sites

    store = _store(db)
    if name is None:
        table = Table("watchlist", "sites", "created", "source")
        for wl, n in list_watchlists(store):
            table.add_row(wl.name, str(n), f"{wl.created_at:%Y-%m-%d %H:%M}", wl.source or "")
        out.print(table)
        return
    try:
        _, sites = watchlist_sites(store, name)
    except NoSuchWatchlist:
        err.print(f"[red]error:[/] no watchlist named {name!r}")
        raise typer.Exit(EXIT_USAGE)
    table = Table("domain", "url", "name", "category", "country", "tags", "monthly visits")
    for s in sites:
        table.add_row(
            s.domain,
            s.url,
            s.name or "",
            s.category or "",
            s.country or "",
            ", ".join(s.tags or []),
            f"{s.monthly_visits:,}" if s.monthly_visits is not None else "",
        )
    out.print(table)


@watchlist_app.command("remove")
def watchlist_remove(
    name: str = typer.Argument(..., help="the watchlist"),
    domains: list[str] | None = typer.Argument(None, help="only these sites (registrable domains)"),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Remove a watchlist, or some of its sites. Visits already stored are kept."""
    from moneytrail.crawler.domains import site_of
    from moneytrail.crawler.store.writer import NoSuchWatchlist, remove

    store = _store(db)
    wanted = [site_of(d if "://" in d else f"https://{d}/") for d in domains or []]
    try:
        n = remove(store, name, wanted or None)
    except NoSuchWatchlist:
        err.print(f"[red]error:[/] no watchlist named {name!r}")
        raise typer.Exit(EXIT_USAGE)
    out.print(f"removed {n} site(s)" + ("" if wanted else f" and the watchlist {name}"))


# --- crawling --------------------------------------------------------------------------------------


@app.command()
def crawl(
    watchlist: str | None = typer.Option(
        None, "--watchlist", "-w", help="watchlist name, or a watchlist file (imported first)"
    ),
    resume: int | None = typer.Option(
        None, "--resume", help="go on with an interrupted run (`moneytrail runs`): visits stored are not repeated"
    ),
    name: str | None = typer.Option(
        None, "--name", help="name under which a watchlist file is imported (default: its stem)"
    ),
    proxy: str | None = typer.Option(
        None,
        "--proxy",
        help="proxy for the browser and plain requests "
        "(http://user:password@host:port); how to crawl from another country",
    ),
    concurrency: int = typer.Option(4, "--concurrency", "-c", min=1, max=32, help="browser contexts at once"),
    pages: int = typer.Option(
        1, "--pages", "-p", min=0, max=20, help="content pages visited per site, besides the home page"
    ),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
    locale: str | None = typer.Option(None, "--locale", help="browser language, e.g. fr-FR (default en-US)"),
    stealth: bool = typer.Option(True, "--stealth/--no-stealth", help="hide navigator.webdriver, as sites cloak on it"),
    adstxt: bool = typer.Option(True, "--adstxt/--no-adstxt", help="fetch ads.txt, app-ads.txt and sellers.json"),
    screenshots: Path | None = typer.Option(
        None, "--screenshots", help="screenshot directory (default: <data home>/screenshots)"
    ),
    log_file: Path | None = typer.Option(
        None, "--log", help="Scrapy's log (default: <data home>/logs/crawl-<time>.log)"
    ),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="show a progress bar"),
    data: Path | None = typer.Option(
        None, "--data", help="signature data directory (default: $MONEYTRAIL_DATA, else the project's data/)"
    ),
    lists: Path | None = typer.Option(
        None,
        "--lists",
        help="directory of ABP filter lists, *.txt (default: the `moneytrail lists update` cache, if filled)",
    ),
    profile: list[str] | None = typer.Option(
        None, "--profile", help="visitor profile (repeatable): each site is visited once per profile"
    ),
    profiles: Path | None = typer.Option(
        None,
        "--profiles",
        help="profiles file (default: $MONEYTRAIL_PROFILES, <data home>/profiles.toml, else data/profiles.toml)",
    ),
) -> None:
    """Crawl a watchlist: visit each site like a person, record everything, store it.

    Exit status: 0 the crawl finished (every site has a recorded status); 1 it could not run or was
    interrupted; 2 bad usage (no such watchlist, no valid row, unusable store or proxy); 3 it finished but
    no site could be reached (check the proxy and the network)."""
    from moneytrail.crawler.run import CrawlOptions, default_log_file, run_crawl
    from moneytrail.crawler.settings import browser_proxy, redact_proxy
    from moneytrail.crawler.store import redact
    from moneytrail.crawler.store.writer import NoSuchWatchlist, resolve_watchlist
    from moneytrail.crawler.watchlist import parse_file

    if proxy:
        try:
            browser_proxy(proxy)
        except ValueError as exc:
            err.print(f"[red]error:[/] --proxy {redact_proxy(proxy)}: {exc}")
            raise typer.Exit(EXIT_USAGE)
    try:
        find_chromium()
    except BrowserNotFound as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(EXIT_FAILED)
    analyzer_or_exit(err, data and str(data), lists and str(lists), EXIT_USAGE)  # bad signature data: say so now
    store = _store(db)
    if resume is not None:
        from moneytrail.crawler.store.writer import NoSuchRun, run_options

        try:
            run_watchlist, stored = run_options(store, resume)
        except NoSuchRun as exc:
            err.print(f"[red]error:[/] {exc}: see `moneytrail runs`")
            raise typer.Exit(EXIT_USAGE)
        if watchlist and watchlist != run_watchlist:
            err.print(f"[red]error:[/] run {resume} crawled watchlist {run_watchlist}, not {watchlist}")
            raise typer.Exit(EXIT_USAGE)
        from sqlalchemy import select as _select

        from moneytrail.crawler.store.schema import Run as _Run

        with store.session() as s:
            state = s.scalar(_select(_Run.state).where(_Run.id == resume))
        if state == "finished" or stored.get("distributed"):
            err.print(
                f"[red]error:[/] run {resume} is {'finished' if state == 'finished' else 'a distributed run: its workers resume it'}"
            )
            raise typer.Exit(EXIT_USAGE)
        locale = locale or stored.get("locale")
        watchlist, pages = run_watchlist, int(stored.get("pages", pages))
        stealth, adstxt = bool(stored.get("stealth", stealth)), bool(stored.get("adstxt", adstxt))
        profile = profile or list(stored.get("profiles") or [])
        err.print(
            f"resuming run {resume} (watchlist {run_watchlist}; give the proxy and profile secrets again)",
            highlight=False,
        )
    if not watchlist:
        err.print("[red]error:[/] give --watchlist NAME|FILE (or --resume RUN)")
        raise typer.Exit(EXIT_USAGE)
    if profile:
        from moneytrail.crawler.profiles import ProfileError, choose

        try:
            visitors = choose(profile, profiles)
        except ProfileError as exc:
            err.print(f"[red]error:[/] {exc}", highlight=False)
            raise typer.Exit(EXIT_USAGE)
        if locale or (proxy and any(v.proxy for v in visitors)):
            err.print("note: with --profile, each profile's own locale and proxy win over --locale and --proxy")
    if Path(watchlist).is_file():
        _report_problems(parse_file(watchlist))
    try:
        wl, sites, _ = resolve_watchlist(store, watchlist, name)
    except NoSuchWatchlist as exc:
        err.print(f"[red]error:[/] no watchlist {exc}: give a watchlist name (`moneytrail watchlist list`) or a file")
        raise typer.Exit(EXIT_USAGE)
    if not sites:
        err.print(f"[red]error:[/] watchlist {wl.name} has no site")
        raise typer.Exit(EXIT_USAGE)
    log = str(log_file) if log_file else default_log_file()
    err.print(
        f"crawling {len(sites)} site(s) of watchlist {wl.name} into {redact(store.url)}; log: {log}", highlight=False
    )
    result = run_crawl(
        CrawlOptions(
            watchlist=wl.name,
            db=store.url,
            proxy=proxy,
            concurrency=concurrency,
            pages=pages,
            stealth=stealth,
            locale=locale,
            screenshots=str(store.screenshots if not screenshots else screenshots),
            log_file=log,
            progress=progress,
            adstxt=adstxt,
            data=data and str(data),
            lists=lists and str(lists),
            profiles=list(profile or []),
            profiles_file=profiles and str(profiles),
            resume=resume,
        )
    )
    _summary(result, store, screenshots or store.screenshots)
    if result.state != "finished":
        raise typer.Exit(EXIT_FAILED)
    if not any(result.counts.get(f"sites_{s}") for s in ("ok", "hostile")):
        err.print("[red]no site could be reached[/]: check --proxy and the network")
        raise typer.Exit(EXIT_NOTHING_REACHED)


schedule_app = typer.Typer(help="Scheduled crawls (run by `moneytrail scheduler`).", no_args_is_help=True)
app.add_typer(schedule_app, name="schedule")


@schedule_app.command("add")
def schedule_add(
    watchlist: str = typer.Option(..., "--watchlist", "-w", help="the watchlist's name"),
    cron: str | None = typer.Option(None, "--cron", help='cron expression in UTC, e.g. "0 3 * * 1" (Mondays 03:00)'),
    every: str | None = typer.Option(None, "--every", help="or an interval: 90s, 30m, 6h, 7d"),
    profile: list[str] | None = typer.Option(None, "--profile", help="visitor profile (repeatable)"),
    pages: int = typer.Option(1, "--pages", "-p", min=0, max=20),
    name: str | None = typer.Option(None, "--name", help="the schedule's name (default: watchlist-N)"),
    catch_up: bool = typer.Option(
        False,
        "--catch-up/--skip-missed",
        help="after downtime, run a missed crawl once at start (default: skip it, recorded as missed)",
    ),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Schedule a watchlist's crawl."""
    from sqlalchemy import func, select

    from moneytrail.crawler.schedules import ScheduleError, check_cron, parse_every, utcnow
    from moneytrail.crawler.store.schema import Schedule, Watchlist

    if bool(cron) == bool(every):
        err.print("[red]error:[/] give --cron or --every (one of them)")
        raise typer.Exit(EXIT_USAGE)
    try:
        seconds = parse_every(every) if every else None
        if cron:
            check_cron(cron)
    except ScheduleError as exc:
        err.print(f"[red]error:[/] {exc}", highlight=False)
        raise typer.Exit(EXIT_USAGE)
    if profile:
        from moneytrail.crawler.profiles import ProfileError, profile_names

        try:
            known = profile_names()
        except ProfileError as exc:
            err.print(f"[red]error:[/] {exc}", highlight=False)
            raise typer.Exit(EXIT_USAGE)
        unknown = [p for p in profile if p not in known]
        if unknown:
            err.print(f"[red]error:[/] no profile {', '.join(unknown)}")
            raise typer.Exit(EXIT_USAGE)
    store = _store(db)
    with store.session() as s, s.begin():
        if s.scalar(select(Watchlist.id).where(Watchlist.name == watchlist)) is None:
            err.print(f"[red]error:[/] no watchlist {watchlist!r} (`moneytrail watchlist list`)")
            raise typer.Exit(EXIT_USAGE)
        name = name or f"{watchlist}-{(s.scalar(select(func.count(Schedule.id))) or 0) + 1}"
        if s.scalar(select(Schedule.id).where(Schedule.name == name)) is not None:
            err.print(f"[red]error:[/] a schedule is already named {name!r}")
            raise typer.Exit(EXIT_USAGE)
        s.add(
            Schedule(
                name=name,
                watchlist=watchlist,
                cron=cron,
                every_seconds=seconds,
                profiles=list(profile or []),
                pages=pages,
                catch_up=catch_up,
                enabled=True,
                created_at=utcnow(),
            )
        )
    out.print(
        f"schedule {name}: {watchlist} {'at ' + cron + ' (UTC)' if cron else 'every ' + every}; "
        "`moneytrail scheduler` runs it",
        highlight=False,
    )


@schedule_app.command("list")
def schedule_list(db: str | None = typer.Option(None, "--db", help=DB_HELP)) -> None:
    """The schedules, their next run and their last outcome."""
    from sqlalchemy import select

    from moneytrail.crawler.schedules import trigger, utcnow
    from moneytrail.crawler.store.schema import Schedule, ScheduleRun

    store = _store(db)
    table = Table(show_header=True)
    for column in ("name", "watchlist", "when (UTC)", "profiles", "next run", "last run", "outcome", "crawl run"):
        table.add_column(column)
    with store.session() as s:
        for sch in s.scalars(select(Schedule).order_by(Schedule.name)):
            last = s.scalars(
                select(ScheduleRun).where(ScheduleRun.schedule_id == sch.id).order_by(ScheduleRun.id.desc())
            ).first()
            nxt = trigger(sch).get_next_fire_time(None, utcnow())
            table.add_row(
                sch.name,
                sch.watchlist,
                sch.cron or f"every {sch.every_seconds}s",
                ", ".join(sch.profiles or []),
                f"{nxt:%Y-%m-%d %H:%M:%S}" if nxt else "",
                f"{last.started_at:%Y-%m-%d %H:%M}" if last else "",
                last.state if last else "",
                str(last.run_id or "") if last else "",
            )
    out.print(table)


@schedule_app.command("remove")
def schedule_remove(
    name: str = typer.Argument(..., help="the schedule's name"),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Remove a schedule (and its history)."""
    from sqlalchemy import delete

    from moneytrail.crawler.store.schema import Schedule

    store = _store(db)
    with store.session() as s, s.begin():
        gone = s.execute(delete(Schedule).where(Schedule.name == name)).rowcount
    if not gone:
        err.print(f"[red]error:[/] no schedule {name!r} (`moneytrail schedule list`)")
        raise typer.Exit(EXIT_USAGE)
    out.print(f"schedule {name} removed", highlight=False)


@app.command()
def scheduler(
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
    sync: float = typer.Option(30.0, "--sync", min=0.2, help="seconds between two reads of the schedule table"),
    log_file: Path | None = typer.Option(None, "--log", help="the scheduler's log (default: standard error)"),
) -> None:
    """Run the schedules (a long-running daemon; stop it with SIGTERM or Ctrl-C). See README, "Schedules"."""
    import logging

    from moneytrail.crawler.schedules import Daemon
    from moneytrail.crawler.store import redact

    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(name)s %(levelname)s: %(message)s",
        filename=str(log_file) if log_file else None,
    )
    store = _store(db)
    logging.getLogger("moneytrail.scheduler").info("scheduler on %s", redact(store.url))
    Daemon(store, store.url, sync).run()


REDIS_HELP = "Redis URL of the shared queue (default: $MONEYTRAIL_REDIS, else redis://127.0.0.1:6379/0)"


def _redis_url(url: str | None) -> str:
    return url or os.environ.get("MONEYTRAIL_REDIS") or "redis://127.0.0.1:6379/0"


def _redis(url: str):
    from moneytrail.crawler.distributed import connect
    from moneytrail.crawler.store import redact

    try:
        return connect(url)
    except Exception as exc:  # refused, bad URL, authentication
        err.print(
            f"[red]error:[/] cannot reach Redis at {redact(url)}: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
        )
        raise typer.Exit(EXIT_USAGE)


@app.command()
def enqueue(
    watchlist: str = typer.Option(
        ..., "--watchlist", "-w", help="watchlist name, or a watchlist file (imported first)"
    ),
    profile: list[str] | None = typer.Option(None, "--profile", help="visitor profile (repeatable)"),
    profiles: Path | None = typer.Option(None, "--profiles", help="profiles file"),
    pages: int = typer.Option(1, "--pages", "-p", min=0, max=20),
    stealth: bool = typer.Option(True, "--stealth/--no-stealth"),
    adstxt: bool = typer.Option(True, "--adstxt/--no-adstxt"),
    redis: str | None = typer.Option(None, "--redis", help=REDIS_HELP),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Put a watchlist's visits in the shared queue for `moneytrail worker` processes (scale-out)."""
    import time as _time

    from scrapy_redis import picklecompat

    from moneytrail.spiders.watchlist import WatchlistSpider

    from moneytrail.crawler.distributed import ACTIVE, keys, strip_secrets
    from moneytrail.crawler.limits import Limits
    from moneytrail.crawler.profiles import Profile, ProfileError, load_devices, profile_names
    from moneytrail.crawler.store.writer import NoSuchWatchlist, resolve_watchlist, start_run

    try:  # the profiles are checked here, their secrets are the workers' business
        names = profile_names(profiles)
        unknown = [p for p in profile or [] if p not in names]
        if unknown:
            raise ProfileError(f"no profile {', '.join(unknown)} (there: {', '.join(names)})")
    except ProfileError as exc:
        err.print(f"[red]error:[/] {exc}", highlight=False)
        raise typer.Exit(EXIT_USAGE)
    url = _redis_url(redis)
    server = _redis(url)
    store = _store(db)
    try:
        wl, sites, _ = resolve_watchlist(store, watchlist)
    except NoSuchWatchlist as exc:
        err.print(f"[red]error:[/] no watchlist {exc}")
        raise typer.Exit(EXIT_USAGE)
    desktop = load_devices()["desktop"]
    visitors = [Profile(name, desktop) for name in profile] if profile else [Profile("default", desktop)]
    options = {
        "watchlist": wl.name,
        "pages": pages,
        "stealth": stealth,
        "adstxt": adstxt,
        "profiles": list(profile or []),
        "distributed": True,
    }
    run = start_run(store, wl.id, len(sites), {"profiles": list(profile or [])} if profile else {}, options)
    spider = WatchlistSpider(watchlist=wl.name, pages=pages, stealth=stealth, adstxt=adstxt)
    spider.limits, spider.visitors = Limits(), visitors
    queue = keys(run)["queue"]
    for site in sites:
        for visitor in visitors:
            request = spider.visit_request(site.url, site.id, site.domain, "home", visitor, run=run)
            strip_secrets(request)
            server.lpush(queue, picklecompat.dumps(request.to_dict(spider=spider)))
    server.zadd(ACTIVE, {str(run): _time.time()})
    out.print(
        f"run {run}: {len(sites) * len(visitors)} visit(s) of watchlist {wl.name} queued; start workers with "
        f"`moneytrail worker --run {run}`",
        highlight=False,
    )


@app.command()
def worker(
    run: int | None = typer.Option(None, "--run", help="the run to work on (default: the oldest queued)"),
    redis: str | None = typer.Option(None, "--redis", help=REDIS_HELP),
    db: str | None = typer.Option(None, "--db", help=DB_HELP + " (all workers: the same PostgreSQL)"),
    proxy: str | None = typer.Option(None, "--proxy", help="proxy for this worker's browser and plain requests"),
    profiles: Path | None = typer.Option(
        None, "--profiles", help="profiles file (the run's profiles, with this machine's secrets)"
    ),
    concurrency: int = typer.Option(4, "--concurrency", "-c", min=1, max=32),
    log_file: Path | None = typer.Option(
        None, "--log", help="Scrapy's log (default: <data home>/logs/worker-<time>.log)"
    ),
) -> None:
    """Take visits from the shared queue until the run is done (scale-out). Exit 0 when the run finished."""
    from moneytrail.crawler.distributed import ACTIVE
    from moneytrail.crawler.run import CrawlOptions, default_log_file, run_crawl
    from moneytrail.crawler.store.writer import NoSuchRun, run_options

    url = _redis_url(redis)
    server = _redis(url)
    if run is None:
        oldest = server.zrange(ACTIVE, 0, 0)
        if not oldest:
            err.print("nothing queued (`moneytrail enqueue` first)")
            raise typer.Exit(0)
        run = int(oldest[0])
    store = _store(db)
    try:
        name, stored = run_options(store, run)
    except NoSuchRun as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(EXIT_USAGE)
    if not stored.get("distributed"):
        err.print(f"[red]error:[/] run {run} was not enqueued (`moneytrail enqueue`): it is no worker's")
        raise typer.Exit(EXIT_USAGE)
    log = str(log_file) if log_file else default_log_file().replace("crawl-", "worker-")
    err.print(f"worker on run {run} (watchlist {name}); log: {log}", highlight=False)
    run_crawl(
        CrawlOptions(
            watchlist=name,
            db=store.url,
            proxy=proxy,
            concurrency=concurrency,
            pages=int(stored.get("pages", 1)),
            stealth=bool(stored.get("stealth", True)),
            adstxt=bool(stored.get("adstxt", True)),
            log_file=log,
            progress=False,
            profiles=list(stored.get("profiles") or []),
            profiles_file=profiles and str(profiles),
            resume=run,
            redis=url,
        )
    )
    from sqlalchemy import select

    from moneytrail.crawler.store.schema import Run

    with store.session() as s:
        state = s.scalar(select(Run.state).where(Run.id == run))
    out.print(f"run {run}: {state}", highlight=False)
    if state != "finished":
        raise typer.Exit(EXIT_FAILED)


@app.command()
def runs(
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
    last: int = typer.Option(20, "--last", min=1, help="how many of the latest runs"),
) -> None:
    """The crawl runs on record: when, which watchlist, state (a `running` run whose process is gone was killed:
    `moneytrail crawl --resume RUN` goes on with it), visits stored."""
    from sqlalchemy import func, select

    from moneytrail.crawler.store.schema import Run, Visit, Watchlist

    store = _store(db)
    table = Table(show_header=True)
    for column in ("run", "watchlist", "started (UTC)", "ended", "state", "visits"):
        table.add_column(column)
    with store.session() as s:
        rows = s.execute(
            select(Run, Watchlist.name, select(func.count(Visit.id)).where(Visit.run_id == Run.id).scalar_subquery())
            .join(Watchlist, Watchlist.id == Run.watchlist_id, isouter=True)
            .order_by(Run.id.desc())
            .limit(last)
        ).all()
    for run, name, visits in rows:
        table.add_row(
            str(run.id),
            name or "-",
            f"{run.started_at:%Y-%m-%d %H:%M}",
            f"{run.ended_at:%Y-%m-%d %H:%M}" if run.ended_at else "",
            run.state,
            str(visits),
        )
    out.print(table)


def _summary(result, store, screenshots) -> None:
    from moneytrail.crawler.store import redact

    c = result.counts
    table = Table(title=f"run {result.run_id}: {result.state}", show_header=True)
    table.add_column("")
    for status in ("ok", "hostile", "dead", "timeout", "crashed"):
        table.add_column(status, justify="right")
    table.add_column("total", justify="right")
    for what in ("sites", "visits"):
        row = [c.get(f"{what}_{s}", 0) for s in ("ok", "hostile", "dead", "timeout", "crashed")]
        table.add_row(what, *map(str, row), str(sum(row)))
    out.print(table)
    out.print(
        f"popups and tab-unders {c.get('popups', 0)}, WebSockets {c.get('websockets', 0)}, "
        f"wasm modules {c.get('wasm', 0)}; ads.txt ok {c.get('ads.txt_ok', 0)}, sellers.json ok "
        f"{c.get('sellers.json_ok', 0)}",
        highlight=False,
    )
    out.print(
        f"ads followed to an advertiser {c.get('links', 0)}, miners {c.get('miners', 0)}"
        + (
            f"; [red]attribution failed on {c['attribution_errors']} item(s)[/]: see the log, then "
            "`moneytrail reanalyze`"
            if c.get("attribution_errors")
            else ""
        ),
        highlight=False,
    )
    out.print(
        f"store: {redact(store.url)}\nscreenshots: {screenshots}/run-{result.run_id}\nlog: {result.log_file}",
        highlight=False,
    )


from moneytrail.cli.analysis import analyzer_or_exit, register  # noqa: E402

register(app, _store, err, out, DB_HELP, EXIT_USAGE)
from moneytrail.cli.reports import register as register_reports  # noqa: E402

register_reports(app, _store, err, out, DB_HELP, EXIT_USAGE)


def main() -> None:
    app()
