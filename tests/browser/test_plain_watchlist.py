"""A plain-text watchlist (one URL per line, no traffic figures: what most users start with) crawled in the
sandbox, then every report in every format and every export: nothing crashes, and "sites monitored" counts the
sites of the watchlist crawled, not those of a watchlist never crawled."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from helpers import run_cli
from moneytrail.reports import EXPORT_KINDS, REPORT_FORMATS

SITES = ("https://streamvf-hd.test/", "https://docu-streaming.test/", "https://gone-forever.test/")


def test_plain_text_watchlist_crawl_renders_every_report(sandbox, tmp_path):
    home = tmp_path / "home"
    env = {"MONEYTRAIL_HOME": str(home)}
    plain = tmp_path / "mine.txt"
    plain.write_text("# my sites\n" + "\n".join(SITES) + "\n\nnot a url at all\n")
    never = tmp_path / "never.txt"
    never.write_text("https://never-crawled-one.test/\nhttps://never-crawled-two.test/\n")
    assert run_cli("watchlist", "import", never, "--name", "never", env=env).returncode == 0
    crawl = run_cli("crawl", "-w", plain, "--proxy", sandbox.address, "--pages", "0", "--no-progress", env=env)
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    assert "line 6" in crawl.stderr  # the bad line is reported with its number, the rest crawled

    month = datetime.now(UTC).strftime("%Y-%m")
    formats = [arg for f in REPORT_FORMATS for arg in ("-f", f)]
    out = tmp_path / "reports"
    for args in (
        ("exposure", "--period", month),
        ("network", "--all"),
        ("advertiser", "--brand", "Nobody", "--domain", "nobody-brand.test"),
    ):
        result = run_cli("report", *args, *formats, "-o", out, env=env)
        assert result.returncode == 0, f"report {args[0]}: {result.stderr[-3000:]}"
    (exposure_json,) = out.glob("exposure-*.json")
    figures = {f["key"]: f for f in json.loads(exposure_json.read_text())["figures"]}
    assert figures["monitored"]["value"] == len(SITES)  # not the never-crawled watchlist's sites
    assert figures["reachable"]["value"] == 2
    assert figures["revenue_low"]["value"] == figures["revenue_high"]["value"] == 0  # no traffic figures, no crash
    assert any(out.glob("network-*.pdf")) and any(out.glob("advertiser-*.xlsx"))

    exports = tmp_path / "exports"
    for fmt in ("csv", "json", "parquet"):
        result = run_cli("export", "all", "-f", fmt, "-o", exports, env=env)
        assert result.returncode == 0, result.stderr[-3000:]
    assert {p.stem for p in exports.glob("*.parquet")} == set(EXPORT_KINDS)
