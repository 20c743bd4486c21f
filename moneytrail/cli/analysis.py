"""The attribution commands of `moneytrail`: `reanalyze`, `export`, `lists update`, `signatures check`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from moneytrail.attribution.exports import FORMATS, KINDS

DATA_HELP = "signature data directory (default: $MONEYTRAIL_DATA, else the project's data/)"
LISTS_HELP = "directory of ABP filter lists, *.txt (default: the `moneytrail lists update` cache, if filled)"


def parse_since(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date (YYYY-MM-DD, or YYYY-MM-DDTHH:MM)") from None
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def analyzer_or_exit(err: Console, data: str | None, lists: str | None, code: int):
    from moneytrail.attribution.analyzer import Analyzer
    from moneytrail.attribution.lists import ListError
    from moneytrail.attribution.signatures import SignatureError

    try:
        return Analyzer.from_options(data, lists)
    except (SignatureError, ListError) as exc:
        err.print(f"[red]error:[/] {exc}", highlight=False)
        raise typer.Exit(code)


def register(app: typer.Typer, open_store: Callable, err: Console, out: Console, db_help: str, usage: int) -> None:
    lists_app = typer.Typer(
        help="ABP filter lists (EasyList, EasyPrivacy, NoCoin): download and inspect.", no_args_is_help=True
    )
    app.add_typer(lists_app, name="lists")

    @app.command()
    def reanalyze(
        since: str | None = typer.Option(None, "--since", help="only visits from this date (YYYY-MM-DD)"),
        db: str | None = typer.Option(None, "--db", help=db_help),
        data: Path | None = typer.Option(None, "--data", help=DATA_HELP),
        lists: Path | None = typer.Option(None, "--lists", help=LISTS_HELP),
        progress: bool = typer.Option(True, "--progress/--no-progress", help="show a progress bar"),
    ) -> None:
        """Recompute every finding from the stored observations (after the signature data or lists changed)."""
        from moneytrail.attribution.analyzer import reanalyze as run

        analyzer = analyzer_or_exit(err, data and str(data), lists and str(lists), usage)
        store = open_store(db)
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
        out.print(
            f"{counts['visits']} visit(s) and {counts['adstxt']} ads.txt file(s) reanalysed: "
            f"{counts['links']} link(s), {counts['networks']} network sighting(s), {counts['miners']} miner(s), "
            f"{counts['ids']} publisher id(s)",
            highlight=False,
        )
        if counts["errors"]:
            err.print(f"[red]{counts['errors']} visit(s) could not be attributed[/] (the error is logged above)")

    @app.command()
    def export(
        kind: str = typer.Argument(..., help=f"one of: {', '.join(KINDS)}, all"),
        fmt: str = typer.Option("csv", "--format", "-f", help=f"one of: {', '.join(FORMATS)}"),
        out_dir: Path | None = typer.Option(
            None, "--out", "-o", help="write DIR/<kind>.<format> (default: standard output)"
        ),
        run: int | None = typer.Option(None, "--run", help="only the findings of this crawl run"),
        since: str | None = typer.Option(None, "--since", help="only visits from this date (YYYY-MM-DD)"),
        db: str | None = typer.Option(None, "--db", help=db_help),
        data: Path | None = typer.Option(None, "--data", help=DATA_HELP),
    ) -> None:
        """Export findings: links, networks, miners, publisher-ids, clusters (columns: README, "Exports")."""
        from moneytrail.attribution import exports

        kinds = list(KINDS) if kind == "all" else [kind]
        if kind != "all" and kind not in KINDS:
            err.print(f"[red]error:[/] unknown kind {kind!r}: one of {', '.join(KINDS)}, all")
            raise typer.Exit(usage)
        if fmt not in FORMATS:
            err.print(f"[red]error:[/] unknown format {fmt!r}: one of {', '.join(FORMATS)}")
            raise typer.Exit(usage)
        if out_dir is None and (kind == "all" or fmt == "parquet"):
            err.print("[red]error:[/] `export all` and parquet write files: give --out DIR")
            raise typer.Exit(usage)
        sigs = analyzer_or_exit(err, data and str(data), None, usage).signatures if "clusters" in kinds else None
        store = open_store(db)
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
                err.print(f"{name}: {len(frame)} row(s) -> {path}", highlight=False)

    @lists_app.command("update")
    def lists_update(
        directory: Path | None = typer.Option(None, "--dir", help="where to write them (default: the cache)"),
    ) -> None:
        """Download EasyList, EasyPrivacy and NoCoin from their canonical addresses (needs the internet)."""
        from moneytrail.attribution.lists import CANONICAL, ListError, cache_dir, update

        try:
            written = update(directory)
        except ListError as exc:
            err.print(f"[red]error:[/] {exc}; offline, give local copies with --lists DIR instead", highlight=False)
            raise typer.Exit(1)
        for path in written:
            out.print(f"{path} ({path.stat().st_size:,} bytes)", highlight=False)
        out.print(f"{len(written)} of {len(CANONICAL)} lists in {directory or cache_dir()}", highlight=False)

    @lists_app.command("show")
    def lists_show(lists: Path | None = typer.Option(None, "--lists", help=LISTS_HELP)) -> None:
        """Say which filter lists attribution would use, and how many rules they hold."""
        from moneytrail.attribution.lists import ListError, cache_dir, kind_of, load_default

        try:
            loaded = load_default(lists)
        except ListError as exc:
            err.print(f"[red]error:[/] {exc}", highlight=False)
            raise typer.Exit(usage)
        if loaded is None:
            out.print(
                f"no filter lists (none given, and the cache {cache_dir()} is empty): "
                "run `moneytrail lists update`, or pass --lists DIR",
                highlight=False,
            )
            return
        for path in loaded.files:
            kind = kind_of(path.name)
            out.print(
                f"{path}  ({kind}{': not used, trackers are not ad networks' if kind == 'tracking' else ''})",
                highlight=False,
            )
        out.print(", ".join(f"{n:,} {kind} rules" for kind, n in loaded.rules.items()), highlight=False)

    @app.command("signatures")
    def signatures(data: Path | None = typer.Option(None, "--data", help=DATA_HELP)) -> None:
        """Validate the signature data and say what it holds."""
        sigs = analyzer_or_exit(err, data and str(data), None, usage).signatures
        hosts = sum(len(n.hosts) for n in sigs.networks.values())
        out.print(
            f"{sigs.source}: {len(sigs.networks)} ad networks ({hosts} host families), "
            f"{len(sigs.services)} miner services, {len(sigs.protocols)} pool protocols, "
            f"{len(sigs.id_types)} publisher-id types, {len(sigs.categories)} advertiser categories",
            highlight=False,
        )
