"""What many tests share: running the `moneytrail` command as a user does (a new process, a clean environment
that never downloads the suffix list)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

MONEYTRAIL = [sys.executable, "-m", "moneytrail"]


def cli_env(env: dict | None = None, home: str | Path | None = None) -> dict:
    """The environment of a `moneytrail` process: this one's, with `env` on top and MONEYTRAIL_HOME=`home`."""
    out = {**os.environ, "TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS": "", **(env or {})}
    if home is not None:
        out["MONEYTRAIL_HOME"] = str(home)
    return out


def run_cli(*args, env: dict | None = None, home: str | Path | None = None, timeout: float = 600, **kwargs):
    """Run `moneytrail ARGS...` to its end: the CompletedProcess, output as text. One that overruns `timeout` is
    asked what it waits on (a crawl logs its pending tasks on SIGUSR1), then killed, and the test fails with
    the end of its error output and of its log (`--log FILE`)."""
    argv = [*MONEYTRAIL, *map(str, args)]
    with subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=cli_env(env, home), **kwargs
    ) as proc:
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGUSR1)
            time.sleep(3)
            proc.kill()
            out, err = proc.communicate()
            raise AssertionError(
                f"`moneytrail {' '.join(argv[3:])}` did not end in {timeout:g} s\n{err[-3000:]}{_log_end(args)}"
            ) from None
    return subprocess.CompletedProcess(argv, proc.returncode, out, err)


def _log_end(args, chars: int = 20000) -> str:
    """The end of the command's log (a crawl's ends with what it waits on), then, last (CI shows an output's
    tail), how its close began, if it did."""
    args = list(map(str, args))
    if "--log" not in args or args.index("--log") + 1 >= len(args):
        return ""
    log = Path(args[args.index("--log") + 1])
    if not log.exists():
        return ""
    text = log.read_text(errors="replace")
    closing = [line for line in text.splitlines() if "Closing spider (" in line or "the crawl stops" in line]
    return f"\n--- the end of {log}:\n{text[-chars:]}\n--- how the crawl began to close: {closing or 'it did not'}"


def start_cli(*args, env: dict | None = None, home: str | Path | None = None, **kwargs) -> subprocess.Popen:
    """Start `moneytrail ARGS...` in the background (a server, a crawl to kill)."""
    return subprocess.Popen([*MONEYTRAIL, *map(str, args)], env=cli_env(env, home), **kwargs)


def ok_sites(truth: dict) -> list[dict]:
    """The sandbox truth's sites a visit must end `ok` on."""
    return [s for s in truth["sites"] if s["status"] == "ok"]


async def sandbox_visit(proxy, chromium_path, url, stealth=True, locale=None, username=None):
    """One visit of `url` through the sandbox's proxy by the crawler's own visit code (no Scrapy): its
    Observation."""
    from playwright.async_api import async_playwright

    from moneytrail.crawler.browser import QUIET_ARGS, STEALTH_ARGS
    from moneytrail.crawler.domains import site_of
    from moneytrail.crawler.visit import visit_url

    server = {"server": proxy, **({"username": username, "password": "secret"} if username else {})}
    async with async_playwright() as p:
        browser = await p.chromium.launch(
            executable_path=chromium_path, args=[*QUIET_ARGS, *(STEALTH_ARGS if stealth else ())], proxy=server
        )
        try:
            rec = await visit_url(
                browser,
                url,
                visit_id="t",
                site=site_of(url),
                profile={"locale": locale} if locale else None,
            )
            return rec.result
        finally:
            await browser.close()
