"""The `moneytrail` command."""
from __future__ import annotations

import typer

from sandbox.cli import app as sandbox_app

from . import __version__
from .browser import BrowserNotFound, find_chromium

app = typer.Typer(help="moneytrail: follow the money of piracy sites (ad networks, advertisers, miners).",
                  no_args_is_help=True)
app.add_typer(sandbox_app, name="sandbox")


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


def main() -> None:
    app()
