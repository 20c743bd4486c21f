"""`moneytrail schedule add|list|remove` and the `moneytrail scheduler` daemon."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from moneytrail.errors import UsageError

from . import options as o
from .console import cell, out, say

app = typer.Typer(help="Scheduled crawls (run by `moneytrail scheduler`).", no_args_is_help=True)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="schedule")
    root.command()(scheduler)


@app.command("add")
def schedule_add(
    watchlist: Annotated[str, typer.Option("--watchlist", "-w", help="the watchlist's name")],
    cron: Annotated[
        str | None, typer.Option("--cron", help='cron expression in UTC, e.g. "0 3 * * 1" (Mondays 03:00)')
    ] = None,
    every: Annotated[str | None, typer.Option("--every", help="or an interval: 90s, 30m, 6h, 7d")] = None,
    name: Annotated[str | None, typer.Option("--name", help="the schedule's name (default: watchlist-N)")] = None,
    catch_up: Annotated[
        bool,
        typer.Option(
            "--catch-up/--skip-missed",
            help="after downtime, run a missed crawl once at start (default: skip it, recorded as missed)",
        ),
    ] = False,
    pages: o.Pages = 1,
    profile: o.Profile = None,
    profiles: o.Profiles = None,
    locale: o.Locale = None,
    stealth: o.Stealth = True,
    consent: o.Consent = o.DEFAULT_CONSENT,
    adstxt: o.AdsTxt = True,
    archive: o.Archive = True,
    concurrency: o.Concurrency = 4,
    data: o.Data = None,
    lists: o.Lists = None,
    limit: o.Limit = None,
    db: o.Db = None,
) -> None:
    """Schedule a watchlist's crawl, with any crawl option (a proxy comes from the scheduler's environment,
    MONEYTRAIL_PROXY, or from the profiles: no secret is stored)."""
    from moneytrail.crawler.profiles import ProfileError, check_profiles
    from moneytrail.crawler.store.schedules import ScheduleExists, add_schedule
    from moneytrail.crawler.store.watchlists import NoSuchWatchlist
    from moneytrail.services.checks import open_store_checked
    from moneytrail.services.scheduler import ScheduleError, check_cron, parse_every

    if bool(cron) == bool(every):
        raise UsageError("give --cron or --every (one of them)")
    try:
        seconds = parse_every(every) if every else None
        if cron:
            check_cron(cron)
    except ScheduleError as exc:
        raise UsageError(str(exc)) from None
    config = o.config_from(watchlist, locals())
    try:
        check_profiles(config.profiles, config.profiles_file)
    except ProfileError as exc:
        raise UsageError(str(exc)) from None
    store = open_store_checked(db)
    try:
        name = add_schedule(store, config, name=name, cron=cron, every_seconds=seconds, catch_up=catch_up)
    except NoSuchWatchlist:
        raise UsageError(f"no watchlist {watchlist!r} (`moneytrail watchlist list`)") from None
    except ScheduleExists:
        raise UsageError(f"a schedule is already named {name!r}") from None
    say(
        f"schedule {name}: {watchlist} {'at ' + cron + ' (UTC)' if cron else 'every ' + every}; "
        "`moneytrail scheduler` runs it"
    )


@app.command("list")
def schedule_list(db: o.Db = None, as_json: o.Json = False) -> None:
    """The schedules, their next run and their last outcome."""
    from moneytrail.crawler.store.schedules import config_of, list_schedules
    from moneytrail.services.checks import open_store_checked
    from moneytrail.services.scheduler import ScheduleError, next_run

    rows = []
    for sch, last in list_schedules(open_store_checked(db)):
        try:
            nxt, problem = next_run(sch), None
        except ScheduleError as exc:
            nxt, problem = None, str(exc)
        rows.append(
            {
                "name": sch.name,
                "watchlist": sch.watchlist,
                "when": sch.cron or f"every {sch.every_seconds}s",
                "profiles": list(config_of(sch).profiles),
                "next_run": nxt.isoformat() if nxt else None,
                "last_run": last.started_at.isoformat() if last else None,
                "outcome": last.state if last else None,
                "crawl_run": last.run_id if last else None,
                "config": config_of(sch).record(),
                "error": problem,
            }
        )
    if as_json:
        typer.echo(json.dumps(rows, indent=1))
        return
    table = Table(show_header=True)
    for column in ("name", "watchlist", "when (UTC)", "profiles", "next run", "last run", "outcome", "crawl run"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            cell(row["name"]),
            cell(row["watchlist"]),
            cell(row["when"]),
            cell(", ".join(row["profiles"])),
            cell((row["next_run"] or "")[:19].replace("T", " ") or row["error"] and "cannot run (see --json)"),
            (row["last_run"] or "")[:16].replace("T", " "),
            cell(row["outcome"]),
            cell(row["crawl_run"]),
        )
    out.print(table)


@app.command("remove")
def schedule_remove(name: Annotated[str, typer.Argument(help="the schedule's name")], db: o.Db = None) -> None:
    """Remove a schedule (and its history)."""
    from moneytrail.crawler.store.schedules import remove_schedule
    from moneytrail.services.checks import open_store_checked

    if not remove_schedule(open_store_checked(db), name):
        raise UsageError(f"no schedule {name!r} (`moneytrail schedule list`)")
    say(f"schedule {name} removed")


def scheduler(
    db: o.Db = None,
    sync: Annotated[
        float, typer.Option("--sync", min=0.2, help="seconds between two reads of the schedule table")
    ] = 30.0,
    log_file: Annotated[
        Path | None, typer.Option("--log", help="the scheduler's log (default: standard error)")
    ] = None,
) -> None:
    """Run the schedules (a long-running daemon; stop it with SIGTERM or Ctrl-C). See README, "Schedules"."""
    import logging

    from moneytrail.crawler.store import redact
    from moneytrail.services.checks import open_store_checked
    from moneytrail.services.scheduler import Daemon

    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(name)s %(levelname)s: %(message)s",
        filename=str(log_file) if log_file else None,
    )
    store = open_store_checked(db)
    logging.getLogger("moneytrail.scheduler").info("scheduler on %s", redact(store.url))
    Daemon(store, store.url, sync).run()
