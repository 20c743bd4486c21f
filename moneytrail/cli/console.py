"""The CLI's two consoles and how it speaks: tables and results on standard output, progress, notes and
errors on standard error. Text from user files, the store or crawled pages is never read as Rich markup
(`[/x]` in a watchlist row prints as it is)."""

from __future__ import annotations

import sys

from rich.console import Console
from rich.markup import escape
from rich.text import Text

# wide when piped (a table wrapped at 80 columns is no use to grep), the terminal's width otherwise
err = Console(stderr=True, width=None if sys.stderr.isatty() else 200, highlight=False)
out = Console(width=None if sys.stdout.isatty() else 200, highlight=False)


def say(text: str) -> None:
    """A result line on standard output (plain text, no markup)."""
    out.print(text, markup=False)


def note(text: str) -> None:
    """A note on standard error (plain text)."""
    err.print(text, markup=False)


def warn(label: str, text: str) -> None:
    """`label` in yellow, then plain text, on standard error."""
    err.print(f"[yellow]{escape(label)}[/] {escape(text)}")


def error(text: str) -> None:
    """An error line on standard error: `error:` in red, then plain text."""
    err.print(f"[red]error:[/] {escape(text)}")


def cell(value) -> Text:
    """A table cell holding data (never read as markup)."""
    return Text("" if value is None else str(value))
