"""Schedules (a crawl configuration and when to run it) and their runs: one row per due time, whatever the
number of schedulers (a unique due time per schedule)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from moneytrail.crawler.config import CrawlConfig

from .db import Store
from .schema import Schedule, ScheduleRun, Watchlist
from .watchlists import NoSuchWatchlist


class ScheduleExists(ValueError):
    pass


class DueTimeTaken(RuntimeError):
    """Another scheduler already claimed this due time of the schedule."""


def utcnow() -> datetime:
    return datetime.now(UTC)


def config_of(schedule: Schedule) -> CrawlConfig:
    """A schedule's crawl configuration (schedules from before migration 0006 hold watchlist, profiles, pages)."""
    record = schedule.config or {
        "watchlist": schedule.watchlist,
        "profiles": schedule.profiles,
        "pages": schedule.pages,
    }
    return CrawlConfig.from_record(record)


def add_schedule(
    store: Store,
    config: CrawlConfig,
    *,
    name: str | None,
    cron: str | None,
    every_seconds: int | None,
    catch_up: bool,
) -> str:
    """Store a crawl schedule; returns its name (default: watchlist-N). NoSuchWatchlist, ScheduleExists."""
    with store.session() as s:
        if s.scalar(select(Watchlist.id).where(Watchlist.name == config.watchlist)) is None:
            raise NoSuchWatchlist(config.watchlist)
    columns = {"profiles": list(config.profiles), "pages": config.pages, "config": config.record()}
    return _add(store, name, config.watchlist, config.watchlist, cron, every_seconds, catch_up, **columns)


def add_report_schedule(
    store: Store, report: dict, *, name: str | None, cron: str | None, every_seconds: int | None, catch_up: bool
) -> str:
    """Store a report schedule (`report`: what `moneytrail report` is given, as data); returns its name
    (default: report-<kind>-N). ScheduleExists."""
    watchlist = (report.get("filters") or {}).get("watchlist") or ""
    columns = {"profiles": [], "pages": 0, "config": None, "report": report}
    return _add(store, name, f"report-{report['kind']}", watchlist, cron, every_seconds, catch_up, **columns)


def _add(store: Store, name, stem: str, watchlist: str, cron, every_seconds, catch_up, **columns) -> str:
    """A schedule row, named `name` or `<stem>-N`; ScheduleExists when the name is taken."""
    with store.session() as s, s.begin():
        name = name or f"{stem}-{(s.scalar(select(func.count(Schedule.id))) or 0) + 1}"
        if s.scalar(select(Schedule.id).where(Schedule.name == name)) is not None:
            raise ScheduleExists(name)
        s.add(
            Schedule(
                name=name,
                watchlist=watchlist,
                cron=cron,
                every_seconds=every_seconds,
                catch_up=catch_up,
                enabled=True,
                created_at=utcnow(),
                **columns,
            )
        )
    return name


def list_schedules(store: Store) -> list[tuple[Schedule, ScheduleRun | None]]:
    """Every schedule by name, with its latest run."""
    with store.session() as s:
        out = []
        for sch in s.scalars(select(Schedule).order_by(Schedule.name)):
            last = s.scalars(
                select(ScheduleRun).where(ScheduleRun.schedule_id == sch.id).order_by(ScheduleRun.id.desc()).limit(1)
            ).first()
            out.append((sch, last))
        return out


def remove_schedule(store: Store, name: str) -> bool:
    with store.session() as s, s.begin():
        return bool(s.execute(delete(Schedule).where(Schedule.name == name)).rowcount)


def enabled_schedules(store: Store) -> tuple[dict[int, Schedule], dict[int, datetime]]:
    """(schedule id -> schedule, schedule id -> the due time of its latest run) of the enabled schedules."""
    with store.session() as s:
        schedules = {sch.id: sch for sch in s.scalars(select(Schedule).where(Schedule.enabled.is_(True)))}
        last = dict(s.execute(select(ScheduleRun.schedule_id, ScheduleRun.due_at).order_by(ScheduleRun.due_at)).all())
    return schedules, last


def get_schedule(store: Store, sid: int) -> Schedule | None:
    with store.session() as s:
        return s.get(Schedule, sid)


def record_schedule_run(store: Store, sid: int, due: datetime, state: str, **fields) -> int:
    """A row for this due time of the schedule; DueTimeTaken when another scheduler has it."""
    try:
        with store.session() as s, s.begin():
            row = ScheduleRun(schedule_id=sid, due_at=due, state=state, started_at=utcnow(), **fields)
            if state in ("missed", "skipped"):
                row.ended_at = row.started_at
            s.add(row)
            s.flush()
            return row.id
    except IntegrityError:
        raise DueTimeTaken(f"schedule {sid}: the run due {due} is another scheduler's") from None


def running_schedule_runs(store: Store, sid: int) -> list[ScheduleRun]:
    with store.session() as s:
        return list(
            s.scalars(select(ScheduleRun).where(ScheduleRun.schedule_id == sid, ScheduleRun.state == "running"))
        )


def update_schedule_run(store: Store, row_id: int, **fields) -> None:
    with store.session() as s, s.begin():
        row = s.get(ScheduleRun, row_id)
        for key, value in fields.items():
            setattr(row, key, value)
