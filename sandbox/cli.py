"""`moneytrail sandbox ...`: serve the simulated piracy web, write its watchlist and its ground truth."""

from __future__ import annotations

import asyncio
import csv
import json
import logging
import signal
import sys
from pathlib import Path

import typer

from .build import build_app
from .server import SandboxServer
from .thirdparty import MissingPackages
from .truth import build_truth, watchlist_rows
from .world import WorldError, load_world

app = typer.Typer(help="The simulated piracy web that tests, demo and benchmarks crawl.", no_args_is_help=True)
DEFAULT_STATE = Path.home() / ".cache" / "moneytrail" / "sandbox"


def _needs_npm(make):
    """`make()`, or exit 2 with the message when the npm packages the sandbox serves are missing."""
    try:
        return make()
    except MissingPackages as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None


def _world(path: Path | None):
    try:
        return load_world(path)
    except (WorldError, OSError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None


@app.command()
def serve(
    port: int = typer.Option(8899, help="TCP port to listen on (0: any free port)."),
    host: str = typer.Option("127.0.0.1", help="Address to bind (keep it on loopback)."),
    state_dir: Path = typer.Option(DEFAULT_STATE, help="Where the sandbox keeps its CA and certificates."),
    require_proxy_auth: bool = typer.Option(
        False,
        help="Answer 407 until the client sends proxy credentials; "
        "a user name containing country-XX sets the visitor's country.",
    ),
    world_file: Path | None = typer.Option(None, "--world", help="Another world file (default: the built-in one)."),
    events: Path | None = typer.Option(
        None,
        help="Append what the sandbox saw (ad clicks, landings, miner "
        "shares, downloads) to this file, one JSON object a line.",
    ),
    verbose: bool = typer.Option(False, "-v", help="Log every connection problem."),
) -> None:
    """Serve every site, ad network, broker, advertiser and miner pool of the sandbox on one port.

    Use it as an HTTP proxy (`--proxy-server=http://HOST:PORT`, https via CONNECT) or as an origin with
    a Host header. It prints its address when ready and stops cleanly on Ctrl-C or SIGTERM."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING, format="%(levelname)s %(message)s")
    world = _world(world_file)
    sandbox_app = _needs_npm(lambda: build_app(world))
    if events:
        sink = events.open("a", encoding="utf-8")
        sandbox_app.event_sinks.append(lambda event: (sink.write(json.dumps(event) + "\n"), sink.flush()))
    server = SandboxServer(sandbox_app, state_dir, host=host, port=port, require_proxy_auth=require_proxy_auth)

    async def main() -> None:
        try:
            await server.start()
        except OSError as exc:
            typer.echo(f"error: cannot listen on {host}:{port}: {exc.strerror}", err=True)
            raise typer.Exit(1) from None
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        typer.echo(
            f"sandbox ready on {server.address} ({len(world.sites)} sites, {len(world.networks)} ad "
            f"network tags); CA certificate: {server.ca.ca_cert_path}",
            err=False,
        )
        sys.stdout.flush()
        await stop.wait()
        await server.stop()
        typer.echo("sandbox stopped")

    asyncio.run(main())


@app.command()
def watchlist(
    out: Path | None = typer.Option(None, "--out", "-o", help="File to write (default: standard output)."),
    world_file: Path | None = typer.Option(None, "--world"),
) -> None:
    """Write the sandbox's watchlist as CSV (url, name, category, country, tags, monthly_visits)."""
    if out:
        n = write_watchlist(_world(world_file), out)
        typer.echo(f"wrote {n} sites to {out}", err=True)
    else:
        _write_rows(watchlist_rows(_world(world_file)), sys.stdout)


@app.command()
def brands(
    out: Path | None = typer.Option(None, "--out", "-o", help="File to write (default: standard output)."),
    world_file: Path | None = typer.Option(None, "--world"),
) -> None:
    """Write the sandbox's mainstream brands as a brand list (`moneytrail report ... --brands FILE`)."""
    text = brand_list(_world(world_file))
    if out:
        Path(out).write_text(text, encoding="utf-8")
        typer.echo(f"wrote the sandbox's brands to {out}", err=True)
    else:
        sys.stdout.write(text)


def brand_list(world) -> str:
    """The world's mainstream advertisers as a brand list (the format of data/brands.toml): the sandbox's
    brands are no real ones, so the shipped list cannot know them."""
    lines = [
        "# The sandbox's mainstream brands (sandbox/data/world.toml), for reports on sandbox crawls.",
        "[sources.sandbox]",
        'title = "the sandbox world: sandbox/data/world.toml"',
        "",
    ]
    for adv in sorted(world.advertisers.values(), key=lambda a: a.domain):
        if adv.category == "mainstream":
            lines += ["[[brands]]", f"name = {json.dumps(adv.name)}", f"domains = [{json.dumps(adv.domain)}]"]
            lines += ['sources = ["sandbox"]', ""]
    return "\n".join(lines)


def _write_rows(rows: list[dict], handle) -> None:
    writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)


def write_watchlist(world, path: Path) -> int:
    """The world's watchlist as a CSV file; returns the number of sites."""
    rows = watchlist_rows(world)
    with Path(path).open("w", newline="", encoding="utf-8") as handle:
        _write_rows(rows, handle)
    return len(rows)


@app.command()
def truth(
    out: Path | None = typer.Option(None, "--out", "-o", help="File to write (default: standard output)."),
    world_file: Path | None = typer.Option(None, "--world"),
) -> None:
    """Write the sandbox's ground truth as JSON (see README, "Ground truth")."""
    world = _world(world_file)
    text = json.dumps(_needs_npm(lambda: build_truth(world)), indent=1, ensure_ascii=False)
    if out:
        out.write_text(text + "\n", encoding="utf-8")
        typer.echo(f"wrote the ground truth to {out}", err=True)
    else:
        typer.echo(text)
