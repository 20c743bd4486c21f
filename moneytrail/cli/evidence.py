"""`moneytrail verify PACK` (a signed evidence pack, whole and by whom) and `moneytrail signing-key` (the
installation's public key and the fingerprint to publish)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from moneytrail.errors import Failure, UsageError

from .console import say


def register(app: typer.Typer) -> None:
    app.command("verify")(verify)
    app.command("signing-key")(show_key)


def verify(
    pack: Annotated[Path, typer.Argument(help="a notice pack: its folder or its zip")],
    key: Annotated[
        str | None,
        typer.Option(
            "--key", help="the fingerprint the pack must be signed with (sha256:..., `moneytrail signing-key`)"
        ),
    ] = None,
) -> None:
    """Check a signed pack: the manifest's signature, every file's SHA-256, and that no file was added. Exit 0
    when all hold, 1 naming each file that does not."""
    from moneytrail.reports.signing import verify as check

    if not pack.exists():
        raise UsageError(f"no such pack: {pack}")
    result = check(pack, key)
    if result.fingerprint:
        say(f"signed by {result.fingerprint} on {result.created or '?'}" + ("" if key else " (no --key given)"))
    if result.ok:
        say(f"verified: {result.files} file(s) whole, none added, the signature good")
        return
    for problem in result.problems:
        say(f"FAILED {problem}")
    raise Failure(f"{pack}: {len(result.problems)} problem(s); {result.files} file(s) whole")


def show_key() -> None:
    """The public half of this installation's pack-signing key (made on first use) and its fingerprint, to
    publish so that readers of your packs can check them (`moneytrail verify PACK --key FINGERPRINT`)."""
    from moneytrail.crawler.store import data_home
    from moneytrail.reports.signing import SigningError, fingerprint, key_path, public_pem, signing_key

    try:
        public = signing_key(data_home()).public_key()
    except SigningError as exc:
        raise Failure(str(exc)) from None
    say(f"fingerprint: {fingerprint(public)}")
    say(f"private key: {key_path(data_home())} (keep it; never send it)")
    say(public_pem(public).rstrip())
