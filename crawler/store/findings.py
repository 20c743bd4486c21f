"""Findings (what attribution made of each visit and each ads.txt file): written with their visit or file,
replaced when `reanalyze` recomputes them, and read back for exports. Findings arrive as data (an
`attribution.Findings`, duck-typed): the store never calls attribution."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import and_, delete, func, insert, null, select, true

from .db import Store
from .schema import AdsTxt, FindingId, FindingLink, FindingMiner, FindingNetwork, Site, Visit, Watchlist


@dataclass(frozen=True)
class Scope:
    """Which findings: of one run, and/or of visits (or files) from `since` to `until` (exclusive); and for
    visits, only those of one watchlist's sites, of one visitor profile, of one country (a report's filters)."""

    run: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    watchlist: str | None = None
    profile: str | None = None  # a visit without a profile is the "default" one
    country: str | None = None  # two letters, any case

    def on_visits(self):
        """The scope as one SQL condition over `Visit`."""
        conditions = [
            *self._when(Visit, Visit.started_at),
            *(
                [Visit.site_id.in_(select(Site.id).join(Watchlist).where(Watchlist.name == self.watchlist))]
                if self.watchlist is not None
                else []
            ),
            *([visit_profile() == self.profile] if self.profile is not None else []),
            *([func.upper(visit_country()) == self.country.upper()] if self.country is not None else []),
        ]
        return and_(*conditions) if conditions else true()

    def visits(self, query):
        return query.where(self.on_visits())

    def files(self, query):
        return query.where(*self._when(AdsTxt, AdsTxt.fetched_at))

    def _when(self, table, when) -> list:
        out = [table.run_id == self.run] if self.run is not None else []
        out += [when >= self.since] if self.since is not None else []
        out += [when < self.until] if self.until is not None else []
        return out

    def during(self, since: datetime | None, until: datetime | None) -> Scope:
        """The same filters over another time range."""
        return replace(self, since=since, until=until)

    def filters(self) -> list[str]:
        """The visit filters set, in words: ["watchlist main", "profile desktop-fr", "country FR"]."""
        return [
            f"{name} {value}"
            for name, value in (("watchlist", self.watchlist), ("profile", self.profile), ("country", self.country))
            if value is not None
        ]


def visit_profile():
    """A visit's profile name (SQL): "default" for a visit made without one."""
    return func.coalesce(Visit.profile["name"].as_string(), "default")


def visit_country():
    return func.coalesce(Visit.profile["country"].as_string(), "")


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
                    "page_screenshot": getattr(link, "page_screenshot", None),
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


def replace_findings(store: Store, visits: dict[int, object], files: dict[int, object]) -> None:
    """Replace, in one transaction, the findings of these visits and ads.txt files (row id -> Findings, or
    None for none)."""
    with store.session() as s, s.begin():
        clear_findings(s, visit_ids=list(visits), adstxt_ids=list(files))
        for visit_id, findings in visits.items():
            if findings is not None:
                add_findings(s, findings, visit_id=visit_id)
        for file_id, findings in files.items():
            if findings is not None:
                add_findings(s, findings, adstxt_id=file_id)


def network_names(store: Store) -> set[str]:
    """Every network a finding names (sightings and ads)."""
    with store.session() as s:
        return set(s.scalars(select(FindingNetwork.network).distinct())) | set(
            s.scalars(select(FindingLink.network).distinct())
        )


# --- rows for exports ------------------------------------------------------------------------------------------


def link_rows(store: Store, scope: Scope):
    """(site, network, advertiser, kind, category, brokers, visit_id, started_at) of every ad followed."""
    query = scope.visits(
        select(
            FindingLink.site,
            FindingLink.network,
            FindingLink.advertiser,
            FindingLink.kind,
            FindingLink.category,
            FindingLink.brokers,
            FindingLink.visit_id,
            Visit.started_at,
        ).join(Visit, Visit.id == FindingLink.visit_id)
    )
    with store.session() as s:
        return [tuple(r) for r in s.execute(query)]


