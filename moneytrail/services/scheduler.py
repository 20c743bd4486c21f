"""Scheduled crawls: the `moneytrail scheduler` daemon (APScheduler) that starts each due crawl as a
`moneytrail crawl` process with the schedule's whole crawl configuration, and records the outcome; cron and
interval triggers as cron means them.

- One run of a schedule at a time: a schedule whose previous crawl is still going is skipped (recorded as
  `skipped`), within one scheduler (APScheduler's max_instances) and across schedulers (a `running` row whose
  process is alive).
- Missed runs (the scheduler was down at a due time): with `catch_up`, one run at start (several missed due
  times make one run); without, they are recorded as `missed` and the schedule waits for its next due time.
- The schedule table is read again every `--sync` seconds: schedules added, changed or removed while the
  daemon runs take effect without a restart."""

from __future__ import annotations

import logging
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from moneytrail.crawler.store.runs import aware, first_run_since, pid_alive
from moneytrail.crawler.store.schedules import (
    DueTimeTaken,
    config_of,
    enabled_schedules,
    get_schedule,
    record_schedule_run,
    running_schedule_runs,
    update_schedule_run,
)

if TYPE_CHECKING:
    from moneytrail.crawler.store.schema import Schedule

logger = logging.getLogger("moneytrail.scheduler")
EVERY = re.compile(r"^(\d+)\s*(s|m|h|d)$")
UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400}
MAX_EVERY = 366 * 86400  # a year and a day: longer is a typo (and overflows date arithmetic)


class ScheduleError(ValueError):
    pass


def utcnow() -> datetime:
    return datetime.now(UTC)


def parse_every(text: str) -> int:
    match = EVERY.match(text.strip().lower()) if len(text) < 40 else None
    if not match or int(match[1]) == 0:
        raise ScheduleError(f"--every {text!r}: a duration such as 90s, 30m, 6h or 7d")
    seconds = int(match[1]) * UNIT[match[2]]
    if seconds > MAX_EVERY:
        raise ScheduleError(f"--every {text!r}: at most 366d")
    return seconds


WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def _weekdays(field: str) -> str:
    """Cron's weekday field (0 or 7 Sunday; lists, ranges, steps) as APScheduler weekday names."""
    days: set[int] = set()
    for item in field.split(","):
        part, _, step = item.partition("/")
        if part == "*":
            low, high = 0, 6
        elif "-" in part:
            low, high = (int(x) for x in part.split("-", 1))
        else:
            low = high = int(part)
        if not (0 <= low <= 7 and 0 <= high <= 7 and low <= high) or (step and int(step) < 1):
            raise ValueError(f"bad weekday {item!r} (0-7, 0 and 7 are Sunday)")
        days |= {d % 7 for d in range(low, high + 1, int(step) if step else 1)}
    return ",".join(WEEKDAYS[d] for d in sorted(days))


def cron_trigger(cron: str):
    """A crontab expression as cron means it, in UTC: weekday 0 or 7 is Sunday (APScheduler 3 numbers them
    from Monday = 0, so numbers become names), and when both the day of month and the weekday are given, either
    one matching fires (APScheduler would want both)."""
    from apscheduler.triggers.combining import OrTrigger
    from apscheduler.triggers.cron import CronTrigger

    fields = cron.split()
    if len(fields) != 5:
        raise ValueError(f"wrong number of fields; got {len(fields)}, expected 5")
    minute, hour, day, month, weekday = fields
    names = _weekdays(weekday) if weekday != "*" and not re.search(r"[a-z]", weekday, re.I) else weekday.lower()

    def make(d, w):
        return CronTrigger(minute=minute, hour=hour, day=d, month=month, day_of_week=w, timezone="UTC")

    if day != "*" and weekday != "*":
        return OrTrigger([make(day, "*"), make("*", names)])
    return make(day, names)


def trigger(schedule: Schedule):
    """The APScheduler trigger of a schedule (cron in UTC, or an interval from its creation). ScheduleError for
    a row no trigger can be made of (written by hand or by an older version), naming the schedule."""
    from apscheduler.triggers.interval import IntervalTrigger

    try:
        if schedule.cron:
            return cron_trigger(schedule.cron)
        if not schedule.every_seconds or not 0 < schedule.every_seconds <= MAX_EVERY:
            raise ValueError(f"interval of {schedule.every_seconds} s (1 s to 366 days)")
        return IntervalTrigger(seconds=schedule.every_seconds, start_date=aware(schedule.created_at), timezone="UTC")
    except (ValueError, OverflowError, TypeError) as exc:
        raise ScheduleError(f"schedule {schedule.name!r} cannot run: {exc}") from None


