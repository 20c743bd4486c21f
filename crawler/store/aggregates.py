"""The SQL behind the reports: aggregates over the visits and findings of a `Scope` (a time range, and a
report's filters: one watchlist, profile or country), computed by the database
(GROUP BY) so a report over a million visits moves thousands of rows, not millions. A visit's site is the
site it reached (after mirror redirects), else the watchlist site. Callers narrow links with a `LinkFilter`
(data, never SQL)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Float, Integer, Numeric, case, func, literal, or_, select

from .findings import Scope, visit_country, visit_profile
from .schema import AdsTxt, FindingId, FindingLink, FindingMiner, FindingNetwork, Run, Site, Visit, Watchlist

REACHED = ("ok", "hostile")
NUMERIC = (Integer, Float, Numeric)


@dataclass(frozen=True)
class LinkFilter:
    """Which ads: of one network (its canonical name), and/or to these advertisers' registrable domains
    (each domain and its subdomains)."""

    network: str | None = None
    advertisers: tuple[str, ...] = ()

    def conditions(self) -> list:
        out = []
        if self.network is not None:
            out.append(FindingLink.network == self.network)
        if self.advertisers:
            out.append(
                or_(
                    *[FindingLink.advertiser == d for d in self.advertisers],
                    *[FindingLink.advertiser.endswith(f".{d}", autoescape=True) for d in self.advertisers],
                )
            )
        return out


def site_key():
    return func.coalesce(func.nullif(Visit.final_site, ""), Site.domain)


def category(mainstream: frozenset[str] = frozenset()):
    """A link's category: as stored, or "mainstream" for the advertisers in `mainstream` (the brands of the
    report's brand lists, which may be newer than the attribution that stored the link)."""
    if not mainstream:
        return FindingLink.category
    return case((FindingLink.advertiser.in_(sorted(mainstream)), "mainstream"), else_=FindingLink.category)


def advertisers(store) -> set[str]:
    """Every advertiser on record (registrable domains)."""
    with store.session() as s:
        return set(s.scalars(select(FindingLink.advertiser).distinct())) - {None, ""}


def frame(store, query) -> pd.DataFrame:
    """The query's rows as a DataFrame, numeric columns numeric whatever the rows (an empty result, or a
    column of NULLs such as sites without a traffic figure, would otherwise come back as text)."""
    with store.engine.connect() as conn:
        out = pd.read_sql(query, conn)
    for column in query.selected_columns:
        if column.name in out.columns and isinstance(column.type, NUMERIC):
            out[column.name] = pd.to_numeric(out[column.name], errors="coerce")
    return out


def visits_per_site(store, scope: Scope) -> pd.DataFrame:
    """site, visits, ok (visits that reached the page: status ok, or hostile, which loaded and then fought
    the visitor), monthly_visits (the watchlist's traffic figure)."""
    key = site_key().label("site")
    query = (
        select(
            key,
            func.count(Visit.id).label("visits"),
            func.sum(case((Visit.status.in_(REACHED), 1), else_=0)).label("ok"),
            func.max(Site.monthly_visits).label("monthly_visits"),
        )
        .select_from(Visit)
        .join(Site, Site.id == Visit.site_id, isouter=True)
        .where(scope.on_visits())
        .group_by(key)
    )
    return frame(store, query)


def links(
    store, scope: Scope, where: LinkFilter = LinkFilter(), detail: bool = True, mainstream: frozenset[str] = frozenset()
) -> pd.DataFrame:
    """site, network, advertiser, kind, category, ads (links seen); with `detail`, also visits (visits with
    it), first_seen and last_seen."""
    cat = category(mainstream)
    extra = (
        [
            func.count(func.distinct(FindingLink.visit_id)).label("visits"),
            func.min(Visit.started_at).label("first_seen"),
            func.max(Visit.started_at).label("last_seen"),
        ]
        if detail
        else []
    )
    query = (
        select(
            FindingLink.site,
            FindingLink.network,
            FindingLink.advertiser,
            FindingLink.kind,
            cat.label("category"),
            func.count(FindingLink.id).label("ads"),
            *extra,
        )
        .join(Visit, Visit.id == FindingLink.visit_id)
        .where(scope.on_visits(), *where.conditions())
        .group_by(FindingLink.site, FindingLink.network, FindingLink.advertiser, FindingLink.kind, cat)
    )
    return frame(store, query)


