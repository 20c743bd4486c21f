"""Finding and launching the Chromium moneytrail drives."""

from __future__ import annotations

import os
import re
import shutil
from functools import lru_cache
from pathlib import Path

# Debian's /usr/bin/chromium is a wrapper script; the real binary is beside the libraries.
SYSTEM_CANDIDATES = (
    "/usr/lib/chromium/chromium",
    "/usr/lib/chromium-browser/chromium-browser",
    "/snap/chromium/current/usr/lib/chromium-browser/chrome",
    "/usr/bin/google-chrome",
)
# Chromium's own calls home go to a dead local port. Site isolation stays on, as in a person's Chrome: with it off
# (`--disable-site-isolation-trials`, 4-8% less CPU a heavy visit) a pop-under of another site ran in its opener's
# renderer, and one that kept its thread busy stalled the visit (tests/browser/test_recording.py).
QUIET_ARGS = (
    "--component-updater=url-source=http://127.0.0.1:9/",
    "--gaia-url=http://127.0.0.1:9/",
    "--disable-quic",
)


# Chromium features a crawl turns off. Each browser context Playwright opens gets a window, and each window a
# renderer for the omnibox's WebUI popup (chrome://omnibox-popup.top-chrome): 0.55 CPU-s a context, for nothing a
# headless visit shows.
OFF_FEATURES = ("WebUIOmniboxPopup", "WebUIOmniboxFullPopup", "WebUIOmniboxAimPopup")


@lru_cache(maxsize=1)
def playwright_disabled_features() -> tuple[str, ...] | None:
    """The features Playwright's driver turns off at each launch (its `disabledFeatures`, read from the driver's
    code), or None when that list cannot be found in this version."""
    import playwright

    lib = Path(playwright.__file__).parent / "driver" / "package" / "lib"
    for source in (lib / "coreBundle.js", lib / "server" / "chromium" / "chromiumSwitches.js"):
        try:
            text = source.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        found = re.search(r"\bdisabledFeatures\s*=\s*\[(.*?)\]", text, re.S)
        if found:
            body = re.sub(r"//[^\n]*", "", found.group(1))
            names = tuple(re.findall(r"[\"']([A-Za-z0-9_]+)[\"']", body))
            return names or None
    return None


def feature_args() -> tuple[str, ...]:
    """The launch argument that turns OFF_FEATURES off. Chromium heeds only the last `--disable-features` it is
    given, so this one, given after Playwright's, carries Playwright's list too; without that list, none."""
    theirs = playwright_disabled_features()
    if theirs is None:
        return ()
    return ("--disable-features=" + ",".join(dict.fromkeys([*theirs, *OFF_FEATURES])),)


# with stealth: navigator.webdriver false as in a person's browser, natively (no getter written in JavaScript,
# whose source a page can read)
STEALTH_ARGS = ("--disable-blink-features=AutomationControlled",)


class BrowserNotFound(RuntimeError):
    pass


class BrowserWontStart(RuntimeError):
    """The Chromium found cannot be started with the crawl's options: the message is its launch error."""


def playwright_chromium() -> str | None:
    """Playwright's own Chromium build, if `playwright install chromium` was run."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    try:
        with sync_playwright() as p:
            path = p.chromium.executable_path
    except Exception:
        return None
    return path if path and Path(path).exists() else None


def _is_script(path: str) -> bool:
    with open(path, "rb") as handle:
        return handle.read(2) == b"#!"


def find_chromium() -> str:
    """`MONEYTRAIL_CHROMIUM`, else Playwright's Chromium, else a system Chromium (looked for once a process:
    asking Playwright starts its driver)."""
    return _find(os.environ.get("MONEYTRAIL_CHROMIUM"))


@lru_cache(maxsize=4)
def _find(explicit: str | None) -> str:
    if explicit:
        if Path(explicit).exists():
            return explicit
        raise BrowserNotFound(f"MONEYTRAIL_CHROMIUM={explicit} does not exist")
    found = playwright_chromium()
    if found:
        return found
    for candidate in SYSTEM_CANDIDATES:
        if Path(candidate).exists():
            return candidate
    which = shutil.which("chromium") or shutil.which("chromium-browser")
    if which and not _is_script(which):  # Debian's /usr/bin/chromium is a shell wrapper Playwright cannot drive
        return which
    raise BrowserNotFound(
        "no Chromium found: run `make browser` (installs Debian's chromium as root), or "
        "`apt-get install chromium`, or `playwright install chromium`, or set MONEYTRAIL_CHROMIUM"
    )


def launch_check(options: dict, timeout_ms: float = 60_000) -> str:
    """Start the browser with a crawl's launch options, open a blank page, close it: its version, or
    BrowserWontStart with the launch error (the first lines that say why, not Playwright's call log)."""
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(**options, timeout=timeout_ms)
            try:
                version = browser.version
                browser.new_page().goto("about:blank")
            finally:
                browser.close()
    except PlaywrightError as exc:
        text = str(exc)
        said = list(dict.fromkeys(re.findall(r"^\[pid=\d+\]\[err\] (.+)$", text, re.M)))[:6]  # the browser's own words
        exits = re.findall(r"<process did exit: (exitCode=\S+ signal=\S+)>", text)
        head = text.splitlines()[0] if text else "no reason given"
        why = " / ".join(said or [head]) + (f" ({exits[0]})" if exits else "")
        raise BrowserWontStart(f"{options.get('executable_path')} does not start: {why[:800]}") from None
    return version
