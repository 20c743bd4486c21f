"""`moneytrail crawl` and `moneytrail runs`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from moneytrail.errors import Failure, NothingReached, UsageError

from . import options as o
from .console import cell, note, out, say, warn

STATUSES = ("ok", "hostile", "dead", "timeout", "crashed")


def register(app: typer.Typer) -> None:
    app.command()(crawl)
    app.command()(runs)
    app.command("visit")(show_visit)


def report_problems(problems, max_shown: int = 50) -> None:
    """Rows of a user file that were skipped, each with its line."""
    for problem in problems[:max_shown]:
        warn("skipped", str(problem))
    if len(problems) > max_shown:
        note(f"... and {len(problems) - max_shown} more bad rows")


def crawl(
    watchlist: o.Watchlist = None,
    resume: Annotated[
        int | None,
        typer.Option(
            "--resume", help="go on with an interrupted run (`moneytrail runs`): visits stored are not repeated"
        ),
    ] = None,
    name: Annotated[
        str | None, typer.Option("--name", help="name under which a watchlist file is imported (default: its stem)")
    ] = None,
    proxy: o.Proxy = None,
    concurrency: o.Concurrency = None,
    repeat: o.Repeat = 1,
    pages: o.Pages = 1,
    db: o.Db = None,
    locale: o.Locale = None,
    stealth: o.Stealth = True,
    consent: o.Consent = o.DEFAULT_CONSENT,
    adstxt: o.AdsTxt = True,
    archive: o.Archive = True,
    screenshots: Annotated[
        Path | None, typer.Option("--screenshots", help="screenshot directory (default: <data home>/screenshots)")
    ] = None,
    log_file: Annotated[
        Path | None, typer.Option("--log", help="Scrapy's log (default: <data home>/logs/crawl-<time>.log)")
    ] = None,
    progress: o.Progress = True,
    data: o.Data = None,
    lists: o.Lists = None,
    profile: o.Profile = None,
    profiles: o.Profiles = None,
    limit: o.Limit = None,
    url: Annotated[
        str | None,
        typer.Option(
            "--url",
            help="a debug crawl of this one page (no content pages): what it saw is printed, and stored in a "
            "store of its own unless --db is given",
        ),
    ] = None,
) -> None:
    """Crawl a watchlist: visit each site like a person, record everything, store it.

    Exit status: 0 the crawl finished (every site has a recorded status); 1 it could not run or was
    interrupted; 2 bad usage (no such watchlist, no valid row, unusable store or proxy); 3 it finished but
    no site could be reached (check the proxy and the network)."""
    from moneytrail.crawler.store import redact
    from moneytrail.services.checks import open_store_checked
    from moneytrail.services.crawl import plan_crawl, resumed_config, run_plan

    if url is not None:
        if watchlist or resume is not None:
            raise UsageError("--url crawls one page: give it without --watchlist or --resume")
        watchlist, name, pages, progress, db = _debug_crawl(url, db)
    flags = dict(locals())
    process = {
        "db": db,
        "proxy": proxy,
        "screenshots": str(screenshots) if screenshots else None,
        "log_file": str(log_file) if log_file else None,
        "progress": progress,
    }
    if resume is not None:
        store = open_store_checked(db)
        config = resumed_config(
            store,
            resume,
            watchlist,
            locale=locale,
            profiles=tuple(profile or ()),
            profiles_file=str(profiles) if profiles else None,
            data=str(data) if data else None,
            lists=str(lists) if lists else None,
            **process,
        )
        note(f"resuming run {resume} (watchlist {config.watchlist}; give the proxy and profile secrets again)")
    elif not watchlist:
        raise UsageError("give --watchlist NAME|FILE (or --resume RUN)")
    else:
        config = o.config_from(watchlist, flags, **process)
    plan = plan_crawl(config, name=name)
    report_problems(plan.problems)
    for text in plan.notes:
        note(f"note: {text}")
    note(
        f"crawling {plan.sites} site(s) of watchlist {plan.watchlist} into {redact(plan.store.url)}; "
        f"log: {plan.config.log_file}"
    )
    result, info = run_plan(plan)
    counts = info.counts if info else {}
    summary(result.run_id, result.state, counts, plan)
    if url is not None and result.run_id is not None:
        from moneytrail.crawler.store.visits import visited_uids

        for uid in sorted(visited_uids(plan.store, result.run_id)):
            show_visit(uid, db=plan.store.url)
    if result.stopped:
        raise Failure(f"the crawl stopped: {result.stopped}")
    if result.state != "finished":
        raise Failure(f"the crawl did not finish ({result.state}): see the log {plan.config.log_file}")
    if not any(counts.get(f"sites_{s}") for s in ("ok", "hostile")):
        raise NothingReached("no site could be reached: check --proxy and the network")


def _debug_crawl(url: str, db: str | None) -> tuple[str, str, int, bool, str]:
    """(watchlist file, its name, pages, progress, store) of `crawl --url URL`: a one-line watchlist in a
    folder of its own, and a store there unless one is given."""
    import tempfile

    from moneytrail.crawler.store import data_home

    if not url.lower().startswith(("http://", "https://")) or any(c.isspace() for c in url):
        raise UsageError(f"--url takes an http(s) URL, not {url!r}")
    folder = Path(tempfile.mkdtemp(prefix="debug-", dir=_mkdir(data_home() / "debug")))
    (folder / "page.txt").write_text(url + "\n", encoding="utf-8")
    note(f"debug crawl of one page; its files: {folder}")
    return str(folder / "page.txt"), f"debug-{folder.name}", 0, False, db or f"sqlite:///{folder / 'debug.db'}"


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def consent_line(c: dict, mode: str) -> str:
    """What the crawl did with cookie-consent banners (a consent platform's name came from a page's frame)."""
    if mode == "off":
        return "cookie consent: off (banners left unanswered)"
    answered = c.get("consent_accepted", 0) + c.get("consent_rejected", 0)
    cmps = ", ".join(f"{k.removeprefix('cmp_')} {n}" for k, n in sorted(c.items()) if k.startswith("cmp_"))
    others = ", ".join(
        f"{k.removeprefix('consent_')} {n}"
        for k, n in sorted(c.items())
        if k.startswith("consent_") and k not in ("consent_accepted", "consent_rejected", "consent_none", "consent_off")
    )
    line = f"cookie consent ({mode}): a banner answered on {answered} visit(s)" + (f" ({cmps})" if cmps else "")
    line += f"; not answered: {others}" if others else ""
    return "".join(ch if ch.isprintable() else "?" for ch in line)  # said as plain text, control characters out


def summary(run_id, state: str, c: dict, plan) -> None:
    from moneytrail.crawler.store import redact

    table = Table(title=cell(f"run {run_id}: {state}"), show_header=True)
    table.add_column("")
    for status in STATUSES:
        table.add_column(status, justify="right")
    table.add_column("total", justify="right")
    for what in ("sites", "visits"):
        row = [c.get(f"{what}_{s}", 0) for s in STATUSES]
        table.add_row(what, *map(str, row), str(sum(row)))
    out.print(table)
    say(
        f"popups and tab-unders {c.get('popups', 0)}, WebSockets {c.get('websockets', 0)}, "
        f"wasm modules {c.get('wasm', 0)}; ads.txt ok {c.get('ads.txt_ok', 0)}, sellers.json ok "
        f"{c.get('sellers.json_ok', 0)}"
    )
    say(f"ads followed to an advertiser {c.get('links', 0)}, miners {c.get('miners', 0)}")
    say(consent_line(c, plan.config.consent))
    if c.get("attribution_errors"):
        out.print(
            f"[red]attribution failed on {c['attribution_errors']} item(s)[/]: see the log, then `moneytrail reanalyze`"
        )
    say(
        f"store: {redact(plan.store.url)}\nscreenshots: {plan.config.screenshots}/run-{run_id}\n"
        f"log: {plan.config.log_file}"
    )


def runs(
    db: o.Db = None,
    last: Annotated[int, typer.Option("--last", min=1, help="how many of the latest runs (or failed visits)")] = 20,
    failed: Annotated[
        bool, typer.Option("--failed", help="list the visits that did not end ok (of --run, else of any run)")
    ] = False,
    run: Annotated[int | None, typer.Option("--run", help="with --failed: only this run's")] = None,
    as_json: o.Json = False,
) -> None:
    """The crawl runs on record: when, which watchlist, state (`running`: a live process crawls it; `running
    (stopped)`: its process is gone, killed: `moneytrail crawl --resume RUN` goes on with it), how long, visits
    stored by status. `--failed`: the visits that did not end ok, with why (`moneytrail visit ID` opens one)."""
    from moneytrail.crawler.store.runs import failed_visits, list_runs
    from moneytrail.services.checks import open_store_checked

    if failed:
        return _failed(failed_visits(open_store_checked(db), run, last), as_json)
    listed = list_runs(open_store_checked(db), last)
    if as_json:
        rows = [
            {
                "run": r.id,
                "watchlist": r.watchlist,
                "started": r.started_at.isoformat(),
                "ended": r.ended_at.isoformat() if r.ended_at else None,
                "state": r.state,
                "live": r.live,
                "visits": r.visits,
                "statuses": r.statuses,
                "config": r.config.record() if r.config else None,
            }
            for r in listed
        ]
        typer.echo(json.dumps(rows, indent=1))
        return
    table = Table(show_header=True)
    for column in ("run", "watchlist", "started (UTC)", "took", "state", "visits", *STATUSES):
        table.add_column(column)
    for r in listed:
        took = (r.ended_at - r.started_at).total_seconds() if r.ended_at else None
        table.add_row(
            str(r.id),
            cell(r.watchlist or "-"),
            f"{r.started_at:%Y-%m-%d %H:%M}",
            "" if took is None else f"{took / 60:.1f} min" if took >= 60 else f"{took:.0f} s",
            r.state if r.state != "running" or r.live else "running (stopped)",
            str(r.visits),
            *(str(r.statuses.get(status, 0)) for status in STATUSES),
        )
    out.print(table)


def _failed(rows: list[dict], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(rows, indent=1, default=str))
        return
    table = Table(show_header=True)
    for column in ("run", "visit", "url", "status", "why"):
        table.add_column(column)
    for r in rows:
        why = r["error"] or ", ".join(r["hostile"] or [])
        table.add_row(str(r["run"] or "-"), cell(r["visit"]), cell(r["url"]), r["status"], cell(why))
    out.print(table)


def show_visit(
    key: Annotated[str, typer.Argument(help="the visit's id, as reports and notice packs cite it (or its row number)")],
    db: o.Db = None,
    as_json: o.Json = False,
) -> None:
    """One stored visit: its status and why, its steps, each window's chain to its landing page, screenshots,
    what attribution found (networks, ads, miners, ids), notices, what went over a limit, and its evidence files
    (screenshots, archive) with the SHA-256 each had when written."""
    from moneytrail.crawler.store.findings import visit_findings
    from moneytrail.crawler.store.visits import evidence_of, find_visit
    from moneytrail.services.checks import open_store_checked

    store = open_store_checked(db)
    found = find_visit(store, key)
    if found is None:
        raise UsageError(f"no visit {key!r} in this store (`moneytrail export visits` lists them)")
    row, obs = found
    findings = visit_findings(store, row.id)
    evidence = evidence_of(store, row.id)

    def shot(relative: str | None) -> str:
        return str(store.screenshots / relative) if relative else "-"

    if as_json:
        record = {"visit": obs.to_dict(), "run": row.run_id, "findings": findings, "evidence": evidence}
        typer.echo(json.dumps(record, indent=1, default=str))
        return
    say(f"visit {obs.visit_id} (row {row.id}, run {row.run_id or '-'}): {obs.url}")
    say(f"  status {obs.status}" + (f" ({obs.error})" if obs.error else "") + (
        f"; hostile: {', '.join(obs.hostile)}" if obs.hostile else ""))  # fmt: skip
    say(f"  started {obs.started_at}, {obs.duration:.1f} s; profile {json.dumps(obs.profile, sort_keys=True)}")
    say(f"  landed on {obs.final_url or '-'} ({obs.title or 'no title'}); screenshot {shot(obs.screenshot)}")
    say(f"  steps: {', '.join(f'{s.n} {s.action}' for s in obs.steps) or 'none'}")
    say(f"  {len(obs.requests)} requests, {len(obs.frames)} frames, {len(obs.websockets)} WebSockets, "
        f"{len(obs.wasm)} wasm modules, {len(obs.windows)} windows")  # fmt: skip
    for n, window in enumerate(obs.windows, 1):
        say(f"  window {n} ({window.kind}, step {window.step}): {window.landing_url or '-'}")
        for hop in window.chain:
            say(f"      {hop.via:>6}  {hop.url}")
        say(f"      screenshot {shot(window.screenshot)}")
    for link in findings["links"]:
        brokers = f" via {', '.join(link['brokers'])}" if link["brokers"] else ""
        say(f"  ad: {link['network']}{brokers} -> {link['advertiser']} ({link['kind']}, {link['category']})")
    for hit in findings["networks"]:
        say(f"  network seen: {hit['network']} ({hit['evidence']}: {hit['host']})")
    for miner in findings["miners"]:
        say(f"  miner: {miner['service']} key {miner['site_key'] or '-'} pool {miner['pool'] or '-'}")
    for pid in findings["ids"]:
        network = f", {pid['network']}" if pid["network"] else ""
        say(f"  id: {pid['id_type']}={pid['id_value']} ({pid['source']}{network})")
    for notice in obs.notices:
        say(f"  notice {notice.kind}: {notice.text}")
    if obs.limits:
        say(f"  over a limit: {json.dumps(obs.limits, sort_keys=True)}")
    for file in evidence:
        say(f"  evidence {file['kind']}: {shot(file['path'])} ({file['size']} bytes, sha256 {file['sha256']})")
    if row.archive:
        say(f"  replay its archive: `moneytrail export wacz --visit {obs.visit_id} -o DIR` (ReplayWeb.page opens it)")
