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

app = typer.Typer(help="Scheduled crawls and reports (run by `moneytrail scheduler`).", no_args_is_help=True)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="schedule")
    root.command()(scheduler)


@app.command("add")
def schedule_add(
    watchlist: Annotated[
        str | None,
        typer.Option("--watchlist", "-w", help="the watchlist's name (a report's: only its sites' visits)"),
    ] = None,
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
    concurrency: o.Concurrency = None,
    repeat: o.Repeat = 1,
    data: o.Data = None,
    lists: o.Lists = None,
    limit: o.Limit = None,
    report: Annotated[
        str | None,
        typer.Option("--report", help="schedule a report instead of a crawl: exposure or network"),
    ] = None,
    period: Annotated[
        str | None, typer.Option("--period", help="the report's period, counted from each run: last-month...")
    ] = None,
    fmt: Annotated[list[str] | None, typer.Option("--format", "-f", help="report format, repeatable")] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="where reports go (default <data home>/reports/scheduled)"),
    ] = None,
    network: Annotated[
        str | None, typer.Option("--network", help="a network report's network (default: one per network)")
    ] = None,
    country: Annotated[str | None, typer.Option("--country", help="a report's country filter")] = None,
    organisation: Annotated[
        str | None, typer.Option("--organisation", help="who publishes the scheduled reports")
    ] = None,
    cpm: Annotated[Path | None, typer.Option("--cpm", help="CPM ranges for exposure reports")] = None,
    brands: Annotated[list[Path] | None, typer.Option("--brands", help="brand lists for reports")] = None,
    logo: Annotated[Path | None, typer.Option("--logo", help="the publisher's logo for reports")] = None,
    lang: Annotated[str, typer.Option("--lang", help="the reports' language: en or fr")] = "en",
    db: o.Db = None,
) -> None:
    """Schedule a watchlist's crawl, with any crawl option (a proxy comes from the scheduler's environment,
    MONEYTRAIL_PROXY, or from the profiles: no secret is stored); or, with --report, a report: each run
    writes into <out>/<schedule>/<due time>/ (the history) and copies it to <out>/<schedule>/latest/."""
    from moneytrail.crawler.profiles import ProfileError, check_profiles
    from moneytrail.crawler.store.schedules import ScheduleExists, add_report_schedule, add_schedule
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
    if report is not None:
        filters = {"watchlist": watchlist, "profile": (profile or [None])[-1], "country": country}
        paths = {"out": out, "cpm": cpm, "logo": logo}
        record = _report_record(report, period, fmt, network, filters, organisation, paths, brands or [], lang)
        store = open_store_checked(db)
        try:
            name = add_report_schedule(store, record, name=name, cron=cron, every_seconds=seconds, catch_up=catch_up)
        except ScheduleExists:
            raise UsageError(f"a schedule is already named {name!r}") from None
        say(f"schedule {name}: {report} report of {period} {'at ' + cron + ' (UTC)' if cron else 'every ' + every}")
        return
    if watchlist is None:
        raise UsageError("give --watchlist (the watchlist to crawl), or --report")
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


def _report_record(kind, period, formats, network, filters, organisation, paths, brands, lang) -> dict:
    """A report schedule's record, checked now rather than at 3 a.m.: the kind, the period (relative periods
    are counted from each run), the formats, and the files it reads (absolute, existing)."""
    from moneytrail.reports import REPORT_FORMATS
    from moneytrail.reports.i18n import LANGUAGES
    from moneytrail.reports.periods import PeriodError, parse
    from moneytrail.services.scheduler import REPORT_KINDS

    if kind not in REPORT_KINDS:
        raise UsageError(f"--report {kind!r}: one of {', '.join(REPORT_KINDS)}")
    if not period:
        raise UsageError("--report needs --period (e.g. last-month)")
    try:
        parse(period)
    except PeriodError as exc:
        raise UsageError(f"--period {exc}") from None
    for fmt in formats or ["html"]:
        if fmt not in REPORT_FORMATS:
            raise UsageError(f"unknown format {fmt!r}: one of {', '.join(REPORT_FORMATS)}")
    if lang not in LANGUAGES:
        raise UsageError(f"--lang {lang!r}: one of {', '.join(LANGUAGES)}")
    if network and kind != "network":
        raise UsageError("--network goes with --report network")
    files = {k: str(v.resolve()) for k, v in paths.items() if v is not None}
    for key, value in [*((k, v) for k, v in files.items() if k != "out"), *(("brands", str(b)) for b in brands)]:
        if not Path(value).is_file():
            raise UsageError(f"--{key} {value}: no such file")
    return {
        "kind": kind,
        "period": period,
        "formats": list(formats or ["html"]),
        "network": network,
        "filters": {k: v for k, v in filters.items() if v},
        "organisation": organisation,
        "lang": lang,
        "brands": [str(b.resolve()) for b in brands],
        **files,
    }


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
        config = None if sch.report else config_of(sch)
        rows.append(
            {
                "name": sch.name,
                "does": f"{sch.report['kind']} report, {sch.report['period']}" if sch.report else "crawl",
                "watchlist": sch.watchlist,
                "when": sch.cron or f"every {sch.every_seconds}s",
                "profiles": list(config.profiles) if config else [],
                "next_run": nxt.isoformat() if nxt else None,
                "last_run": last.started_at.isoformat() if last else None,
                "outcome": last.state if last else None,
                "crawl_run": last.run_id if last else None,
                "config": config.record() if config else None,
                "report": sch.report,
                "error": problem,
            }
        )
    if as_json:
        typer.echo(json.dumps(rows, indent=1))
        return
    table = Table(show_header=True)
    for column in (
        "name",
        "does",
        "watchlist",
        "when (UTC)",
        "profiles",
        "next run",
        "last run",
        "outcome",
        "crawl run",
    ):
        table.add_column(column)
    for row in rows:
        table.add_row(
            cell(row["name"]),
            cell(row["does"]),
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
