"""The scheduler daemon running real crawls of the sandbox: a short interval fires and records its run, a missed
run is caught up or recorded, one schedule never runs twice at once."""

from __future__ import annotations

import os
import signal
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from helpers import run_cli as cli
from helpers import start_cli
from moneytrail.crawler.store import open_store
from moneytrail.crawler.store.schema import Run, Schedule, ScheduleRun

pytestmark = pytest.mark.slow


def test_the_scheduler_fires_catches_up_and_records(sandbox, truth, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    db = f"sqlite:///{tmp_path / 'sched.db'}"
    (tmp_path / "profiles.toml").write_text(f'[profiles.sandbox]\nlocale = "en-US"\nproxy = "{sandbox.address}"\n')
    env = {"MONEYTRAIL_HOME": str(home), "MONEYTRAIL_PROFILES": str(tmp_path / "profiles.toml")}
    site = next(s for s in truth["sites"] if s["status"] == "ok" and not s["cloaking"] and not s["mirror_from"])
    (tmp_path / "one.txt").write_text(site["url"] + "\n")
    assert cli("watchlist", "import", str(tmp_path / "one.txt"), "--name", "one", "--db", db, env=env).returncode == 0
    for args in (
        ("--every", "2s", "--name", "often"),
        ("--every", "1h", "--name", "late", "--catch-up"),
        ("--every", "1h", "--name", "lost", "--skip-missed"),
    ):
        added = cli("schedule", "add", "-w", "one", "--profile", "sandbox", "--pages", "0", *args, "--db", db, env=env)
        assert added.returncode == 0, added.stderr
    store = open_store(db, tmp_path / "shots")
    with store.session() as s, s.begin():  # two hourly schedules created 2.5 h ago: their last due time passed
        s.execute(
            update(Schedule)
            .where(Schedule.name.in_(("late", "lost")))
            .values(created_at=datetime.now(UTC) - timedelta(hours=2, minutes=30))
        )
    daemon = start_cli(
        *[
            "scheduler",
            "--db",
            db,
            "--sync",
            "0.5",
            "--log",
            str(tmp_path / "scheduler.log"),
        ],
        env=dict(os.environ, TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS="", **env),
    )
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and daemon.poll() is None:
            with store.session() as s:
                done = {
                    name
                    for (name,) in s.execute(
                        select(Schedule.name).join(ScheduleRun).where(ScheduleRun.state == "finished")
                    )
                }
            if {"often", "late"} <= done:
                break
            time.sleep(1)
    finally:
        daemon.send_signal(signal.SIGTERM)
        code = daemon.wait(timeout=120)
    log = (tmp_path / "scheduler.log").read_text()
    assert code == 0, log[-3000:]
    with store.session() as s:
        rows = {}
        for name, row in s.execute(select(Schedule.name, ScheduleRun).join(ScheduleRun).order_by(ScheduleRun.id)):
            rows.setdefault(name, []).append(row)
        states = {name: [r.state for r in runs] for name, runs in rows.items()}
        finished_runs = {r.run_id for runs in rows.values() for r in runs if r.state == "finished"}
        crawl_runs = {r.id: r.state for r in s.scalars(select(Run))}
    assert "finished" in states["often"] and "finished" in states["late"], (states, log[-2000:])
    assert states["lost"] == ["missed"]  # skipped at start, recorded, not run
    assert states["late"].count("finished") == 1  # missed due times coalesce into one run
    assert all(crawl_runs[r] == "finished" for r in finished_runs)
    assert "skipped" in states["often"]  # due every 2 s, a crawl takes longer: the due times in between are skipped
    often = [r for r in rows["often"] if r.state != "skipped"]
    for a, b in zip(often, often[1:], strict=False):  # one run of a schedule at a time
        assert b.started_at >= a.ended_at, (a.started_at, a.ended_at, b.started_at)