def next_run(schedule: Schedule) -> datetime | None:
    """When the schedule runs next (UTC). ScheduleError for a schedule that cannot run."""
    try:
        return trigger(schedule).get_next_fire_time(None, utcnow())
    except OverflowError as exc:
        raise ScheduleError(f"schedule {schedule.name!r} cannot run: {exc}") from None


def check_cron(cron: str) -> str:
    try:
        cron_trigger(cron)
    except ValueError as exc:
        raise ScheduleError(f"--cron {cron!r}: {exc} (five fields: minute hour day month weekday, in UTC)") from None
    return cron


def last_due(schedule: Schedule, now: datetime) -> datetime | None:
    """The latest due time of the schedule at or before `now` (None if none yet)."""
    trig, due, previous = trigger(schedule), None, None
    start = aware(schedule.created_at)
    fire = trig.get_next_fire_time(None, start)
    while fire is not None and fire <= now:
        due = fire
        previous, fire = fire, trig.get_next_fire_time(fire, fire + timedelta(microseconds=1))
        if fire == previous:
            break
    return due


def missed(schedule: Schedule, last_run_due: datetime | None, now: datetime) -> datetime | None:
    """A due time that passed with no run of the schedule (the scheduler was down), or None."""
    due = last_due(schedule, now)
    if due is None or (last_run_due is not None and aware(last_run_due) >= due):
        return None
    return due


# --- report schedules --------------------------------------------------------------------------------------
REPORT_KINDS = ("exposure", "network")


def report_args(report: dict, out: Path) -> list[str]:
    """The `moneytrail report` arguments of a report schedule (its `report` record), writing into `out`."""
    args = [report["kind"]]
    if report["kind"] == "network":
        args += [report["network"]] if report.get("network") else ["--all"]
    args += ["--period", report["period"], "--out", str(out)]
    for fmt in report.get("formats") or ["html"]:
        args += ["-f", fmt]
    for key, value in sorted((report.get("filters") or {}).items()):
        if value:
            args += [f"--{key}", value]
    for key in ("organisation", "logo", "cpm", "lang"):
        if report.get(key):
            args += [f"--{key}", report[key]]
    for path in report.get("brands") or []:
        args += ["--brands", path]
    return args


def delivery(schedule: Schedule, due: datetime) -> Path:
    """The folder a report schedule's run writes into: <folder>/<schedule>/<due time>, one a run (history)."""
    from moneytrail.crawler.store import data_home
    from moneytrail.reports.model import file_stem

    base = Path(schedule.report.get("out") or data_home() / "reports" / "scheduled")
    return base / file_stem(schedule.name) / aware(due).strftime("%Y-%m-%dT%H%MZ")


def latest(folder: Path) -> None:
    """The run's reports copied to `latest` beside it: the stable name to link to."""
    import shutil

    target = folder.parent / "latest"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(folder, target)


