"""Finding and launching the Chromium moneytrail drives."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

# Debian's /usr/bin/chromium is a wrapper script; the real binary is beside the libraries.
SYSTEM_CANDIDATES = (
    "/usr/lib/chromium/chromium",
    "/usr/lib/chromium-browser/chromium-browser",
    "/snap/chromium/current/usr/lib/chromium-browser/chrome",
    "/usr/bin/google-chrome",
)
# Chromium's own calls home go to a dead local port; site isolation trials off (measured faster).
QUIET_ARGS = (
    "--component-updater=url-source=http://127.0.0.1:9/",
    "--gaia-url=http://127.0.0.1:9/",
    "--disable-site-isolation-trials",
    "--disable-quic",
)


class BrowserNotFound(RuntimeError):
    pass


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
    """`MONEYTRAIL_CHROMIUM`, else Playwright's Chromium, else a system Chromium."""
    explicit = os.environ.get("MONEYTRAIL_CHROMIUM")
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
