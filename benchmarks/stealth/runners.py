"""Who visits the detector page, and how. Each runner drives one browser to the page through the site's proxy
and clicks the video player once the page's checks are done.

- `moneytrail[-PROFILE]`: a real `moneytrail crawl` of a one-site watchlist (the detector page) with
  `--proxy` pointing at the site: the crawler's own browser launch, contexts, profile, instrumentation and
  visit (settle, scroll, click the player, the centre and the body), nothing added or taken away.
- `playwright`: the same Chromium launched by Playwright with its defaults (only the proxy, and certificate
  errors ignored, as the page's certificate is the site's own); a new context and page, `page.goto`, then
  `page.click("#player")`: what a plain Playwright script does.
- anchors, when installed (never project dependencies): the same plain script with patchright,
  rebrowser-playwright, or Playwright plus playwright-stealth's evasions.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .detector import PAGE_URL, ROOT, DetectorSite

PROFILES_FILE = ROOT / "data" / "profiles.toml"
CRAWL_TIMEOUT = 300.0  # seconds for a whole one-page crawl (a visit is bounded at 90 s by the crawler itself)
REPORT_TIMEOUT = 30.0  # seconds for the page to post its checks, then its click


class RunnerFailed(RuntimeError):
    """A runner could not complete its visit (the message says why)."""


class RunnerUnavailable(RuntimeError):
    """An optional runner whose package is not installed."""


@dataclass(frozen=True)
class Runner:
    name: str
    kind: str  # moneytrail | playwright | anchor
    visit: Callable[[DetectorSite, Path], None]  # drive a browser to the page; RunnerFailed if it could not
    about: str = ""

    def available(self) -> str | None:
        """None when it can run, else why not."""
        return None


# --- moneytrail, through its own command ---------------------------------------------------------------
def crawl_command(site: DetectorSite, work: Path, profile: str | None, limits: dict | None = None) -> list[str]:
    watchlist = work / "watchlist.csv"
    watchlist.write_text(f"url\n{PAGE_URL}\n", encoding="utf-8")
    command = [
        sys.executable,
        "-m",
        "moneytrail",
        "crawl",
        "-w",
        str(watchlist),
        "--db",
        f"sqlite:///{work / 'store.db'}",
        "--proxy",
        site.proxy,
        "--pages",
        "0",
        "--no-progress",
        "--log",
        str(work / "crawl.log"),
        "--profiles",
        str(PROFILES_FILE),
    ]
    for name, value in (limits or {}).items():
        command += ["--limit", f"{name}={value}"]
    return command + (["--profile", profile] if profile else [])


def visit_outcome(work: Path) -> str:
    """How the crawl's visit of the page ended, as it stored it: status, hostile signals, its last step."""
    from moneytrail.crawler.store import open_store
    from moneytrail.crawler.store.visits import load_observations

    visits = load_observations(open_store(f"sqlite:///{work / 'store.db'}", work / "screenshots"))
    if not visits:
        return "the crawl stored no visit"
    obs = visits[0]
    hostile = f" ({', '.join(obs.hostile)})" if obs.hostile else ""
    return f"visit {obs.status}{hostile}, steps: {', '.join(step.action for step in obs.steps)}"


def moneytrail_runner(profile: str | None, limits: dict | None = None) -> Runner:
    """A real crawl of the page with this profile (None: the crawl's default visitor); `limits` are the crawl's
    `--limit` overrides (none in the benchmark: the crawler's own waits)."""

    def visit(site: DetectorSite, work: Path) -> None:
        work.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "MONEYTRAIL_HOME": str(work), "TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS": ""}
        for name in ("MONEYTRAIL_PROXY", "MONEYTRAIL_DB", "MONEYTRAIL_PROFILES"):
            env.pop(name, None)
        try:
            done = subprocess.run(
                crawl_command(site, work, profile, limits),
                capture_output=True,
                text=True,
                env=env,
                timeout=CRAWL_TIMEOUT,
            )
        except subprocess.TimeoutExpired:
            raise RunnerFailed(f"moneytrail crawl did not end within {CRAWL_TIMEOUT:g} s") from None
        if done.returncode != 0:
            tail = " | ".join((done.stderr or done.stdout).strip().splitlines()[-3:])
            raise RunnerFailed(f"moneytrail crawl exited {done.returncode}: {tail}")
        site.notes.append(visit_outcome(work))

    about = f"`moneytrail crawl --profile {profile}`" if profile else "`moneytrail crawl` (no profile)"
    return Runner(f"moneytrail-{profile}" if profile else "moneytrail", "moneytrail", visit, about)


# --- plain scripts: Playwright and its forks -----------------------------------------------------------
async def _reported(site: DetectorSite, phase: str) -> None:
    if not await asyncio.to_thread(site.wait_for, phase, REPORT_TIMEOUT):
        raise RunnerFailed(f"the page posted no {phase!r} report within {REPORT_TIMEOUT:g} s")


