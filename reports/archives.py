"""Visits' archives packaged for replay: one WACZ (Web Archive Collection Zipped, 1.1.1) of the WARCs of the
visits asked for, that ReplayWeb.page opens and any WACZ validator checks.

The package is made by Webrecorder's own tool, py-wacz (`wacz create`), run as a process of its own: it
indexes the WARCs (CDXJ), writes `datapackage.json` with a SHA-256 of every file and `datapackage-digest.json`.
Its pages are the visits (url, time, title), listed in `pages/pages.jsonl`.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from moneytrail.crawler.store.visits import archived_visits

WACZ_TIMEOUT = 1800  # seconds for py-wacz to index and package (large runs take minutes)


class ArchiveError(RuntimeError):
    pass


@dataclass
class WaczFacts:
    path: Path
    visits: int  # visits packaged
    missing: int  # visits whose WARC file is gone from the screenshots directory
    size: int
    unpaged: int = 0  # visits whose URL's answer is not in their archive (no page to open: its requests are)


def _inside(root: Path, relative: str) -> Path | None:
    """The stored file `relative` under `root`, never a path outside it."""
    path = (root / relative).resolve()
    return path if path.is_relative_to(root.resolve()) and path.is_file() else None


def page_of(visit: dict, warc: Path) -> dict:
    """A visit as a WACZ page: its URL, title and id, at the time its archive recorded the URL's answer (a
    replay looks a page up by URL and time: py-wacz keeps only pages its index holds at that time)."""
    when = None
    with open(warc, "rb") as stream:
        for record in ArchiveIterator(stream):
            if record.rec_type != "response":
                continue
            date = record.rec_headers.get_header("WARC-Date")
            when = when or date  # the first answer, if the URL's own is not there
            if record.rec_headers.get_header("WARC-Target-URI") == visit["url"]:
                when = date
                break
    ts = (when or visit["started_at"].strftime("%Y-%m-%dT%H:%M:%SZ")).split(".")[0].rstrip("Z") + "Z"
    return {"id": visit["uid"], "url": visit["url"], "ts": ts, "title": visit["title"] or visit["url"]}


def write_wacz(store, out: Path, scope=None, uids: list[str] | None = None, title: str = "moneytrail") -> WaczFacts:
    """Package the archives of the visits of `scope` (and/or `uids`) into the WACZ file `out`."""
    visits = archived_visits(store, scope, uids)
    found = [(v, _inside(store.screenshots, v["archive"])) for v in visits]
    present = [(v, path) for v, path in found if path is not None]
    if not present:
        raise ArchiveError(
            f"no visit archive to package: {len(found)} of the visits asked for have one recorded, none found "
            f"under {store.screenshots}"
            if found
            else "no visit archive to package: the visits asked for were crawled with --no-archive or before "
            "archives existed"
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="moneytrail-wacz-") as tmp:
        pages = Path(tmp) / "pages.jsonl"
        lines = [{"format": "json-pages-1.0", "id": "pages", "title": "the visits"}]
        lines += [page_of(v, path) for v, path in present]
        pages.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
        command = [sys.executable, "-m", "wacz", "create", "-o", str(out), "-p", str(pages), "--hash-type", "sha256"]
        command += ["--title", title, *(str(path) for _, path in present)]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=WACZ_TIMEOUT, cwd=tmp)
        except subprocess.TimeoutExpired:
            raise ArchiveError(f"py-wacz did not package {len(present)} archive(s) in {WACZ_TIMEOUT} s") from None
    if done.returncode != 0 or not out.is_file():
        raise ArchiveError(f"py-wacz could not package the archives: {(done.stderr or done.stdout)[-800:]}")
    unpaged = done.stdout.count("Invalid passed page")
    return WaczFacts(out, len(present), len(found) - len(present), out.stat().st_size, unpaged)


def validate_wacz(path: Path) -> tuple[bool, str]:
    """py-wacz's own validation of a WACZ file (its structure, its index, every file's digest)."""
    done = subprocess.run(
        [sys.executable, "-m", "wacz", "validate", "-f", str(path)], capture_output=True, text=True, timeout=600
    )
    return done.returncode == 0, (done.stdout + done.stderr)[-2000:]
