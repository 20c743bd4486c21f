"""The tables. One file is the source of truth for what is stored; every change to it comes with an
Alembic migration in `migrations/versions/`.

A visit keeps its whole Observation (compressed JSON, `visits.observation`) so findings can be recomputed
from it; `requests` and `windows` are the observation's most queried parts, flattened for SQL."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Watchlist(Base):
    __tablename__ = "watchlists"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    source: Mapped[str | None] = mapped_column(Text)  # the file it was imported from
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Site(Base):
    __tablename__ = "sites"
    __table_args__ = (UniqueConstraint("watchlist_id", "domain"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    watchlist_id: Mapped[int] = mapped_column(ForeignKey("watchlists.id", ondelete="CASCADE"), index=True)
    domain: Mapped[str] = mapped_column(String(253))  # registrable domain
    url: Mapped[str] = mapped_column(Text)
    name: Mapped[str | None] = mapped_column(String(300))
    category: Mapped[str | None] = mapped_column(String(100))
    country: Mapped[str | None] = mapped_column(String(2))
    tags: Mapped[list] = mapped_column(JSON, default=list)
    monthly_visits: Mapped[int | None] = mapped_column(Integer)
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Run(Base):
    __tablename__ = "runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    watchlist_id: Mapped[int | None] = mapped_column(ForeignKey("watchlists.id", ondelete="SET NULL"))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    state: Mapped[str] = mapped_column(String(20))  # running, finished, interrupted, failed
    profile: Mapped[dict] = mapped_column(JSON, default=dict)
    options: Mapped[dict] = mapped_column(JSON, default=dict)  # as given, secrets redacted
    sites: Mapped[int] = mapped_column(Integer, default=0)
    counts: Mapped[dict] = mapped_column(JSON, default=dict)  # visits by status, popups, errors...
    # the process crawling it: a `running` run whose heartbeat is fresh is live (crawl --resume refuses it)
    pid: Mapped[int | None] = mapped_column(Integer)
    host: Mapped[str | None] = mapped_column(String(255))
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Visit(Base):
    __tablename__ = "visits"
    __table_args__ = (
        Index("ix_visits_site_started", "site_id", "started_at"),
        Index("ix_visits_started", "started_at", "status", "site_id", "final_site"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(40), unique=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="SET NULL"))
    url: Mapped[str] = mapped_column(Text)
    page_kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), index=True)
    error: Mapped[str | None] = mapped_column(Text)
    http_status: Mapped[int | None] = mapped_column(Integer)
    final_url: Mapped[str | None] = mapped_column(Text)
    final_site: Mapped[str | None] = mapped_column(String(253))
    title: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    duration: Mapped[float] = mapped_column(Float)
    profile: Mapped[dict] = mapped_column(JSON, default=dict)
    screenshot: Mapped[str | None] = mapped_column(Text)  # path relative to the screenshots directory
    archive: Mapped[str | None] = mapped_column(Text)  # its WARC (crawler/archive.py), relative to the same
    hostile: Mapped[list] = mapped_column(JSON, default=list)
    n_requests: Mapped[int] = mapped_column(Integer, default=0)
    n_windows: Mapped[int] = mapped_column(Integer, default=0)
    n_websockets: Mapped[int] = mapped_column(Integer, default=0)
    n_wasm: Mapped[int] = mapped_column(Integer, default=0)
    # cookie consent (Observation.consent.outcome(): accepted, rejected, none, off, failed...; NULL: not recorded)
    consent: Mapped[str | None] = mapped_column(String(20))
    consent_cmp: Mapped[str | None] = mapped_column(String(80))  # the consent platform answered (or found)
    schema: Mapped[int] = mapped_column(Integer)
    observation: Mapped[bytes] = mapped_column(LargeBinary)  # zlib-compressed JSON of the Observation


class Request(Base):
    __tablename__ = "requests"
    __table_args__ = (Index("ix_requests_visit", "visit_id"), Index("ix_requests_host", "host"))
    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"))
    n: Mapped[int] = mapped_column(Integer)  # the request's id in its observation
    url: Mapped[str] = mapped_column(Text)
    host: Mapped[str] = mapped_column(String(253))
    method: Mapped[str] = mapped_column(String(10))
    resource_type: Mapped[str] = mapped_column(String(30))
    page: Mapped[int | None] = mapped_column(Integer)
    navigation: Mapped[bool] = mapped_column(Boolean)
    initiator: Mapped[str | None] = mapped_column(Text)
    status: Mapped[int | None] = mapped_column(Integer)
    failure: Mapped[str | None] = mapped_column(Text)
    step: Mapped[int] = mapped_column(Integer)


class Window(Base):
    __tablename__ = "windows"
    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), index=True)
    page: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    step: Mapped[int] = mapped_column(Integer)
    first_url: Mapped[str | None] = mapped_column(Text)
    landing_url: Mapped[str | None] = mapped_column(Text)
    landing_site: Mapped[str | None] = mapped_column(String(253), index=True)
    landing_title: Mapped[str | None] = mapped_column(Text)
    screenshot: Mapped[str | None] = mapped_column(Text)
    hops: Mapped[list] = mapped_column(JSON, default=list)  # [{url, via, method, status}]


class AdsTxt(Base):
    """ads.txt / app-ads.txt of a site, sellers.json of an ad system, fetched as plain HTTP."""

    __tablename__ = "adstxt"
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="SET NULL"))
    domain: Mapped[str] = mapped_column(String(253), index=True)  # the host it was fetched from
    kind: Mapped[str] = mapped_column(String(20))  # ads.txt, app-ads.txt, sellers.json
    url: Mapped[str] = mapped_column(Text)
    final_url: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(20))  # ok, html, refused, http_error, too_large, failed
    http_status: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    size: Mapped[int | None] = mapped_column(Integer)
    body: Mapped[str | None] = mapped_column(Text)  # decoded as UTF-8, control characters removed; when read
    fetched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    content_type: Mapped[str | None] = mapped_column(String(200))  # of the last answer
    hops: Mapped[list | None] = mapped_column(JSON)  # the redirects followed: [{url, status, location}]


# --- findings (attribution/): recomputed from the observations above by `moneytrail reanalyze` ----------


class FindingNetwork(Base):
    """An ad network seen on a site, and how (evidence: host, initiator, inline, chain, adstxt, list)."""

    __tablename__ = "finding_networks"
    __table_args__ = (
        Index("ix_finding_networks_site", "site", "network"),
        Index("ix_finding_networks_network", "network"),
        Index("ix_finding_networks_period", "visit_id", "site", "network"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), index=True)
    adstxt_id: Mapped[int | None] = mapped_column(ForeignKey("adstxt.id", ondelete="CASCADE"), index=True)
    site: Mapped[str] = mapped_column(String(253))
    network: Mapped[str] = mapped_column(String(300))
    evidence: Mapped[str] = mapped_column(String(20))
    host: Mapped[str] = mapped_column(String(253))


class FindingLink(Base):
    """An ad followed to its advertiser: site -> network -> (brokers) -> advertiser."""

    __tablename__ = "finding_links"
    __table_args__ = (
        Index("ix_finding_links_site", "site", "network"),
        Index("ix_finding_links_advertiser", "advertiser"),
        Index("ix_finding_links_network", "network"),
        Index("ix_finding_links_period", "visit_id", "site", "kind", "category"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), index=True)
    site: Mapped[str] = mapped_column(String(253))
    network: Mapped[str] = mapped_column(String(300))
    advertiser: Mapped[str] = mapped_column(String(253))
    kind: Mapped[str] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(40))
    brokers: Mapped[list] = mapped_column(JSON, default=list)
    chain: Mapped[list] = mapped_column(JSON, default=list)  # [{host, via, role}]
    landing_url: Mapped[str | None] = mapped_column(Text)
    landing_title: Mapped[str | None] = mapped_column(Text)
    page: Mapped[int | None] = mapped_column(Integer)
    screenshot: Mapped[str | None] = mapped_column(Text)
    page_screenshot: Mapped[str | None] = mapped_column(Text)  # the pirate page just before the click that opened it


class FindingMiner(Base):
    __tablename__ = "finding_miners"
    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), index=True)
    site: Mapped[str] = mapped_column(String(253), index=True)
    service: Mapped[str] = mapped_column(String(200))
    site_key: Mapped[str | None] = mapped_column(String(300))
    wallet: Mapped[str | None] = mapped_column(String(300))
    pool: Mapped[str | None] = mapped_column(Text)
    signals: Mapped[list] = mapped_column(JSON, default=list)


class FindingId(Base):
    """A publisher id a site carries (in its pages, its miner, or its ads.txt)."""

    __tablename__ = "finding_ids"
    __table_args__ = (
        Index("ix_finding_ids_value", "id_type", "id_value"),
        Index("ix_finding_ids_period", "visit_id", "site", "id_type", "id_value", "source"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), index=True)
    adstxt_id: Mapped[int | None] = mapped_column(ForeignKey("adstxt.id", ondelete="CASCADE"), index=True)
    site: Mapped[str] = mapped_column(String(253), index=True)
    id_type: Mapped[str] = mapped_column(String(40))
    id_value: Mapped[str] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(String(20))
    network: Mapped[str | None] = mapped_column(String(300))


# --- schedules (crawler/schedules.py) ---------------------------------------------------------------------


class Schedule(Base):
    __tablename__ = "schedules"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    watchlist: Mapped[str] = mapped_column(String(200))
    cron: Mapped[str | None] = mapped_column(String(100))  # five fields, UTC
    every_seconds: Mapped[int | None] = mapped_column(Integer)
    profiles: Mapped[list] = mapped_column(JSON, default=list)
    pages: Mapped[int] = mapped_column(Integer, default=1)
    config: Mapped[dict | None] = mapped_column(JSON)  # the crawl configuration record (crawler/config.py)
    catch_up: Mapped[bool] = mapped_column(Boolean, default=False)  # run once at start after missed due times
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # a report schedule: what `moneytrail report` makes at each due time (services/scheduler.py); None: a crawl
    report: Mapped[dict | None] = mapped_column(JSON)


class ScheduleRun(Base):
    """One due time of a schedule and what came of it: running, finished, nothing_reached, failed,
    interrupted, skipped (the previous run still going), missed (the scheduler was down)."""

    __tablename__ = "schedule_runs"
    __table_args__ = (UniqueConstraint("schedule_id", "due_at"),)  # one run per due time, whatever the schedulers
    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("schedules.id", ondelete="CASCADE"), index=True)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    state: Mapped[str] = mapped_column(String(20))
    pid: Mapped[int | None] = mapped_column(Integer)
    exit_code: Mapped[int | None] = mapped_column(Integer)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id", ondelete="SET NULL"))
    message: Mapped[str | None] = mapped_column(Text)


class EvidenceFile(Base):
    """A file a visit left as evidence (its page's screenshot, a landing page's, its archive), with the SHA-256
    taken when it was written: `moneytrail visit` lists them, notice packs cite and check them."""

    __tablename__ = "evidence_files"
    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # page, landing, archive
    path: Mapped[str] = mapped_column(Text)  # relative to the screenshots directory
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)


class ScriptText(Base):
    """The text of a script file a visit kept (the site's own, a worker's), once per content: visits name it
    by SHA-256 in their observation (`scripts`), attribution reads it with them."""

    __tablename__ = "script_texts"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    text: Mapped[bytes] = mapped_column(LargeBinary)  # zlib-compressed UTF-8
