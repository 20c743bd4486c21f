"""`moneytrail browse`: the store in Datasette, on this machine (reports/browse.py)."""

from __future__ import annotations

import importlib.util
import json
import sqlite3
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress, TextColumn

from moneytrail.errors import Failure, UsageError

from . import options as o
from .console import err, note, say, warn

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def register(app: typer.Typer) -> None:
    app.command()(browse)


def browse(
    db: o.Db = None,
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="the port to listen on")] = 8001,
    host: Annotated[str, typer.Option("--host", help="the address to listen on (this machine only by default)")] = (
        "127.0.0.1"
    ),
    open_browser: Annotated[bool, typer.Option("--open/--no-open", help="open a web browser on it")] = True,
    metadata_only: Annotated[
        Path | None,
        typer.Option(
            "--metadata-only",
            help="write Datasette's metadata to this JSON file and the companion database, then stop (no server)",
        ),
    ] = None,
) -> None:
    """Explore the store in Datasette: visits, requests, windows and their redirect chains, findings, with
    facets, canned queries (ads of a network, sites of an operator, chains of a site) and screenshots shown.
    Reads a copy, `browse.db` beside the store, made anew at each start. SQLite stores only."""
    from moneytrail.crawler.store import default_url, redact, sqlite_file
    from moneytrail.reports import browse as b
    from moneytrail.services.checks import open_store_checked

    url = db or default_url()
    try:
        store_file = sqlite_file(url)
    except ValueError:
        raise UsageError(f"--db {redact(url)} is not a database URL") from None
    if store_file is None:
        raise UsageError(
            f"Datasette reads SQLite files only, and the store {redact(url)} is not one: export its tables "
            "with `moneytrail export parquet --out DIR` and read them with DuckDB or pandas (README, Raw tables)"
        )
    companion = b.companion_of(store_file)
    if companion.resolve() == store_file.resolve():
        raise UsageError(f"the store is named {b.COMPANION}, the name of browse's own copy: rename the store")
    if metadata_only is None and importlib.util.find_spec("datasette") is None:
        raise Failure("Datasette is not installed: pip install 'moneytrail[browse]'")
    store = open_store_checked(url)
    with Progress(TextColumn("copying the store: {task.completed} visit(s)"), console=err, transient=True) as bar:
        task = bar.add_task("copy", total=None)
        try:
            written = b.build_companion(store, companion, lambda visits: bar.update(task, completed=visits))
        except (OSError, sqlite3.Error) as exc:
            raise Failure(f"cannot write {companion}: {exc}") from None
    note(f"{companion}: " + ", ".join(f"{n:,} {name}" for name, n in written.rows.items()))
    meta = b.metadata(store.screenshots)
    if metadata_only is not None:
        metadata_only.write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        say(f"metadata -> {metadata_only}; serve it with: datasette {companion} -m {metadata_only}")
        return
    if host not in LOOPBACK:
        warn("warning:", f"listening on {host}: whoever reaches {host}:{port} reads the store's tables")
    say(f"Datasette on {b.address(host, port)} (Ctrl-C stops it)")
    b.serve(b.datasette(companion, meta), host, port, open_browser)
