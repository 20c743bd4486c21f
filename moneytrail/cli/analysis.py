"""`moneytrail reanalyze`, `export`, `lists update|show` and `signatures`: the findings and what they are
made from."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from moneytrail.errors import Failure, UsageError
from moneytrail.reports import EXPORT_FORMATS as FORMATS
from moneytrail.reports import EXPORT_KINDS as KINDS

from . import options as o
from .console import cell, err, note, out, say

lists_app = typer.Typer(
    help="ABP filter lists (EasyList, EasyPrivacy, NoCoin): download and inspect.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    app.command()(reanalyze)
    app.command()(export)
    app.add_typer(lists_app, name="lists")
    app.command("signatures")(signatures)
    app.command("unknowns")(unknowns)


def parse_since(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--since {text!r} is not a date (YYYY-MM-DD, or YYYY-MM-DDTHH:MM)") from None
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def reanalyze(
    since: o.Since = None, db: o.Db = None, data: o.Data = None, lists: o.Lists = None, progress: o.Progress = True
) -> None:
    """Recompute every finding from the stored observations (after the signature data or lists changed)."""
    from moneytrail.services.checks import load_analyzer, open_store_checked
    from moneytrail.services.reanalyze import reanalyze as run

    analyzer = load_analyzer(data and str(data), lists and str(lists))
    store = open_store_checked(db)
    when = parse_since(since)
    with Progress(
        TextColumn("reanalysing"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        disable=not progress,
        transient=True,
    ) as bar:
        task = bar.add_task("reanalyse", total=None)
        counts = run(store, analyzer, when, lambda done, total: bar.update(task, completed=done, total=total))
    say(
        f"{counts['visits']} visit(s) and {counts['adstxt']} ads.txt file(s) reanalysed: "
        f"{counts['links']} link(s), {counts['networks']} network sighting(s), {counts['miners']} miner(s), "
        f"{counts['ids']} publisher id(s)"
    )
    if counts["errors"]:
        err.print(f"[red]{counts['errors']} visit(s) could not be attributed[/] (the error is logged above)")


def export(
    kind: Annotated[
        str,
        typer.Argument(
            help=f"one of: {', '.join(KINDS)}, all (the tables), graph, wacz (the visits' archives), "
            "parquet (the raw tables)"
        ),
    ],
    fmt: Annotated[
        str, typer.Option("--format", "-f", help=f"one of: {', '.join(FORMATS)}; for graph: graphml, gexf")
    ] = "csv",
    out_dir: Annotated[
        Path | None, typer.Option("--out", "-o", help="write DIR/<kind>.<format> (default: standard output)")
    ] = None,
    run: Annotated[int | None, typer.Option("--run", help="only the findings of this crawl run")] = None,
    since: o.Since = None,
    visit: Annotated[
        list[str] | None, typer.Option("--visit", help="wacz: this visit's archive (a uid; repeatable)")
    ] = None,
    db: o.Db = None,
    data: o.Data = None,
) -> None:
    """Export findings: links, networks, miners, publisher-ids, clusters (columns: README, "Exports"); or the
    money flow as a graph (site -> network -> brokers -> advertiser) for graph tools: `export graph -f gexf`;
    or what the browser received in the visits, one WACZ that ReplayWeb.page replays: `export wacz --run N`;
    or the raw tables, one Parquet file each, for DuckDB, pandas, R: `export parquet --out DIR` (visits,
    requests, windows, hops, links, networks, ids, miners; README, "Raw tables")."""
    from moneytrail.reports import exports
    from moneytrail.services.checks import load_analyzer, open_store_checked

    if kind == "graph":
        return export_graph(fmt if fmt != "csv" else "graphml", out_dir, run, since, db)
    if kind == "wacz":
        return export_wacz(out_dir, run, since, visit, db)
    if kind == "parquet":
        return export_parquet(out_dir, run, since, db)
    kinds = list(KINDS) if kind == "all" else [kind]
    if kind != "all" and kind not in KINDS:
        raise UsageError(f"unknown kind {kind!r}: one of {', '.join(KINDS)}, all")
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}: one of {', '.join(FORMATS)}")
    if out_dir is None and (kind == "all" or fmt == "parquet"):
        raise UsageError("`export all` and parquet write files: give --out DIR")
    sigs = load_analyzer(data and str(data), None).signatures if "clusters" in kinds else None
    store = open_store_checked(db)
    scope = exports.Scope(run, parse_since(since))
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
    for name in kinds:
        frame = exports.table(store, name, scope, sigs)
        if out_dir is None:
            typer.echo(exports.write(frame, fmt, None), nl=False)
        else:
            path = out_dir / f"{name}.{fmt}"
            exports.write(frame, fmt, path)
            note(f"{name}: {len(frame)} row(s) -> {path}")


def export_graph(fmt: str, out_dir: Path | None, run: int | None, since: str | None, db: str | None) -> None:
    from moneytrail.reports.exports import Scope
    from moneytrail.reports.graph import GRAPH_FORMATS, write_graph
    from moneytrail.services.checks import open_store_checked

    if fmt not in GRAPH_FORMATS:
        raise UsageError(f"unknown graph format {fmt!r}: one of {', '.join(GRAPH_FORMATS)}")
    if out_dir is None:
        raise UsageError("`export graph` writes a file: give --out DIR")
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"money-flow.{fmt}"
    graph = write_graph(open_store_checked(db), Scope(run, parse_since(since)), fmt, path)
    note(f"graph: {graph.number_of_nodes()} parties, {graph.number_of_edges()} flows -> {path}")


def export_wacz(out_dir: Path | None, run: int | None, since: str | None, uids, db: str | None) -> None:
    from moneytrail.reports.archives import ArchiveError, write_wacz
    from moneytrail.reports.exports import Scope
    from moneytrail.services.checks import open_store_checked

    if out_dir is None:
        raise UsageError("`export wacz` writes a file: give --out DIR")
    name = f"visits-run-{run}.wacz" if run is not None else "visits.wacz"
    try:
        facts = write_wacz(open_store_checked(db), out_dir / name, Scope(run, parse_since(since)), list(uids or ()))
    except ArchiveError as exc:
        raise Failure(str(exc)) from None
    gone = f"; {facts.missing} visit(s) without their WARC file" if facts.missing else ""
    if facts.unpaged:
        gone += f"; {facts.unpaged} visit(s) whose page's answer is not in their archive (not listed as pages)"
    note(f"wacz: {facts.visits} visit(s), {facts.size / 1e6:.1f} MB -> {facts.path}{gone}")


def export_parquet(out_dir: Path | None, run: int | None, since: str | None, db: str | None) -> None:
    from moneytrail.reports.exports import Scope
    from moneytrail.reports.raw_tables import write_parquet
    from moneytrail.services.checks import open_store_checked

    if out_dir is None:
        raise UsageError("`export parquet` writes one file a table: give --out DIR")
    scope = Scope(run, parse_since(since))
    store = open_store_checked(db)
    with Progress(TextColumn("exporting: {task.completed} visit(s)"), console=err, transient=True) as bar:
        task = bar.add_task("export", total=None)
        try:
            written = write_parquet(store, scope, out_dir, lambda visits: bar.update(task, completed=visits))
        except OSError as exc:
            raise Failure(f"cannot write {out_dir}: {exc}") from None
    for name, path in written.paths.items():
        note(f"{name}: {written.rows[name]} row(s) -> {path}")
    if written.unreadable:
        note(
            f"{len(written.unreadable)} visit(s) whose observation could not be read: their requests, windows "
            f"and hops are missing (visit_id {', '.join(map(str, written.unreadable[:10]))})"
        )


@lists_app.command("update")
def lists_update(
    directory: Annotated[Path | None, typer.Option("--dir", help="where to write them (default: the cache)")] = None,
) -> None:
    """Download EasyList, EasyPrivacy and NoCoin from their canonical addresses (needs the internet)."""
    from moneytrail.attribution.lists import ListError, cache_dir
    from moneytrail.services.lists import CANONICAL, update

    try:
        written = update(directory)
    except ListError as exc:
        raise Failure(f"{exc}; offline, give local copies with --lists DIR instead") from None
    for path in written:
        say(f"{path} ({path.stat().st_size:,} bytes)")
    say(f"{len(written)} of {len(CANONICAL)} lists in {directory or cache_dir()}")


@lists_app.command("show")
def lists_show(lists: o.Lists = None) -> None:
    """Say which filter lists attribution would use, and how many rules they hold."""
    from moneytrail.attribution.lists import ListError, cache_dir, kind_of, load_default

    try:
        loaded = load_default(lists)
    except ListError as exc:
        raise UsageError(str(exc)) from None
    if loaded is None:
        say(
            f"no filter lists (none given, and the cache {cache_dir()} is empty): "
            "run `moneytrail lists update`, or pass --lists DIR"
        )
        return
    for path in loaded.files:
        kind = kind_of(path.name)
        say(f"{path}  ({kind}{': not used, trackers are not ad networks' if kind == 'tracking' else ''})")
    say(", ".join(f"{n:,} {kind} rules" for kind, n in loaded.rules.items()))


def signatures(data: o.Data = None) -> None:
    """Validate the signature data and say what it holds."""
    from moneytrail.services.checks import load_analyzer

    sigs = load_analyzer(data and str(data), None).signatures
    hosts = sum(len(n.hosts) for n in sigs.networks.values())
    say(
        f"{sigs.source}: {len(sigs.networks)} ad networks ({hosts} host families), "
        f"{len(sigs.services)} miner services, {len(sigs.protocols)} pool protocols, "
        f"{len(sigs.id_types)} publisher-id types, {len(sigs.categories)} advertiser categories"
    )


def unknowns(
    run: Annotated[int | None, typer.Option("--run", help="only the visits of this crawl run")] = None,
    since: o.Since = None,
    top: Annotated[int, typer.Option("--top", min=1, help="show the largest N families")] = 30,
    hints: Annotated[bool, typer.Option("--hints", help="print a networks.toml starting point per family")] = False,
    as_json: o.Json = False,
    db: o.Db = None,
) -> None:
    """Unknown ad hosts (blocked by an ad list, named by no signature) grouped into families, for review:
    name them in data/networks.toml, then `moneytrail reanalyze`."""
    import json
    from dataclasses import asdict

    from rich.table import Table

    from moneytrail.crawler.store.findings import Scope
    from moneytrail.services.checks import open_store_checked
    from moneytrail.services.unknowns import unknown_families

    found = unknown_families(open_store_checked(db), Scope(run, parse_since(since)))
    shown = found[:top]
    if as_json:
        typer.echo(json.dumps([asdict(f) | {"data_hint": f.data_hint()} for f in shown], indent=2))
        return
    if not found:
        say("no unknown ad hosts: every host an ad list blocks is named in the signature data (or no lists used)")
        return
    table = Table(show_header=True)
    for column in ("family", "domains", "sites", "requests", "shared path shapes", "sample"):
        table.add_column(column, justify="right" if column in ("sites", "requests") else "left")
    for family in shown:
        table.add_row(
            cell(family.name),
            cell(", ".join(family.domains[:4]) + (f" (+{len(family.domains) - 4})" if len(family.domains) > 4 else "")),
            str(len(family.sites)),
            str(family.requests),
            cell("\n".join(family.shapes)),
            cell(family.samples[0] if family.samples else ""),
        )
    out.print(table)
    if hints:
        for family in shown:
            say(f"\n# {family.name}: {len(family.sites)} site(s)\n{family.data_hint()}")
    note(f"{len(shown)} of {len(found)} families; name them in data/networks.toml, then `moneytrail reanalyze`")
