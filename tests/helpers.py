"""What many tests share: running the `moneytrail` command as a user does (a new process, a clean environment
that never downloads the suffix list)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

MONEYTRAIL = [sys.executable, "-m", "moneytrail"]


def cli_env(env: dict | None = None, home: str | Path | None = None) -> dict:
    """The environment of a `moneytrail` process: this one's, with `env` on top and MONEYTRAIL_HOME=`home`."""
    out = {**os.environ, "TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS": "", **(env or {})}
    if home is not None:
        out["MONEYTRAIL_HOME"] = str(home)
    return out


def run_cli(*args, env: dict | None = None, home: str | Path | None = None, timeout: float = 600, **kwargs):
    """Run `moneytrail ARGS...` to its end: the CompletedProcess, output as text."""
    return subprocess.run(
        [*MONEYTRAIL, *map(str, args)],
        capture_output=True,
        text=True,
        env=cli_env(env, home),
        timeout=timeout,
        **kwargs,
    )


def start_cli(*args, env: dict | None = None, home: str | Path | None = None, **kwargs) -> subprocess.Popen:
    """Start `moneytrail ARGS...` in the background (a server, a crawl to kill)."""
    return subprocess.Popen([*MONEYTRAIL, *map(str, args)], env=cli_env(env, home), **kwargs)
