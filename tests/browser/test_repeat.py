"""`crawl --repeat N`: each page visited N times per profile, each visit in a browser context of its own (a
fresh visitor, as a sample of rotating ads needs), every repetition stored as a visit of its own and counted by
the reports."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import select

from helpers import run_cli
from moneytrail.crawler.store import open_store
from moneytrail.crawler.store.schema import FindingLink
from moneytrail.crawler.store.visits import load_observations
from moneytrail.reports.render import stored_screenshot

SITE = "https://streamvf-hd.test/"


def test_repeat_visits_each_page_n_times_as_fresh_visitors(sandbox, tmp_path):
    home = tmp_path / "home"
    env = {"MONEYTRAIL_HOME": str(home)}
    watchlist = tmp_path / "one.txt"
    watchlist.write_text(SITE + "\n")
    args = ("--proxy", sandbox.address, "--pages", "0", "--no-adstxt", "--no-archive", "--no-progress")
    crawl = run_cli("crawl", "-w", watchlist, "--repeat", "3", *args, env=env)
    assert crawl.returncode == 0, crawl.stderr[-3000:]

    store = open_store(f"sqlite:///{home / 'moneytrail.db'}", home / "screenshots")
    observations = load_observations(store)
    assert sorted(obs.repetition for obs in observations) == [0, 1, 2]
    assert len({obs.visit_id for obs in observations}) == 3 and {obs.status for obs in observations} == {"ok"}
    assert all(obs.windows for obs in observations)  # each repetition clicked the player and got the pop-under
    with store.session() as s:  # every ad's landing screenshot is found where reports look for it
        shots = s.scalars(select(FindingLink.screenshot)).all()
    assert len(shots) >= 3 and all(stored_screenshot(store.screenshots, shot) for shot in shots), shots

    out = tmp_path / "reports"
    month = datetime.now(UTC).strftime("%Y-%m")
    done = run_cli("report", "exposure", "--period", month, "-f", "json", "-o", out, env=env)
    assert done.returncode == 0, done.stderr
    report = json.loads((out / f"exposure-{month}.json").read_text())
    (site,) = report["tables"]["sites"]
    assert site["visits"] == 3 and site["reached"] == 3 and site["ads"] >= 3  # the ads of every repetition