def link_summary(store, scope: Scope, high_risk: set[str], mainstream: frozenset[str] = frozenset()) -> pd.DataFrame:
    """Per site and ad kind: ads, and how many were adult, high-risk, mainstream, unclassified (a few rows per
    site)."""
    cat = category(mainstream)

    def count_if(condition, name):
        return func.sum(case((condition, 1), else_=0)).label(name)

    query = (
        select(
            FindingLink.site,
            FindingLink.kind,
            func.count(FindingLink.id).label("ads"),
            count_if(cat == "adult", "adult"),
            count_if(cat.in_(sorted(high_risk) or [""]), "high_risk"),
            count_if(cat == "mainstream", "mainstream"),
            count_if(cat == "unclassified", "unclassified"),
        )
        .join(Visit, Visit.id == FindingLink.visit_id)
        .where(scope.on_visits())
        .group_by(FindingLink.site, FindingLink.kind)
    )
    return frame(store, query)


def sites_with_networks(store, scope: Scope) -> set[str]:
    query = (
        select(FindingNetwork.site)
        .join(Visit, Visit.id == FindingNetwork.visit_id)
        .where(scope.on_visits())
        .group_by(FindingNetwork.site)
    )
    with store.session() as s:
        return set(s.scalars(query))


def networks(store, scope: Scope, network: str | None = None) -> pd.DataFrame:
    """site, network, visits (with a sighting of it), first_seen, last_seen: sightings in pages, not ads.txt."""
    query = (
        select(
            FindingNetwork.site,
            FindingNetwork.network,
            func.count(func.distinct(FindingNetwork.visit_id)).label("visits"),
            func.min(Visit.started_at).label("first_seen"),
            func.max(Visit.started_at).label("last_seen"),
        )
        .join(Visit, Visit.id == FindingNetwork.visit_id)
        .where(scope.on_visits(), *([FindingNetwork.network == network] if network is not None else []))
        .group_by(FindingNetwork.site, FindingNetwork.network)
    )
    return frame(store, query)


def miners(store, scope: Scope) -> pd.DataFrame:
    query = (
        select(
            FindingMiner.site, FindingMiner.service, func.count(func.distinct(FindingMiner.visit_id)).label("visits")
        )
        .join(Visit, Visit.id == FindingMiner.visit_id)
        .where(scope.on_visits())
        .group_by(FindingMiner.site, FindingMiner.service)
    )
    return frame(store, query)


SEEN = {
    "network": (FindingNetwork.network, FindingLink.network),  # sighted, or serving an ad followed
    "advertiser": (FindingLink.advertiser,),
}


def seen_before(store, what: str, names, scope: Scope) -> set[str]:
    """Which of `names` (`what`: network or advertiser names) a visit of `scope` (the time before a period,
    with the report's filters) already saw: one indexed lookup each, so "new this period" costs no scan of
    the whole history."""
    found: set[str] = set()
    for column in SEEN[what]:
        found |= _seen_in(store, column, set(names) - found, scope)
    return found


def _seen_in(store, column, names, scope: Scope) -> set[str]:
    table = column.class_
    found = set()
    with store.session() as s:
        for name in names:
            query = (
                select(literal(1))
                .select_from(table)
                .join(Visit, Visit.id == table.visit_id)
                .where(column == name, scope.on_visits())
                .limit(1)
            )
            if s.scalar(query):
                found.add(name)
    return found


