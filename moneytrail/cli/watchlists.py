"""`moneytrail watchlist import|list|remove`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from moneytrail.errors import UsageError

from . import options as o
from .console import cell, note, out, say

app = typer.Typer(help="Keep watchlists of sites to crawl (CSV or plain text files).", no_args_is_help=True)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="watchlist")


@app.command("import")
def watchlist_import(
    file: Annotated[Path, typer.Argument(help="CSV (url or domain column) or text (one URL or domain a line)")],
    name: Annotated[str | None, typer.Option("--name", help="watchlist name (default: the file's stem)")] = None,
    db: o.Db = None,
) -> None:
    """Import a watchlist file: bad rows are reported with their line number and skipped; sites of the same
    registrable domain are merged."""
    from moneytrail.crawler.store.watchlists import import_watchlist
    from moneytrail.crawler.watchlist import parse_file
    from moneytrail.services.checks import open_store_checked

    from .crawling import report_problems

    if not file.is_file():
        raise UsageError(f"no such file: {file}")
    parsed = parse_file(file)
    report_problems(parsed.errors)
    for notice in parsed.notices[:50]:
        note(f"note: {notice}")
    if not parsed.entries:
        raise UsageError(f"{file}: no valid row, nothing imported")
    store = open_store_checked(db)
    added, updated = import_watchlist(store, name or file.stem, parsed.entries, source=str(file.resolve()))
    say(f"watchlist {name or file.stem}: {added} site(s) added, {updated} updated, {len(parsed.errors)} row(s) skipped")


@app.command("list")
def watchlist_list(
    name: Annotated[str | None, typer.Argument(help="show this watchlist's sites")] = None,
    db: o.Db = None,
    as_json: o.Json = False,
) -> None:
    """List the watchlists, or the sites of one."""
    from moneytrail.crawler.store.watchlists import NoSuchWatchlist, list_watchlists, watchlist_sites
    from moneytrail.services.checks import open_store_checked

    store = open_store_checked(db)
    if name is None:
        listed = list_watchlists(store)
        if as_json:
            rows = [
                {"watchlist": wl.name, "sites": n, "created": wl.created_at.isoformat(), "source": wl.source}
                for wl, n in listed
            ]
            typer.echo(json.dumps(rows, indent=1))
            return
        table = Table("watchlist", "sites", "created", "source")
        for wl, n in listed:
            table.add_row(cell(wl.name), str(n), f"{wl.created_at:%Y-%m-%d %H:%M}", cell(wl.source))
        out.print(table)
        return
    try:
        _, sites = watchlist_sites(store, name)
    except NoSuchWatchlist:
        raise UsageError(f"no watchlist named {name!r}") from None
    if as_json:
        keys = ("domain", "url", "name", "category", "country", "tags", "monthly_visits")
        typer.echo(json.dumps([{k: getattr(s, k) for k in keys} for s in sites], indent=1))
        return
    table = Table("domain", "url", "name", "category", "country", "tags", "monthly visits")
    for s in sites:
        table.add_row(
            cell(s.domain),
            cell(s.url),
            cell(s.name),
            cell(s.category),
            cell(s.country),
            cell(", ".join(s.tags or [])),
            f"{s.monthly_visits:,}" if s.monthly_visits is not None else "",
        )
    out.print(table)


@app.command("remove")
def watchlist_remove(
    name: Annotated[str, typer.Argument(help="the watchlist")],
    domains: Annotated[list[str] | None, typer.Argument(help="only these sites (registrable domains)")] = None,
    db: o.Db = None,
) -> None:
    """Remove a watchlist, or some of its sites. Visits already stored are kept."""
    from moneytrail.crawler.domains import site_of
    from moneytrail.crawler.store.watchlists import NoSuchWatchlist, remove
    from moneytrail.services.checks import open_store_checked

    store = open_store_checked(db)
    wanted = [site_of(d if "://" in d else f"https://{d}/") for d in domains or []]
    try:
        n = remove(store, name, wanted or None)
    except NoSuchWatchlist:
        raise UsageError(f"no watchlist named {name!r}") from None
    say(f"removed {n} site(s)" + ("" if wanted else f" and the watchlist {name}"))
