"""Crawl runs: started, finished, resumed; their counts as the stored visits tell them; listing them."""

from __future__ import annotations

import os
import socket
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from moneytrail.crawler.config import CrawlConfig
from moneytrail.crawler.observation import Observation

from .db import Store
from .schema import AdsTxt, FindingLink, FindingMiner, Run, Visit, Watchlist, Window
from .visits import unpack

STATUSES = ("ok", "hostile", "dead", "timeout", "crashed")


HEARTBEAT_SECONDS = 60  # how often a crawling process says it is alive
STALE_AFTER = timedelta(seconds=3 * HEARTBEAT_SECONDS + 30)  # three missed heartbeats: the process is gone


class NoSuchRun(LookupError):
    pass


class RunIsLive(RuntimeError):
    """The run is being crawled by a live process: resuming it would visit its sites twice."""


def utcnow() -> datetime:
    return datetime.now(UTC)


def aware(value: datetime | None) -> datetime | None:
    """A stored time as UTC-aware (SQLite gives naive ones back)."""
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def pid_alive(pid: int | None) -> bool:
    """Whether a process `pid` exists on this host."""
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def liveness(run: Run, now: datetime | None = None) -> str | None:
    """Why `run` is live (crawled by a process that still beats), or None. On this host the process must
    also exist; on another host a fresh heartbeat is all there is to go by."""
    beat = aware(run.heartbeat_at)
    if run.state != "running" or beat is None or (now or utcnow()) - beat > STALE_AFTER:
        return None
    here = run.host == socket.gethostname()
    if here and (run.pid == os.getpid() or not pid_alive(run.pid)):
        return None
    return f"process {run.pid} on {run.host} crawls it (heartbeat {beat:%Y-%m-%d %H:%M:%S} UTC)"


def beat(store: Store, run_id: int) -> None:
    """This process still crawls `run_id`."""
    with store.session() as s, s.begin():
        run = s.get(Run, run_id)
        if run is not None:
            run.heartbeat_at, run.pid, run.host = utcnow(), os.getpid(), socket.gethostname()[:255]


def start_run(store: Store, config: CrawlConfig, watchlist_id: int | None, sites: int, profile: dict) -> int:
    """A new run of `config` (its record stored with it, secrets redacted); returns its id."""
    with store.session() as s, s.begin():
        run = Run(
            watchlist_id=watchlist_id,
            started_at=utcnow(),
            state="running",
            profile=profile,
            options=config.record(),
            sites=sites,
            counts={},
            pid=os.getpid(),
            host=socket.gethostname()[:255],
            heartbeat_at=utcnow(),
        )
        s.add(run)
        s.flush()
        return run.id


def finish_run(store: Store, run_id: int, state: str, extra: dict | None = None) -> dict:
    """End a run: its counts recomputed from what it stored (right after a resume too), plus `extra`."""
    counts = {**stored_counts(store, run_id), **(extra or {})}
    with store.session() as s, s.begin():
        run = s.get(Run, run_id)
        run.state, run.ended_at, run.counts = state, utcnow(), counts
    return counts


def stored_counts(store: Store, run_id: int) -> dict:
    """A run's counts as its stored rows tell them: visits and home pages by status, popups and tab-unders,
    WebSockets, wasm modules, ads.txt / sellers.json fetches by outcome, ads followed, miners, visits by consent
    outcome (`consent_accepted`...) and the consent platforms answered (`cmp_<name>`)."""
    counts: Counter = Counter()
    with store.session() as s:
        for kind, status, sockets, wasm, n in s.execute(
            select(
                Visit.page_kind,
                Visit.status,
                func.sum(Visit.n_websockets),
                func.sum(Visit.n_wasm),
                func.count(Visit.id),
            )
            .where(Visit.run_id == run_id)
            .group_by(Visit.page_kind, Visit.status)
        ):
            counts.update({"visits": n, f"visits_{status}": n, "websockets": int(sockets or 0), "wasm": int(wasm or 0)})
            if kind == "home":
                counts[f"sites_{status}"] += n
        counts["popups"] = s.scalar(
            select(func.count(Window.id))
            .join(Visit, Visit.id == Window.visit_id)
            .where(Visit.run_id == run_id, Window.kind.in_(("popup", "tabunder")))
        )
        for kind, outcome, n in s.execute(
            select(AdsTxt.kind, AdsTxt.outcome, func.count(AdsTxt.id))
            .where(AdsTxt.run_id == run_id)
            .group_by(AdsTxt.kind, AdsTxt.outcome)
        ):
            counts[f"{kind}_{outcome}"] = n
        for outcome, cmp, n in s.execute(
            select(Visit.consent, Visit.consent_cmp, func.count(Visit.id))
            .where(Visit.run_id == run_id, Visit.consent.is_not(None))
            .group_by(Visit.consent, Visit.consent_cmp)
        ):
            counts[f"consent_{outcome}"] += n
            if cmp and outcome in ("accepted", "rejected"):
                counts[f"cmp_{cmp}"] += n
        for table, key in ((FindingLink, "links"), (FindingMiner, "miners")):
            counts[key] = s.scalar(
                select(func.count(table.id)).join(Visit, Visit.id == table.visit_id).where(Visit.run_id == run_id)
            )
    return dict(counts)


@dataclass
class Resumed:
    """What a run already holds, for `crawl --resume`: its configuration and the visits stored."""

    run_id: int
    watchlist: str
    config: CrawlConfig
    visits: set[tuple[int | None, str, str, int]]  # (site_id, profile name, url, repetition) of each stored visit
    homes: dict[tuple[int | None, str, int], Observation]  # (site_id, profile name, repetition) -> home visit
    adstxt_sites: set[tuple[int | None, str]]  # (site, ads.txt or app-ads.txt) fetched