def monitored_sites(store, scope: Scope) -> int:
    """Sites monitored in the period: every site a visit was made to (whatever its status), and every site of a
    watchlist a run started crawling in the period, whether or not its visit came (a run cut short). Sites of
    watchlists not crawled in the period do not count; with a profile or country filter, only sites visited
    with it do."""
    runs = select(Run.watchlist_id).where(Run.watchlist_id.is_not(None))
    if scope.since is not None:
        runs = runs.where(Run.started_at >= scope.since)
    if scope.until is not None:
        runs = runs.where(Run.started_at < scope.until)
    listed = select(Site.domain).where(Site.watchlist_id.in_(runs))
    if scope.watchlist is not None:
        listed = listed.join(Watchlist).where(Watchlist.name == scope.watchlist)
    visited = (
        select(func.coalesce(Site.domain, func.nullif(Visit.final_site, ""), Visit.url))
        .select_from(Visit)
        .join(Site, Site.id == Visit.site_id, isouter=True)
        .where(scope.on_visits())
        .distinct()
    )
    by_profile = scope.profile is not None or scope.country is not None  # a run's sites are not one profile's
    with store.session() as s:
        return len((set() if by_profile else set(s.scalars(listed))) | set(s.scalars(visited)))


def coverage(store, scope: Scope) -> dict:
    """What a period's figures stand on: runs (crawls with a visit in it), first and last visit, and visits
    by status."""
    with store.session() as s:
        runs, first, last = s.execute(
            select(
                func.count(func.distinct(Visit.run_id)), func.min(Visit.started_at), func.max(Visit.started_at)
            ).where(scope.on_visits())
        ).one()
        statuses = dict(
            s.execute(select(Visit.status, func.count(Visit.id)).where(scope.on_visits()).group_by(Visit.status)).all()
        )
    return {"runs": int(runs or 0), "first": first, "last": last, "statuses": statuses}


def profiles_on_record(store) -> list[str]:
    """The visitor profiles visits were made with ("default": none given)."""
    with store.session() as s:
        return sorted(s.scalars(select(visit_profile()).distinct()))


def first_visit(store, scope: Scope = Scope()):
    with store.session() as s:
        return s.scalar(select(func.min(Visit.started_at)).where(scope.on_visits()))


def link_rows(
    store,
    scope: Scope,
    where: LinkFilter = LinkFilter(),
    per_site: int = 20,
    limit: int = 5000,
    mainstream: frozenset[str] = frozenset(),
) -> pd.DataFrame:
    """Links as evidence: when, on which site, from which profile, through which chain, to which landing page,
    with the screenshot of the landing page (or the visit's). The `per_site` latest of each site, so every
    site keeps its evidence however many ads others have, and `limit` in all."""
    rank = (
        func.row_number()
        .over(partition_by=FindingLink.site, order_by=(Visit.started_at.desc(), FindingLink.id.desc()))
        .label("rank")
    )
    inner = (
        select(
            Visit.uid.label("visit"),
            Visit.started_at.label("time"),
            FindingLink.site,
            Visit.profile,
            FindingLink.network,
            FindingLink.advertiser,
            category(mainstream).label("category"),
            FindingLink.kind,
            FindingLink.brokers,
            FindingLink.chain,
            FindingLink.landing_url,
            FindingLink.landing_title,
            func.coalesce(FindingLink.screenshot, Visit.screenshot).label("screenshot"),
            # the pirate page just before the click that opened the ad, else before the visit's clicks
            func.coalesce(FindingLink.page_screenshot, Visit.screenshot).label("page_screenshot"),
            FindingLink.id,
            rank,
        )
        .join(Visit, Visit.id == FindingLink.visit_id)
        .where(scope.on_visits(), *where.conditions())
        .subquery()
    )
    query = (
        select(*[c for c in inner.c if c.name not in ("rank", "id")])
        .where(inner.c.rank <= per_site)
        .order_by(inner.c.site, inner.c.time, inner.c.id)
        .limit(limit)
    )
    return frame(store, query)