async def drive(
    site: DetectorSite,
    chromium: str,
    *,
    package: str = "playwright",
    stealth_plugin: bool = False,
    context_options: dict | None = None,
    init_script: str | None = None,
) -> None:
    """A plain script of the Playwright API (`package`: playwright, patchright, rebrowser_playwright): launch,
    new context and page, go to the page, wait for its checks, click the player, wait for the click's report."""
    api = importlib.import_module(f"{package}.async_api")
    async with api.async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium, proxy={"server": site.proxy})
        try:
            context = await browser.new_context(ignore_https_errors=True, **(context_options or {}))
            if stealth_plugin:
                from playwright_stealth import Stealth

                await Stealth().apply_stealth_async(context)
            if init_script:
                await context.add_init_script(init_script)
            page = await context.new_page()
            await page.goto(PAGE_URL)
            await _reported(site, "checks")
            await page.click("#player")
            await _reported(site, "click")
            await context.close()
        finally:
            await browser.close()


@dataclass(frozen=True)
class ScriptRunner(Runner):
    package: str = "playwright"
    stealth_plugin: bool = False
    needs: str = "playwright"  # the module that must be importable

    def available(self) -> str | None:
        for module in {self.package, self.needs}:
            if importlib.util.find_spec(module) is None:
                return f"not installed (`.venv/bin/pip install {module.replace('_', '-')}` to include it)"
        return None


def script_runner(
    name: str, kind: str, about: str, chromium: Callable[[], str], package: str = "playwright", **options
) -> ScriptRunner:
    def visit(site: DetectorSite, work: Path) -> None:
        asyncio.run(drive(site, chromium(), package=package, **options))

    needs = "playwright_stealth" if options.get("stealth_plugin") else package
    return ScriptRunner(name, kind, visit, about, package, bool(options.get("stealth_plugin")), needs)


# --- a reference: the same Chromium, headless, with no automation at all -----------------------------------
def bare_runner(chromium: Callable[[], str]) -> Runner:
    """Chromium started on the page's URL with no automation protocol (no Playwright, no clicks): which checks
    fire for the browser and this machine alone (behaviour checks stay undecided: nobody clicks)."""

    def visit(site: DetectorSite, work: Path) -> None:
        profile = work / "profile"
        profile.mkdir(parents=True, exist_ok=True)
        command = [
            chromium(),
            "--headless",
            f"--user-data-dir={profile}",
            f"--proxy-server={site.proxy}",
            "--ignore-certificate-errors",  # the site's certificate is its own CA's
            "--no-first-run",
            "--no-sandbox",  # as Playwright launches it (needed as root)
            PAGE_URL,
        ]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            if not site.wait_for("checks", REPORT_TIMEOUT):
                raise RunnerFailed(f"the page posted no checks within {REPORT_TIMEOUT:g} s")
        finally:
            process.terminate()
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(15)

    return Runner("chromium-no-automation", "reference", visit, "Chromium --headless on the page, no automation")


def default_runners(profiles: list[str | None], chromium: Callable[[], str], anchors: bool = True) -> list[Runner]:
    runners: list[Runner] = [moneytrail_runner(p) for p in profiles]
    runners.append(script_runner("playwright", "playwright", "Playwright's defaults, page.click", chromium))
    if anchors:
        runners += [
            bare_runner(chromium),
            script_runner("patchright", "anchor", "patchright's defaults", chromium, package="patchright"),
            script_runner(
                "rebrowser-playwright", "anchor", "rebrowser-playwright's defaults", chromium, "rebrowser_playwright"
            ),
            script_runner(
                "playwright-stealth", "anchor", "Playwright + playwright-stealth", chromium, stealth_plugin=True
            ),
        ]
    return runners


def shipped_profiles() -> list[str]:
    import tomllib

    return list(tomllib.loads(PROFILES_FILE.read_text(encoding="utf-8")).get("profiles", {}))


def measure(runner: Runner, work: Path) -> dict:
    """Run one runner against its own detector site: its record (status, checks, calls home, seconds)."""
    from .catalogue import CHECKS

    record = {"runner": runner.name, "kind": runner.kind, "about": runner.about}
    why = runner.available()
    if why:
        return {**record, "status": "skipped", "why": why, "checks": {}}
    started = time.monotonic()
    with DetectorSite(work / runner.name / "site") as site:
        try:
            runner.visit(site, work / runner.name)
            status, why = "ok", ""
        except RunnerFailed as exc:
            status, why = "failed", str(exc)
        if status == "ok" and "checks" not in site.phases():
            status, why = "failed", "the page never posted its checks"
        reported = site.results()
        hosts = site.other_hosts()
        notes = list(site.notes)
    checks = {name: reported.get(name, {"bot": None, "detail": "not reported"}) for name in CHECKS}
    return {
        **record,
        "status": status,
        "why": why,
        "seconds": round(time.monotonic() - started, 1),
        "flagged": sum(1 for c in checks.values() if c["bot"] is True),
        "unknown": sum(1 for c in checks.values() if c["bot"] is None),
        "other_hosts": hosts,
        "checks": checks,
        "uncatalogued": sorted(set(reported) - set(CHECKS)),
        "notes": notes,  # reported by the page, missing from catalogue.py
    }