@dataclass
class RunInfo:
    id: int
    watchlist: str | None
    started_at: datetime
    ended_at: datetime | None
    state: str
    visits: int
    config: CrawlConfig | None  # None when the watchlist is gone
    counts: dict
    live: str | None = None  # a `running` run still crawled by a live process: by which
    statuses: dict = field(default_factory=dict)  # its stored visits by status (`moneytrail runs`)


def run_info(store: Store, run_id: int) -> RunInfo:
    """A run as recorded (NoSuchRun when there is none, or its watchlist is gone)."""
    with store.session() as s:
        run = s.get(Run, run_id)
        watchlist = s.get(Watchlist, run.watchlist_id) if run is not None and run.watchlist_id else None
        if watchlist is None:
            raise NoSuchRun(f"no run {run_id}" if run is None else f"run {run_id}'s watchlist is gone")
        visits = s.scalar(select(func.count(Visit.id)).where(Visit.run_id == run_id))
        config = CrawlConfig.from_record({**(run.options or {}), "watchlist": watchlist.name})
        return RunInfo(
            run.id,
            watchlist.name,
            run.started_at,
            run.ended_at,
            run.state,
            visits,
            config,
            run.counts or {},
            liveness(run),
        )


def resume_run(store: Store, run_id: int, worker: bool = False) -> Resumed:
    """Load what run `run_id` stored and mark it running again, in this process. RunIsLive when another
    process still crawls it, unless this one is a `worker` of a queue: workers share their run by design
    (the queue, not the store, says which visits remain, so they load no visits)."""
    info = run_info(store, run_id)
    visits, homes, adstxt = set(), {}, set()
    with store.session() as s, s.begin():
        live = liveness(s.get(Run, run_id))
        if live and not worker:
            raise RunIsLive(f"run {run_id} is still going: {live}")
        if not worker:
            for site_id, url, profile, kind, blob in s.execute(
                select(Visit.site_id, Visit.url, Visit.profile, Visit.page_kind, Visit.observation).where(
                    Visit.run_id == run_id
                )
            ):
                name = (profile or {}).get("name", "default")
                # a run that repeats its visits needs each one's repetition: it is in the observation
                obs = unpack(blob) if kind == "home" or info.config.repeat > 1 else None
                rep = obs.repetition if obs is not None else 0
                visits.add((site_id, name, url, rep))
                if kind == "home":
                    homes[(site_id, name, rep)] = obs
            adstxt = set(
                s.execute(
                    select(AdsTxt.site_id, AdsTxt.kind).where(
                        AdsTxt.run_id == run_id,
                        AdsTxt.site_id.is_not(None),
                        AdsTxt.kind.in_(("ads.txt", "app-ads.txt")),
                    )
                ).all()
            )
        run = s.get(Run, run_id)
        run.state, run.ended_at = "running", None
        run.pid, run.host, run.heartbeat_at = os.getpid(), socket.gethostname()[:255], utcnow()
    return Resumed(run_id, info.watchlist, info.config, visits, homes, adstxt)


def list_runs(store: Store, last: int = 20) -> list[RunInfo]:
    """The latest runs, newest first, with their visit counts."""
    visits = select(func.count(Visit.id)).where(Visit.run_id == Run.id).scalar_subquery()
    with store.session() as s:
        rows = s.execute(
            select(Run, Watchlist.name, visits)
            .join(Watchlist, Watchlist.id == Run.watchlist_id, isouter=True)
            .order_by(Run.id.desc())
            .limit(last)
        ).all()
    by_status: dict[int, dict[str, int]] = {}
    with store.session() as s:
        for run_id, status, n in s.execute(
            select(Visit.run_id, Visit.status, func.count(Visit.id))
            .where(Visit.run_id.in_([run.id for run, _, _ in rows]))
            .group_by(Visit.run_id, Visit.status)
        ):
            by_status.setdefault(run_id, {})[status] = n
    out = []
    for run, name, n in rows:
        try:
            config = CrawlConfig.from_record({**(run.options or {}), "watchlist": name}) if name else None
        except ValueError:
            config = None
        out.append(
            RunInfo(
                run.id,
                name,
                run.started_at,
                run.ended_at,
                run.state,
                n,
                config,
                run.counts or {},
                liveness(run),
                by_status.get(run.id, {}),
            )
        )
    return out


def failed_visits(store: Store, run_id: int | None = None, last: int = 200) -> list[dict]:
    """The latest visits that did not end `ok` (of one run, or of any), newest first: run, visit (its uid),
    url, status, error, hostile signals, started."""
    query = select(Visit.run_id, Visit.uid, Visit.url, Visit.status, Visit.error, Visit.hostile, Visit.started_at)
    query = query.where(Visit.status != "ok")
    if run_id is not None:
        query = query.where(Visit.run_id == run_id)
    with store.session() as s:
        rows = s.execute(query.order_by(Visit.id.desc()).limit(last)).all()
    keys = ("run", "visit", "url", "status", "error", "hostile", "started")
    return [dict(zip(keys, row, strict=True)) for row in rows]


def first_run_since(store: Store, watchlist: str, since: datetime) -> int | None:
    """The id of the first run of `watchlist` started at or after `since` (a scheduled crawl's run)."""
    with store.session() as s:
        return s.scalar(
            select(Run.id)
            .join(Watchlist, Watchlist.id == Run.watchlist_id)
            .where(Watchlist.name == watchlist, Run.started_at >= since)
            .order_by(Run.id)
            .limit(1)
        )