def link_totals(store, scope: Scope, where: LinkFilter = LinkFilter()) -> pd.DataFrame:
    """site, network, ads, visits: what the evidence lines stand for, counted whole."""
    query = (
        select(
            FindingLink.site,
            FindingLink.network,
            func.count(FindingLink.id).label("ads"),
            func.count(func.distinct(FindingLink.visit_id)).label("visits"),
        )
        .join(Visit, Visit.id == FindingLink.visit_id)
        .where(scope.on_visits(), *where.conditions())
        .group_by(FindingLink.site, FindingLink.network)
    )
    return frame(store, query)


def network_visits(store, scope: Scope, name: str) -> pd.DataFrame:
    """site, visit: every visit with a sighting or an ad of the network (each once)."""
    sightings = (
        select(FindingNetwork.site, FindingNetwork.visit_id.label("visit"))
        .join(Visit, Visit.id == FindingNetwork.visit_id)
        .where(scope.on_visits(), FindingNetwork.network == name)
    )
    ads = (
        select(FindingLink.site, FindingLink.visit_id.label("visit"))
        .join(Visit, Visit.id == FindingLink.visit_id)
        .where(scope.on_visits(), FindingLink.network == name)
    )
    return frame(store, sightings.union(ads))


def network_ids(store, scope: Scope, name: str) -> pd.DataFrame:
    """site, id_type, id_value, source, first_seen, last_seen, visits: the network's account ids each site
    carries, and where they were seen (in its pages: inline, url, attribute, websocket; or its ads.txt, whose
    fetches count no visit)."""
    key = (FindingId.site, FindingId.id_type, FindingId.id_value, FindingId.source)

    def seen(when, visits, source, *where):
        return (
            select(*key, func.min(when).label("first_seen"), func.max(when).label("last_seen"), visits.label("visits"))
            .join(source)
            .where(FindingId.network == name, *where)
            .group_by(*key)
        )

    fetched = [AdsTxt.fetched_at >= scope.since] if scope.since is not None else []
    fetched += [AdsTxt.fetched_at < scope.until] if scope.until is not None else []
    in_pages = seen(Visit.started_at, func.count(func.distinct(FindingId.visit_id)), Visit, scope.on_visits())
    in_adstxt = seen(AdsTxt.fetched_at, literal(0), AdsTxt, *fetched)
    return frame(store, in_pages.union_all(in_adstxt))


def by_profile(store, scope: Scope, high_risk: set[str], mainstream: frozenset[str] = frozenset()) -> pd.DataFrame:
    """Per visitor profile (name, country): visits, reached visits, ads, high-risk and pop ads."""
    name, country = visit_profile().label("profile"), visit_country().label("country")
    visits = (
        select(
            name,
            country,
            func.count(Visit.id).label("visits"),
            func.sum(case((Visit.status.in_(REACHED), 1), else_=0)).label("reached"),
        )
        .where(scope.on_visits())
        .group_by(name, country)
    )
    ads = (
        select(
            name,
            country,
            func.count(FindingLink.id).label("ads"),
            func.sum(case((category(mainstream).in_(sorted(high_risk) or [""]), 1), else_=0)).label("high_risk_ads"),
            func.sum(case((FindingLink.kind.in_(("popunder", "popup", "tabunder")), 1), else_=0)).label("pop_ads"),
        )
        .join(Visit, Visit.id == FindingLink.visit_id)
        .where(scope.on_visits())
        .group_by(name, country)
    )
    out = frame(store, visits).merge(frame(store, ads), on=["profile", "country"], how="left")
    return out.fillna({"ads": 0, "high_risk_ads": 0, "pop_ads": 0}).astype(
        {"ads": int, "high_risk_ads": int, "pop_ads": int}
    )