class Daemon:
    """The scheduler: APScheduler jobs mirrored from the schedules table, each running a crawl process."""

    def __init__(self, store, db_url: str, sync_seconds: float = 30.0, crawl_args: list[str] | None = None):
        from apscheduler.schedulers.background import BackgroundScheduler

        self.store, self.db_url, self.sync_seconds = store, db_url, sync_seconds
        self.crawl_args = crawl_args or []
        self.scheduler = BackgroundScheduler(
            timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60}
        )
        from apscheduler.events import EVENT_JOB_MAX_INSTANCES

        self.scheduler.add_listener(self.skipped, EVENT_JOB_MAX_INSTANCES)
        self.known: dict[int, tuple] = {}
        self.stopping = threading.Event()
        self.children: set[subprocess.Popen] = set()
        self.threads: list[threading.Thread] = []

    # --- the table, mirrored -------------------------------------------------------------------------
    def sync(self, starting: bool = False) -> None:
        schedules, last = enabled_schedules(self.store)
        for sid in set(self.known) - set(schedules):
            self.scheduler.remove_job(str(sid))
            del self.known[sid]
            logger.info("schedule %s removed", sid)
        for sid, sch in schedules.items():
            shape = (sch.cron, sch.every_seconds, repr(sorted((sch.config or sch.report or {}).items())), sch.watchlist)
            if self.known.get(sid) == shape:
                continue
            if sid in self.known:
                self.scheduler.remove_job(str(sid))
            self.known[sid] = shape
            try:  # one bad schedule is reported and left out; the others run
                self.scheduler.add_job(self.fire, trigger(sch), args=[sid], id=str(sid), name=sch.name)
                logger.info(
                    "schedule %s (%s): next run %s", sch.name, sch.cron or f"every {sch.every_seconds}s", next_run(sch)
                )
            except ScheduleError as exc:
                logger.error("%s; the other schedules run (fix it with `moneytrail schedule remove` and add)", exc)
                if self.scheduler.get_job(str(sid)) is not None:
                    self.scheduler.remove_job(str(sid))
                continue
            if starting:
                due = missed(sch, last.get(sid), utcnow())
                if due is not None:
                    if sch.catch_up:
                        logger.info("schedule %s missed its run due %s: running it now", sch.name, due)
                        thread = threading.Thread(target=self.fire, args=[sid, due], daemon=True)
                        self.threads.append(thread)
                        thread.start()
                    else:
                        self.record(sid, due, "missed", message="the scheduler was not running")

    def record(self, sid: int, due: datetime, state: str, **fields) -> int:
        return record_schedule_run(self.store, sid, due, state, **fields)

    def skipped(self, event) -> None:
        """A due time while this scheduler still runs the schedule's previous crawl."""
        for due in event.scheduled_run_times or [utcnow()]:
            self.record(int(event.job_id), due, "skipped", message="the previous run of this schedule is still going")

    # --- one due run -------------------------------------------------------------------------------------
    def fire(self, sid: int, due: datetime | None = None) -> None:
        due = due or utcnow()
        sch = get_schedule(self.store, sid)
        if sch is None or not sch.enabled:
            return
        busy = running_schedule_runs(self.store, sid)
        if any(pid_alive(r.pid) for r in busy):  # another scheduler (or a run started by hand) is on it
            self.record(sid, due, "skipped", message="the previous run of this schedule is still going")
            return
        for r in busy:
            update_schedule_run(self.store, r.id, state="failed", ended_at=utcnow(), message="its process disappeared")
        if sch.report:
            folder = delivery(sch, due)
            args = [sys.executable, "-m", "moneytrail", "report", *report_args(sch.report, folder)]
            what, watchlist = f"{sch.report['kind']} report into {folder}", None
        else:
            config = config_of(sch)
            args = [sys.executable, "-m", "moneytrail", "crawl", *config.args(), "--no-progress", *self.crawl_args]
            what, watchlist = f"crawl of {config.watchlist}", config.watchlist
        started = utcnow()
        try:  # claim this due time: a second scheduler on the same store finds it taken
            row_id = self.record(sid, due, "running", pid=os.getpid())
        except DueTimeTaken:
            logger.info("schedule %s: the run due %s is another scheduler's", sch.name, due)
            return
        # the store's URL (and its password) by environment, never on a command line others can read
        with tempfile.TemporaryFile() as errors:  # a report's error output says why it failed (a crawl logs)
            child = subprocess.Popen(
                args,
                stdout=subprocess.DEVNULL,
                stderr=errors if sch.report else subprocess.DEVNULL,
                start_new_session=True,
                env=dict(os.environ, MONEYTRAIL_DB=self.db_url),
            )
            self.children.add(child)
            update_schedule_run(self.store, row_id, pid=child.pid)
            logger.info("schedule %s: %s started (pid %s)", sch.name, what, child.pid)
            code = child.wait()
            self.children.discard(child)
            errors.seek(max(0, errors.seek(0, os.SEEK_END) - 1000))
            said = errors.read().decode("utf-8", "replace").strip()
        state, message = {0: "finished", 3: "nothing_reached"}.get(code, "failed"), None
        if self.stopping.is_set() and code != 0:
            state, message = "interrupted", "the scheduler was stopped"
        elif sch.report and code == 0:
            message = f"delivered to {folder} (and {folder.parent / 'latest'})"
            latest(folder)
        elif sch.report:
            message = said[-500:] or f"exit code {code}"
        fields = {"message": message} if message else {}
        update_schedule_run(
            self.store,
            row_id,
            ended_at=utcnow(),
            exit_code=code,
            run_id=first_run_since(self.store, watchlist, started) if watchlist else None,
            state=state,
            **fields,
        )
        logger.info("schedule %s: ended with %s", sch.name, code)

    # --- the daemon --------------------------------------------------------------------------------------
    def run(self) -> None:
        def stop(*_):
            self.stopping.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.sync(starting=True)
        self.scheduler.start()
        try:
            while not self.stopping.wait(self.sync_seconds):
                try:
                    self.sync()
                except Exception:  # a database blip: the schedules already loaded keep running
                    logger.exception("could not read the schedules; trying again in %s s", self.sync_seconds)
        finally:
            for child in list(self.children):  # a stopped scheduler stops its crawls (they can be resumed)
                try:
                    os.killpg(child.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
            self.scheduler.shutdown(wait=True)
            for thread in self.threads:
                thread.join(timeout=120)
