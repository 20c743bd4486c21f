"""Writing to the store: watchlists, crawl runs, visits (each with all its observations in one
transaction), and ads.txt / sellers.json fetches."""

from __future__ import annotations

import json
import logging
import zlib
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import delete, func, insert, select

from ..domains import host_of, site_of
from ..observation import Observation
from ..watchlist import Entry
from .db import Store
from .schema import (
    AdsTxt,
    FindingId,
    FindingLink,
    FindingMiner,
    FindingNetwork,
    Request,
    Run,
    Site,
    Visit,
    Watchlist,
    Window,
)

logger = logging.getLogger(__name__)


def utcnow() -> datetime:
    return datetime.now(UTC)


class NoSuchWatchlist(LookupError):
    pass


# --- watchlists ----------------------------------------------------------------------------------


def import_watchlist(store: Store, name: str, entries: list[Entry], source: str | None = None) -> tuple[int, int]:
    """Add the entries to watchlist `name` (created if new): returns (sites added, sites updated).
    A site already on the list (same registrable domain) has its empty fields filled and its tags merged."""
    added = updated = 0
    with store.session() as s, s.begin():
        wl = s.scalar(select(Watchlist).where(Watchlist.name == name))
        if wl is None:
            wl = Watchlist(name=name, source=source, created_at=utcnow())
            s.add(wl)
            s.flush()
        existing = {site.domain: site for site in s.scalars(select(Site).where(Site.watchlist_id == wl.id))}
        for e in entries:
            site = existing.get(e.domain)
            if site is None:
                s.add(
                    Site(
                        watchlist_id=wl.id,
                        domain=e.domain,
                        url=e.url,
                        name=e.name,
                        category=e.category,
                        country=e.country,
                        tags=list(e.tags),
                        monthly_visits=e.monthly_visits,
                        added_at=utcnow(),
                    )
                )
                added += 1
                continue
            for attr in ("name", "category", "country", "monthly_visits"):
                if getattr(e, attr) is not None and getattr(site, attr) != getattr(e, attr):
                    setattr(site, attr, getattr(e, attr))
            site.tags = list(dict.fromkeys([*(site.tags or []), *e.tags]))
            updated += 1
    return added, updated


def watchlist_sites(store: Store, name: str) -> tuple[Watchlist, list[Site]]:
    with store.session() as s:
        wl = s.scalar(select(Watchlist).where(Watchlist.name == name))
        if wl is None:
            raise NoSuchWatchlist(name)
        return wl, list(s.scalars(select(Site).where(Site.watchlist_id == wl.id).order_by(Site.id)))


def list_watchlists(store: Store) -> list[tuple[Watchlist, int]]:
    with store.session() as s:
        rows = s.execute(
            select(Watchlist, func.count(Site.id)).outerjoin(Site).group_by(Watchlist.id).order_by(Watchlist.name)
        )
        return [(wl, n) for wl, n in rows]


def remove(store: Store, name: str, domains: list[str] | None = None) -> int:
    """Remove sites (by registrable domain) from a watchlist, or the whole watchlist: returns how many
    sites went. Visits already stored are kept."""
    with store.session() as s, s.begin():
        wl = s.scalar(select(Watchlist).where(Watchlist.name == name))
        if wl is None:
            raise NoSuchWatchlist(name)
        query = select(Site.id).where(Site.watchlist_id == wl.id)
        if domains:
            query = query.where(Site.domain.in_(domains))
        ids = list(s.scalars(query))
        if ids:
            s.execute(delete(Site).where(Site.id.in_(ids)))
        if not domains:
            s.delete(wl)
        return len(ids)


# --- runs ----------------------------------------------------------------------------------------


def start_run(store: Store, watchlist_id: int | None, sites: int, profile: dict, options: dict) -> int:
    with store.session() as s, s.begin():
        run = Run(
            watchlist_id=watchlist_id,
            started_at=utcnow(),
            state="running",
            profile=profile,
            options=options,
            sites=sites,
            counts={},
        )
        s.add(run)
        s.flush()
        return run.id


