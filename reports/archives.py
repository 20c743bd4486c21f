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


# py-wacz's own command line drops `main`'s answer (it exits 0 on a failed validation): its `main` is called
# here and its answer is the exit status; the arguments come from a file (a run's WARCs pass ARG_MAX)
RUN_WACZ = "import json, sys; from wacz.main import main; sys.exit(main(json.load(open(sys.argv[1]))) or 0)"


def _wacz(args: list[str], workdir: Path, timeout: float) -> subprocess.CompletedProcess:
    listed = workdir / "wacz-args.json"
    listed.write_text(json.dumps(args), encoding="utf-8")
    try:
        return subprocess.run(
            [sys.executable, "-c", RUN_WACZ, str(listed)], capture_output=True, text=True, timeout=timeout, cwd=workdir
        )
    except subprocess.TimeoutExpired:
        raise ArchiveError(f"py-wacz did not end in {timeout:g} s") from None


def write_wacz(store, out: Path, scope=None, uids: list[str] | None = None, title: str = "moneytrail") -> WaczFacts:
    """Package the archives of the visits of `scope` (and/or `uids`) into the WACZ file `out` (ArchiveError
    when there is none, or py-wacz fails: no partial file is left)."""
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
    try:
        with tempfile.TemporaryDirectory(prefix="moneytrail-wacz-") as tmp:
            pages, seen, collided = [], set(), 0
            for v, path in present:
                page = page_of(v, path)
                if (page["ts"], page["url"]) in seen:  # a replay tells pages by time and URL, to the second
                    collided += 1
                    continue
                seen.add((page["ts"], page["url"]))
                pages.append(page)
            listed = Path(tmp) / "pages.jsonl"
            lines = [{"format": "json-pages-1.0", "id": "pages", "title": "the visits"}, *pages]
            listed.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
            args = ["create", "-o", str(out), "-p", str(listed), "--hash-type", "sha256", "--title", title]
            done = _wacz([*args, *(str(path) for _, path in present)], Path(tmp), WACZ_TIMEOUT)
        if done.returncode != 0 or not out.is_file():
            raise ArchiveError(f"py-wacz could not package the archives: {(done.stderr or done.stdout)[-800:]}")
    except Exception as exc:
        out.unlink(missing_ok=True)
        if isinstance(exc, ArchiveError):
            raise
        raise ArchiveError(f"the archives could not be packaged: {type(exc).__name__}: {exc}") from exc
    unpaged = done.stdout.count("Invalid passed page") + collided
    return WaczFacts(out, len(present), len(found) - len(present), out.stat().st_size, unpaged)


def validate_wacz(path: Path) -> tuple[bool, str]:
    """py-wacz's own validation of a WACZ file (its structure, its index, every file's digest); its answer, and
    what it said. (It passes an empty zip: look inside too.)"""
    with tempfile.TemporaryDirectory(prefix="moneytrail-wacz-") as tmp:
        done = _wacz(["validate", "-f", str(path)], Path(tmp), 600)
    said = (done.stdout + done.stderr)[-2000:]
    return done.returncode == 0 and "Validation failed" not in said, said
