"""Schedules: due times and missed runs (pure), and the schedule commands."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from helpers import run_cli as cli
from moneytrail.crawler.store.schema import Schedule
from moneytrail.services.scheduler import ScheduleError, check_cron, missed, parse_every


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


@pytest.mark.slow
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


@pytest.mark.slow
def test_one_bad_schedule_does_not_stop_the_others(tmp_path, caplog):
    """`--every 10000000000d` is refused; a row no trigger can be made of (an older version's, or written by
    hand) is listed as unable to run, and the scheduler runs the other schedules."""
    from moneytrail.crawler.config import CrawlConfig
    from moneytrail.crawler.store import open_store
    from moneytrail.crawler.store.schedules import add_schedule
    from moneytrail.services.scheduler import Daemon

    for bad in ("10000000000d", "367d", "9" * 400 + "s"):
        with pytest.raises(ScheduleError):
            parse_every(bad)
    assert parse_every("366d") == 366 * 86400
    db = f"sqlite:///{tmp_path / 's.db'}"
    (tmp_path / "w.txt").write_text("https://example.test/\n")
    assert cli("watchlist", "import", str(tmp_path / "w.txt"), "--name", "w", "--db", db).returncode == 0
    refused = cli("schedule", "add", "-w", "w", "--every", "10000000000d", "--db", db)
    assert refused.returncode == 2 and "366d" in refused.stderr and "Traceback" not in refused.stderr
    store = open_store(db)
    add_schedule(store, CrawlConfig("w"), name="broken", cron=None, every_seconds=10**12, catch_up=False)
    add_schedule(store, CrawlConfig("w"), name="hourly", cron=None, every_seconds=3600, catch_up=False)
    listed = cli("schedule", "list", "--json", "--db", db)
    assert listed.returncode == 0, listed.stderr
    rows = {r["name"]: r for r in __import__("json").loads(listed.stdout)}
    assert rows["broken"]["next_run"] is None and "cannot run" in rows["broken"]["error"]
    assert rows["hourly"]["next_run"] and rows["hourly"]["error"] is None
    assert "cannot run" in cli("schedule", "list", "--db", db).stdout
    daemon = Daemon(store, db)
    daemon.sync(starting=True)
    assert [job.name for job in daemon.scheduler.get_jobs()] == ["hourly"]
    assert "'broken' cannot run" in caplog.text


@pytest.mark.slow
def test_a_report_schedule_delivers_each_run_to_its_folder_and_latest(tmp_path):
    """`schedule add --report`: checked when added; each due run writes the report into
    <out>/<schedule>/<due time>/ (the history) and copies it to <out>/<schedule>/latest/; a failing report
    is recorded as failed with what it said."""
    import json

    from moneytrail.crawler.store import open_store
    from moneytrail.crawler.store.schedules import list_schedules
    from moneytrail.crawler.store.schema import ScheduleRun
    from moneytrail.services.scheduler import Daemon

    db, out = f"sqlite:///{tmp_path / 's.db'}", tmp_path / "published"

    def add(*args):
        return cli("schedule", "add", "--every", "30d", *args, "--db", db)

    added = add("--report", "exposure", "--period", "2026-10", "-f", "json", "-f", "csv", "--out", out,
                "--organisation", "Assoc", "--name", "monthly")  # fmt: skip
    assert added.returncode == 0, added.stderr
    bad = add("--report", "network", "--period", "last-month", "--network", "NoSuchNet", "--name", "bad")
    assert bad.returncode == 0, bad.stderr
    for args, says in (
        (("--report", "weekly", "--period", "2026-10"), "one of exposure, network"),
        (("--report", "exposure"), "needs --period"),
        (("--report", "exposure", "--period", "2026-13"), "2026-13"),
        (("--report", "exposure", "--period", "2026-10", "--network", "PopAds"), "goes with --report network"),
        (("--report", "exposure", "--period", "2026-10", "--cpm", tmp_path / "none.toml"), "no such file"),
        (("--report", "exposure", "--period", "2026-10", "-f", "docx"), "unknown format"),
    ):
        refused = add(*args)
        assert refused.returncode == 2 and says in refused.stderr, (args, refused.stderr)
    listed = {r["name"]: r for r in json.loads(cli("schedule", "list", "--json", "--db", db).stdout)}
    assert listed["monthly"]["does"] == "exposure report, 2026-10" and listed["monthly"]["next_run"]

    store = open_store(db)
    ids = {sch.name: sch.id for sch, _ in list_schedules(store)}
    daemon = Daemon(store, db)
    for due in (datetime(2026, 11, 1, 6, tzinfo=UTC), datetime(2026, 12, 1, 6, tzinfo=UTC)):
        daemon.fire(ids["monthly"], due)
    runs = sorted((out / "monthly").iterdir())
    assert [r.name for r in runs] == ["2026-11-01T0600Z", "2026-12-01T0600Z", "latest"]
    for folder in runs:
        assert (folder / "exposure-2026-10.json").is_file() and (folder / "exposure-2026-10" / "figures.csv").is_file()
        assert json.loads((folder / "exposure-2026-10.json").read_text())["organisation"] == "Assoc"
    daemon.fire(ids["bad"], datetime(2026, 11, 1, 6, tzinfo=UTC))
    with store.session() as s:
        outcome = {(r.schedule_id, r.due_at.month): (r.state, r.message) for r in s.query(ScheduleRun)}
    assert outcome[(ids["monthly"], 12)][0] == "finished" and "delivered to" in outcome[(ids["monthly"], 12)][1]
    state, message = outcome[(ids["bad"], 11)]
    assert state == "failed" and "NoSuchNet" in message


@pytest.mark.slow
def test_the_scheduler_daemon_delivers_a_report_schedule_every_few_seconds(tmp_path):
    """The real daemon (`moneytrail scheduler`), a report schedule every 3 s: soon its folder holds a dated run
    and `latest/`, each with the report; SIGTERM stops it with exit 0."""
    import signal
    import subprocess

    from helpers import MONEYTRAIL, cli_env

    db, out = f"sqlite:///{tmp_path / 's.db'}", tmp_path / "published"
    added = cli("schedule", "add", "--report", "exposure", "--period", "this-month", "--every", "3s", "-f", "json",
                "--out", out, "--name", "often", "--db", db)  # fmt: skip
    assert added.returncode == 0, added.stderr
    daemon = subprocess.Popen(
        [*MONEYTRAIL, "scheduler", "--db", db, "--sync", "1", "--log", str(tmp_path / "scheduler.log")],
        env=cli_env({}, tmp_path),
    )
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            runs = sorted(p.name for p in (out / "often").glob("20*")) if (out / "often").is_dir() else []
            if runs and any((out / "often" / "latest").glob("exposure-*.json")):
                break
            time.sleep(0.5)
        else:
            raise AssertionError((tmp_path / "scheduler.log").read_text()[-3000:])
    finally:
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=60) == 0
    assert any((out / "often" / runs[0]).glob("exposure-*.json"))
