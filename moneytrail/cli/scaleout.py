"""`moneytrail enqueue` and `moneytrail worker` (scale-out over Redis, one shared store)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from moneytrail.crawler.machine import default_concurrency
from moneytrail.errors import Failure

from . import options as o
from .console import note, say

Redis = Annotated[
    str | None,
    typer.Option(
        "--redis", help="Redis URL of the shared queue (default: $MONEYTRAIL_REDIS, else redis://127.0.0.1:6379/0)"
    ),
]


def register(app: typer.Typer) -> None:
    app.command()(enqueue)
    app.command()(worker)


def enqueue(
    watchlist: Annotated[
        str, typer.Option("--watchlist", "-w", help="watchlist name, or a watchlist file (imported first)")
    ],
    profile: o.Profile = None,
    profiles: o.Profiles = None,
    pages: o.Pages = 1,
    locale: o.Locale = None,
    stealth: o.Stealth = True,
    consent: o.Consent = o.DEFAULT_CONSENT,
    adstxt: o.AdsTxt = True,
    archive: o.Archive = True,
    limit: o.Limit = None,
    redis: Redis = None,
    db: o.Db = None,
) -> None:
    """Put a watchlist's visits in the shared queue for `moneytrail worker` processes (scale-out)."""
    from moneytrail.services.checks import open_store_checked
    from moneytrail.services.scaleout import connect_checked, enqueue, redis_url

    config = o.config_from(watchlist, locals())
    server = connect_checked(redis_url(redis))
    run, queued, name = enqueue(open_store_checked(db), server, config)
    say(f"run {run}: {queued} visit(s) of watchlist {name} queued; start workers with `moneytrail worker --run {run}`")


def worker(
    run: Annotated[int | None, typer.Option("--run", help="the run to work on (default: the oldest queued)")] = None,
    redis: Redis = None,
    db: o.Db = None,
    proxy: o.Proxy = None,
    profiles: Annotated[
        Path | None, typer.Option("--profiles", help="profiles file (the run's profiles, with this machine's secrets)")
    ] = None,
    concurrency: o.Concurrency = None,
    log_file: Annotated[
        Path | None, typer.Option("--log", help="Scrapy's log (default: <data home>/logs/worker-<time>.log)")
    ] = None,
    dead_after: Annotated[
        int,
        typer.Option(
            "--dead-after",
            min=15,
            max=3600,
            help="seconds without this worker's heartbeat after which the other workers take its visits back (15-3600)",
        ),
    ] = 60,
) -> None:
    """Take visits from the shared queue until the run is done (scale-out). Exit 0 when the run finished."""
    from moneytrail.crawler.store.runs import run_info
    from moneytrail.services.checks import open_store_checked
    from moneytrail.services.crawl import plan_crawl, run_plan
    from moneytrail.services.scaleout import connect_checked, oldest_queued, redis_url, worker_config

    url = redis_url(redis)
    server = connect_checked(url)
    if run is None:
        run = oldest_queued(server)
        if run is None:
            note("nothing queued (`moneytrail enqueue` first)")
            return
    store = open_store_checked(db)
    config = worker_config(
        store,
        run,
        url,
        proxy=proxy,
        profiles_file=str(profiles) if profiles else None,
        concurrency=default_concurrency() if concurrency is None else concurrency,  # this machine's
        log_file=str(log_file) if log_file else None,
        dead_after=dead_after,
    )
    plan = plan_crawl(config)
    note(f"worker on run {run} (watchlist {plan.watchlist}); log: {plan.config.log_file}")
    run_plan(plan)
    state = run_info(store, run).state
    say(f"run {run}: {state}")
    if state != "finished":
        raise Failure(f"run {run} is {state}")