def network_rows(store: Store, scope: Scope):
    """(site, network, evidence, host, visit_id or None for an ads.txt file) of every network sighting."""
    columns = (FindingNetwork.site, FindingNetwork.network, FindingNetwork.evidence, FindingNetwork.host)
    by_visit = scope.visits(select(*columns, FindingNetwork.visit_id).join(Visit, Visit.id == FindingNetwork.visit_id))
    by_file = scope.files(select(*columns, null()).join(AdsTxt, AdsTxt.id == FindingNetwork.adstxt_id))
    with store.session() as s:
        return [tuple(r) for q in (by_visit, by_file) for r in s.execute(q)]


def miner_rows(store: Store, scope: Scope):
    """(site, service, site_key, wallet, signals, visit_id) of every miner found."""
    query = scope.visits(
        select(
            FindingMiner.site,
            FindingMiner.service,
            FindingMiner.site_key,
            FindingMiner.wallet,
            FindingMiner.signals,
            FindingMiner.visit_id,
        ).join(Visit, Visit.id == FindingMiner.visit_id)
    )
    with store.session() as s:
        return [tuple(r) for r in s.execute(query)]


def id_rows(store: Store, scope: Scope, types=None) -> list[tuple[str, str, str, str]]:
    """(site, id_type, id_value, source) of every publisher id in scope (of these types only, if given)."""
    columns = (FindingId.site, FindingId.id_type, FindingId.id_value, FindingId.source)
    by_visit = scope.visits(select(*columns).join(Visit, Visit.id == FindingId.visit_id)).group_by(*columns)
    by_file = scope.files(select(*columns).join(AdsTxt, AdsTxt.id == FindingId.adstxt_id)).group_by(*columns)
    if types is not None:
        by_visit, by_file = (q.where(FindingId.id_type.in_(sorted(types) or [""])) for q in (by_visit, by_file))
    with store.session() as s:
        return [tuple(r) for q in (by_visit, by_file) for r in s.execute(q)]


def unknown_hosts(store: Store, scope: Scope) -> dict[int, tuple[str, set[str]]]:
    """visit id -> (site, the hosts attribution called `unknown:<host>` on it) for every visit in scope."""
    query = scope.visits(
        select(FindingNetwork.visit_id, FindingNetwork.site, FindingNetwork.host)
        .join(Visit, Visit.id == FindingNetwork.visit_id)
        .where(FindingNetwork.network.like("unknown:%"))
        .distinct()
    )
    found: dict[int, tuple[str, set[str]]] = {}
    with store.session() as s:
        for visit_id, site, host in s.execute(query):
            found.setdefault(visit_id, (site, set()))[1].add(host)
    return found


def visit_findings(store: Store, visit_id: int) -> dict[str, list[dict]]:
    """What attribution found in one visit: networks seen, ads followed, miners, publisher ids."""
    with store.session() as s:
        return {
            "networks": [
                {"network": r.network, "evidence": r.evidence, "host": r.host}
                for r in s.scalars(select(FindingNetwork).where(FindingNetwork.visit_id == visit_id))
            ],
            "links": [
                {
                    "network": r.network,
                    "advertiser": r.advertiser,
                    "kind": r.kind,
                    "category": r.category,
                    "brokers": r.brokers,
                    "landing_url": r.landing_url,
                }
                for r in s.scalars(select(FindingLink).where(FindingLink.visit_id == visit_id))
            ],  # fmt: skip
            "miners": [
                {"service": r.service, "site_key": r.site_key, "pool": r.pool}
                for r in s.scalars(select(FindingMiner).where(FindingMiner.visit_id == visit_id))
            ],
            "ids": [
                {"id_type": r.id_type, "id_value": r.id_value, "source": r.source, "network": r.network}
                for r in s.scalars(select(FindingId).where(FindingId.visit_id == visit_id))
            ],
        }