def finish_run(store: Store, run_id: int, state: str, counts: dict) -> None:
    with store.session() as s, s.begin():
        run = s.get(Run, run_id)
        run.state, run.ended_at, run.counts = state, utcnow(), counts


class NoSuchRun(LookupError):
    pass


@dataclass
class Resumed:
    """What a run already holds, for `crawl --resume`: its options and the visits stored."""

    run_id: int
    watchlist: str
    options: dict
    counts: dict
    visits: set[tuple[int | None, str, str]]  # (site_id, profile name, url) of every stored visit
    homes: dict[tuple[int | None, str], Observation]  # (site_id, profile name) -> its home visit
    adstxt_sites: set[tuple[int | None, str]]  # (site, ads.txt or app-ads.txt) fetched


def stored_counts(store: Store, run_id: int) -> dict:
    """A run's counts as its stored visits tell them (visits and home pages by status, popups, sockets)."""
    counts: Counter = Counter()
    with store.session() as s:
        for kind, status, sockets, n in s.execute(
            select(Visit.page_kind, Visit.status, func.sum(Visit.n_websockets), func.count(Visit.id))
            .where(Visit.run_id == run_id)
            .group_by(Visit.page_kind, Visit.status)
        ):
            counts.update({"visits": n, f"visits_{status}": n, "websockets": int(sockets or 0)})
            if kind == "home":
                counts[f"sites_{status}"] += n
        counts["popups"] = s.scalar(
            select(func.count(Window.id))
            .join(Visit, Visit.id == Window.visit_id)
            .where(Visit.run_id == run_id, Window.kind.in_(("popup", "tabunder")))
        )
    return dict(counts)


def resume_run(store: Store, run_id: int, details: bool = True) -> Resumed:
    """Load what run `run_id` stored (with `details`: its visits) and mark it running again."""
    with store.session() as s, s.begin():
        run = s.get(Run, run_id)
        if run is None:
            raise NoSuchRun(f"no run {run_id}")
        watchlist = s.get(Watchlist, run.watchlist_id) if run.watchlist_id else None
        if watchlist is None:
            raise NoSuchRun(f"run {run_id}'s watchlist is gone")
        visits, homes, adstxt = set(), {}, set()
        if details:
            for site_id, url, profile, kind, blob in s.execute(
                select(Visit.site_id, Visit.url, Visit.profile, Visit.page_kind, Visit.observation).where(
                    Visit.run_id == run_id
                )
            ):
                name = (profile or {}).get("name", "default")
                visits.add((site_id, name, url))
                if kind == "home":
                    homes[(site_id, name)] = unpack(blob)
            adstxt = set(
                s.execute(
                    select(AdsTxt.site_id, AdsTxt.kind).where(
                        AdsTxt.run_id == run_id,
                        AdsTxt.site_id.is_not(None),
                        AdsTxt.kind.in_(("ads.txt", "app-ads.txt")),
                    )
                ).all()
            )
        run.state, run.ended_at = "running", None
        name, options = watchlist.name, dict(run.options or {})
    # counts as far as the stored visits tell (a killed crawl never wrote its own)
    return Resumed(run_id, name, options, stored_counts(store, run_id), visits, homes, adstxt)


def run_options(store: Store, run_id: int) -> tuple[str, dict]:
    """(watchlist name, options) of a run, to resume it with the same options."""
    with store.session() as s:
        run = s.get(Run, run_id)
        watchlist = s.get(Watchlist, run.watchlist_id) if run is not None and run.watchlist_id else None
        if watchlist is None:
            raise NoSuchRun(f"no run {run_id}" if run is None else f"run {run_id}'s watchlist is gone")
        return watchlist.name, dict(run.options or {})


# --- visits --------------------------------------------------------------------------------------


def pack(obs: Observation) -> bytes:
    return zlib.compress(json.dumps(obs.to_dict(), separators=(",", ":")).encode(), 6)


