"""Watchlists and their sites: importing a parsed watchlist file, listing, removing, resolving a name or a file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import delete, func, select

from moneytrail.crawler.watchlist import Entry, parse_file

from .db import Store
from .schema import Site, Watchlist


class NoSuchWatchlist(LookupError):
    pass


def utcnow() -> datetime:
    return datetime.now(UTC)


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


def resolve_watchlist(store: Store, name_or_file: str, name: str | None = None):
    """A watchlist by name, or a watchlist file imported first (under `name`, default the file's stem):
    returns (watchlist, sites, problems with the file's rows)."""

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


def watchlist_exists(store: Store, name: str) -> bool:
    with store.session() as s:
        return s.scalar(select(Watchlist.id).where(Watchlist.name == name)) is not None
