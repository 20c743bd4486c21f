"""The `moneytrail` command: thin command modules, one per subject (arguments in, a hand-off to a service or a
lower layer out, no SQL), assembled here. `main()` is the one place where errors become messages and exit
statuses (moneytrail/errors.py). The sandbox's commands (`moneytrail sandbox ...`) are loaded by name when
asked for: nothing of the product imports the sandbox."""

from __future__ import annotations

import importlib
import os
import sys

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")  # never download the suffix list

import click
import typer
from typer.core import TyperGroup

from moneytrail.errors import MoneytrailError

from . import analysis, browse, crawling, evidence, reports, scaleout, schedules, system, watchlists
from . import options as o
from .console import error

LAZY = {"sandbox": "moneytrail.sandbox.cli:app"}  # command -> "module:typer app", imported when invoked


class Commands(TyperGroup):
    """The root group: its own commands, plus the lazily loaded ones of LAZY."""

    def list_commands(self, ctx):
        return [*super().list_commands(ctx), *LAZY]

    def get_command(self, ctx, name):
        if name not in LAZY:
            return super().get_command(ctx, name)
        module, _, attribute = LAZY[name].partition(":")
        try:
            sub = getattr(importlib.import_module(module), attribute)
        except ImportError as exc:
            return click.Command(name, help=f"unavailable: {exc}")
        return typer.main.get_command(sub)


app = typer.Typer(
    cls=Commands,
    help="moneytrail: follow the money of piracy sites (ad networks, advertisers, miners).",
    no_args_is_help=True,
)


@app.callback()
def root(db: o.Db = None) -> None:
    """`moneytrail --db URL COMMAND` uses that store for the command (as MONEYTRAIL_DB=URL would)."""
    if db:
        os.environ["MONEYTRAIL_DB"] = db


for module in (system, watchlists, crawling, schedules, scaleout, analysis, browse, reports, evidence):
    module.register(app)


def main(argv: list[str] | None = None) -> None:
    try:
        app(args=argv)
    except MoneytrailError as exc:
        error(str(exc))
        sys.exit(exc.exit_code)
