"""Schedules: due times and missed runs (pure), and the schedule commands."""

from __future__ import annotations

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