def unpack(blob: bytes) -> Observation:
    return Observation.from_dict(json.loads(zlib.decompress(blob)))


def _save_screenshots(store: Store, run_id: int | None, shots: dict[str, bytes]) -> dict[str, str]:
    """Write screenshot files (names are the crawler's own, never taken from a URL); name -> stored path."""
    folder = f"run-{run_id}" if run_id is not None else "no-run"
    (store.screenshots / folder).mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, data in shots.items():
        safe = Path(name).name
        if not safe or safe.startswith("."):
            continue
        (store.screenshots / folder / safe).write_bytes(data)
        paths[name] = f"{folder}/{safe}"
    return paths


def add_findings(s, findings, *, visit_id: int | None = None, adstxt_id: int | None = None) -> None:
    """Insert the rows of one visit's (or one ads.txt file's) `attribution.Findings` in session `s`."""
    site = findings.site[:253]
    source = {"visit_id": visit_id, "adstxt_id": adstxt_id, "site": site}
    if findings.networks:
        s.execute(
            insert(FindingNetwork),
            [
                {**source, "network": h.network[:300], "evidence": h.evidence, "host": h.host[:253]}
                for h in findings.networks
            ],
        )
    if findings.ids:
        s.execute(
            insert(FindingId),
            [
                {
                    **source,
                    "id_type": i.id_type[:40],
                    "id_value": i.id_value[:300],
                    "source": i.source,
                    "network": i.network,
                }
                for i in findings.ids
            ],
        )
    if findings.links:
        s.execute(
            insert(FindingLink),
            [
                {
                    "visit_id": visit_id,
                    "site": site,
                    "network": link.network[:300],
                    "advertiser": link.advertiser[:253],
                    "kind": link.kind[:20],
                    "category": link.category[:40],
                    "brokers": link.brokers,
                    "chain": [{"host": h.host, "via": h.via, "role": h.role} for h in link.chain],
                    "landing_url": link.landing_url,
                    "landing_title": link.landing_title,
                    "page": link.page,
                    "screenshot": link.screenshot,
                }
                for link in findings.links
            ],
        )
    if findings.miners:
        s.execute(
            insert(FindingMiner),
            [
                {
                    "visit_id": visit_id,
                    "site": site,
                    "service": m.service[:200],
                    "site_key": (m.site_key or None) and m.site_key[:300],
                    "wallet": (m.wallet or None) and m.wallet[:300],
                    "pool": m.pool,
                    "signals": m.signals,
                }
                for m in findings.miners
            ],
        )


def clear_findings(s, *, visit_ids=None, adstxt_ids=None) -> None:
    """Delete the finding rows of these visits / ads.txt files (before they are recomputed)."""
    for table in (FindingNetwork, FindingLink, FindingMiner, FindingId):
        if visit_ids:
            s.execute(delete(table).where(table.visit_id.in_(visit_ids)))
        if adstxt_ids and hasattr(table, "adstxt_id"):
            s.execute(delete(table).where(table.adstxt_id.in_(adstxt_ids)))


