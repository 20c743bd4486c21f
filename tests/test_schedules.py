"""Schedules: due times and missed runs (pure), the schedule commands, and the scheduler daemon running
real crawls of the sandbox: a short interval fires and records its run, a missed run is caught up or
recorded, one schedule never runs twice at once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest
from moneytrail.services.scheduler import ScheduleError, check_cron, missed, parse_every
from moneytrail.crawler.store import open_store
from moneytrail.crawler.store.schema import Run, Schedule, ScheduleRun
from sqlalchemy import select, update

UTC = UTC


def cli(*args, env=None, timeout=120):
    return subprocess.run(
        [sys.executable, "-m", "moneytrail", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=dict(os.environ, TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS="", **(env or {})),
    )


def test_due_times_and_missed_runs():
    assert parse_every("90s") == 90 and parse_every("6h") == 21600 and parse_every("7d") == 604800
    for bad in ("0s", "5 weeks", "h"):
        with pytest.raises(ScheduleError):
            parse_every(bad)
    with pytest.raises(ScheduleError, match="five fields"):
        check_cron("every monday")
    hourly = Schedule(name="h", watchlist="w", every_seconds=3600, created_at=datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
    now = datetime(2026, 11, 23, 13, 30, tzinfo=UTC)
    assert missed(hourly, datetime(2026, 11, 23, 11, 0, tzinfo=UTC), now) == datetime(2026, 11, 23, 13, 0, tzinfo=UTC)
    assert missed(hourly, datetime(2026, 11, 23, 13, 0, tzinfo=UTC), now) is None
    weekly = Schedule(name="c", watchlist="w", cron="0 3 * * 1", created_at=datetime(2026, 11, 1, tzinfo=UTC))
    assert missed(weekly, None, now) == datetime(2026, 11, 23, 3, 0, tzinfo=UTC)  # a Monday
    assert missed(weekly, None, datetime(2026, 11, 1, 12, tzinfo=UTC)) is None  # nothing due yet
    from moneytrail.services.scheduler import cron_trigger

    fires = lambda expr: cron_trigger(expr).get_next_fire_time(None, now)
    assert fires("0 3 * * 0") == fires("0 3 * * 7") == datetime(2026, 11, 29, 3, 0, tzinfo=UTC)  # Sunday, as cron says
    assert fires("30 4 * * 1-5") == datetime(2026, 11, 24, 4, 30, tzinfo=UTC)  # Tuesday, the next weekday
    assert fires("0 */6 * * *") == datetime(2026, 11, 23, 18, 0, tzinfo=UTC)
    from moneytrail.services.scheduler import _weekdays

    assert _weekdays("*/2") == "sun,tue,thu,sat" and _weekdays("0-6") == "sun,mon,tue,wed,thu,fri,sat"
    assert _weekdays("5-7") == "sun,fri,sat"
    # day of month and weekday both given: either fires, as in cron (the 1st, or any Monday)
    assert fires("0 3 1 * 1") == datetime(2026, 11, 30, 3, 0, tzinfo=UTC)
    assert cron_trigger("0 3 1 * 1").get_next_fire_time(None, datetime(2026, 11, 30, 4, tzinfo=UTC)) == datetime(
        2026, 12, 1, 3, 0, tzinfo=UTC
    )
    with pytest.raises(ScheduleError):
        check_cron("0 3 * * 8")


def test_schedule_commands(tmp_path):
    db = f"sqlite:///{tmp_path / 's.db'}"
    (tmp_path / "w.txt").write_text("https://example.test/\n")
    assert cli("watchlist", "import", str(tmp_path / "w.txt"), "--name", "weekly", "--db", db).returncode == 0
    assert cli("schedule", "add", "-w", "nope", "--every", "1h", "--db", db).returncode == 2
    both = cli("schedule", "add", "-w", "weekly", "--every", "1h", "--cron", "0 3 * * 1", "--db", db)
    assert both.returncode == 2 and "one of them" in both.stderr
    assert cli("schedule", "add", "-w", "weekly", "--cron", "61 3 * * 1", "--db", db).returncode == 2
    added = cli("schedule", "add", "-w", "weekly", "--cron", "0 3 * * 1", "--name", "mondays", "--db", db)
    assert added.returncode == 0, added.stderr
    assert cli("schedule", "add", "-w", "weekly", "--every", "1h", "--name", "mondays", "--db", db).returncode == 2
    listed = cli("schedule", "list", "--db", db)
    assert "mondays" in listed.stdout and "0 3 * * 1" in listed.stdout
    assert cli("schedule", "remove", "mondays", "--db", db).returncode == 0
    assert "mondays" not in cli("schedule", "list", "--db", db).stdout
    assert cli("schedule", "remove", "mondays", "--db", db).returncode == 2


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
    daemon = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "moneytrail",
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
    for a, b in zip(often, often[1:]):  # one run of a schedule at a time
        assert b.started_at >= a.ended_at, (a.started_at, a.ended_at, b.started_at)
