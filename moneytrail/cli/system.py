"""`moneytrail version` and `moneytrail browser`."""

from __future__ import annotations

import typer

from .console import say


def register(app: typer.Typer) -> None:
    app.command()(version)
    app.command()(browser)


def version() -> None:
    """Print the version."""
    from moneytrail import __version__

    say(__version__)


def browser() -> None:
    """Say which Chromium moneytrail will drive (Playwright's own, else the system's)."""
    from moneytrail.services.checks import check_browser

    say(check_browser())