def write_visit(
    store: Store,
    obs: Observation,
    *,
    run_id: int | None,
    site_id: int | None,
    screenshots: dict[str, bytes] | None = None,
    attribute=None,
) -> int:
    """Store one visit and all its observations in one transaction; returns the visit's row id.
    `attribute(obs)`, if given, returns its findings, stored in the same transaction."""
    paths = _save_screenshots(store, run_id, screenshots or {})
    obs.screenshot = paths.get(obs.screenshot or "", obs.screenshot)
    for w in obs.windows:
        w.screenshot = paths.get(w.screenshot or "", w.screenshot)
    with store.session() as s, s.begin():
        visit = Visit(
            uid=obs.visit_id,
            run_id=run_id,
            site_id=site_id,
            url=obs.url,
            page_kind=obs.page_kind,
            status=obs.status,
            error=obs.error,
            http_status=obs.http_status,
            final_url=obs.final_url,
            final_site=obs.final_site[:253],
            title=obs.title,
            started_at=datetime.fromisoformat(obs.started_at),
            duration=obs.duration,
            profile=obs.profile,
            screenshot=obs.screenshot,
            hostile=obs.hostile,
            n_requests=len(obs.requests),
            n_windows=len(obs.windows),
            n_websockets=len(obs.websockets),
            n_wasm=len(obs.wasm),
            schema=obs.schema,
            observation=pack(obs),
        )
        s.add(visit)
        s.flush()
        if obs.requests:
            s.execute(
                insert(Request),
                [
                    {
                        "visit_id": visit.id,
                        "n": r.id,
                        "url": r.url,
                        "host": host_of(r.url)[:253],
                        "method": r.method[:10],
                        "resource_type": r.resource_type[:30],
                        "page": r.page,
                        "navigation": r.navigation,
                        "initiator": r.initiator,
                        "status": r.status,
                        "failure": r.failure,
                        "step": r.step,
                    }
                    for r in obs.requests
                ],
            )
        if obs.windows:
            s.execute(
                insert(Window),
                [
                    {
                        "visit_id": visit.id,
                        "page": w.page,
                        "kind": w.kind,
                        "step": w.step,
                        "first_url": w.chain[0].url if w.chain else None,
                        "landing_url": w.landing_url,
                        "landing_site": site_of(w.landing_url)[:253] if w.landing_url else None,
                        "landing_title": w.landing_title,
                        "screenshot": w.screenshot,
                        "hops": [{"url": h.url, "via": h.via, "method": h.method, "status": h.status} for h in w.chain],
                    }
                    for w in obs.windows
                ],
            )
        findings = attribute(obs) if attribute is not None else None
        if findings is not None:
            try:
                with s.begin_nested():  # findings that cannot be written never cost the observation
                    add_findings(s, findings, visit_id=visit.id)
            except Exception:
                logger.exception("findings of visit %s not stored (run `moneytrail reanalyze`)", obs.visit_id)
        return visit.id


def visited_uids(store: Store, run_id: int) -> set[str]:
    with store.session() as s:
        return set(s.scalars(select(Visit.uid).where(Visit.run_id == run_id)))


def load_observations(store: Store, run_id: int | None = None) -> list[Observation]:
    with store.session() as s:
        query = select(Visit.observation).order_by(Visit.id)
        if run_id is not None:
            query = query.where(Visit.run_id == run_id)
        return [unpack(blob) for blob in s.scalars(query)]


# --- ads.txt and sellers.json --------------------------------------------------------------------


def write_adstxt(
    store: Store,
    *,
    run_id: int | None,
    site_id: int | None,
    domain: str,
    kind: str,
    url: str,
    outcome: str,
    final_url: str | None = None,
    http_status: int | None = None,
    error: str | None = None,
    size: int | None = None,
    body: str | None = None,
    findings=None,
) -> None:
    with store.session() as s, s.begin():
        row = AdsTxt(
            run_id=run_id,
            site_id=site_id,
            domain=domain,
            kind=kind,
            url=url,
            final_url=final_url,
            outcome=outcome,
            http_status=http_status,
            error=error,
            size=size,
            body=body,
            fetched_at=utcnow(),
        )
        s.add(row)
        if findings is not None:
            s.flush()
            add_findings(s, findings, adstxt_id=row.id)


def resolve_watchlist(store: Store, name_or_file: str, name: str | None = None):
    """A watchlist by name, or a watchlist file imported first (under `name`, default the file's stem):
    returns (watchlist, sites, problems with the file's rows)."""
    from ..watchlist import parse_file

    path = Path(name_or_file)
    problems: list = []
    if path.is_file():
        parsed = parse_file(path)
        problems = parsed.errors
        if not parsed.entries:
            raise NoSuchWatchlist(f"{name_or_file}: no valid row")
        import_watchlist(store, name or path.stem, parsed.entries, source=str(path.resolve()))
        name_or_file = name or path.stem
    watchlist, sites = watchlist_sites(store, name_or_file)
    return watchlist, sites, problems
