"""The periodic exposure report: how exposed visitors of the monitored sites were, this period against the
previous one, with trends over every period on record and an estimate of the ad revenue of sites and
networks (monthly traffic x ads per visit x CPM, always labelled as an estimate)."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from moneytrail.attribution.popups import UNCLASSIFIED
from moneytrail.attribution.signatures import DEFAULT_DIR, Signatures
from moneytrail.crawler.machine import cores
from moneytrail.crawler.store import aggregates
from moneytrail.crawler.store.findings import Scope
from moneytrail.crawler.tomlfile import TomlFileError, read_toml

from .exports import clusters
from .flow import flows
from .i18n import N_, _, number
from .model import Chart, Figure, Report, filtered_stem
from .periods import Period, series

NAN = float("nan")  # a figure of a period with no visit on record: n/a, not 0

POP_KINDS = ("popunder", "popup", "tabunder")
REVENUE = ("revenue_low", "revenue_high")  # from the low and the high end of each kind's CPM range
TOP = 15
WORKERS = max(2, min(4, cores()))  # a report's queries at once


class CpmError(ValueError):
    pass


@dataclass
class Cpm:
    rates: dict[str, tuple[float, float]]  # ad kind -> (low, high) per thousand ads
    currency: str
    source: str
    path: Path

    @classmethod
    def load(cls, path: str | Path | None = None) -> Cpm:
        """A CPM table: `kind = rate` or `kind = [low, high]` under [cpm], with currency and source."""
        path = Path(path) if path else DEFAULT_DIR / "cpm.toml"
        try:
            data = read_toml(path)
        except TomlFileError as exc:
            raise CpmError(str(exc)) from None
        rates = data.get("cpm")
        if not isinstance(rates, dict) or not rates:
            raise CpmError(f"{path}: a [cpm] table of ad kind = rate (or [low, high]) is required")
        return cls(
            {kind: _range(path, kind, rate) for kind, rate in rates.items()},
            str(data.get("currency", "USD")),
            str(data.get("source", "")),
            path,
        )

    def table(self) -> pd.DataFrame:
        return pd.DataFrame(
            [(kind, low, high) for kind, (low, high) in sorted(self.rates.items())], columns=["kind", "low", "high"]
        )


def _range(path: Path, kind: str, rate) -> tuple[float, float]:
    def number(value) -> bool:
        return isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value < float("inf")

    if number(rate):
        return float(rate), float(rate)
    if isinstance(rate, list) and len(rate) == 2 and all(number(v) for v in rate) and rate[0] <= rate[1]:
        return float(rate[0]), float(rate[1])
    raise CpmError(f"{path}: cpm.{kind}: a number >= 0 or [low, high] (low <= high) is required, not {rate!r}")


def summary_of(links: pd.DataFrame, high_risk: set[str]) -> pd.DataFrame:
    """`aggregates.link_summary` of a period whose `aggregates.links` are at hand (the report's own period): the
    same rows without a second pass over its ads."""
    category = links["category"]
    counts = {
        "adult": category == "adult",
        "high_risk": category.isin(high_risk),
        "mainstream": category == "mainstream",
        "unclassified": category == "unclassified",
    }
    flagged = links.assign(**{name: links["ads"].where(hit, 0) for name, hit in counts.items()})
    return flagged.groupby(["site", "kind"], as_index=False, dropna=False)[["ads", *counts]].sum()


def _numbers(
    store,
    period: Period,
    filters: Scope,
    sigs: Signatures,
    cpm: Cpm,
    mainstream: frozenset[str],
    seen: tuple[pd.DataFrame, pd.DataFrame] | None = None,
) -> dict:
    """The headline numbers of one period, from per-site aggregates (a few rows per site); `seen`: the period's
    `aggregates.links` (without detail) and `aggregates.networks` where the caller has them."""
    high = {c.name for c in sigs.categories if c.high_risk}
    scope = filters.during(period.start, period.end)
    sites = aggregates.visits_per_site(store, scope)
    if seen is None:
        summary = aggregates.link_summary(store, scope, high, mainstream)
        with_networks = aggregates.sites_with_networks(store, scope)
    else:
        summary, with_networks = summary_of(seen[0], high), set(seen[1]["site"])
    miners = aggregates.miners(store, scope)
    reachable = set(sites.loc[sites["ok"] > 0, "site"])
    ok_visits = int(sites["ok"].sum()) if len(sites) else 0

    def share(found: set) -> float:
        return len(found & reachable) / len(reachable) if reachable else float("nan")

    ads = int(summary["ads"].sum()) if len(summary) else 0
    # revenue: each site's monthly visits x months x ads of each kind per reached visit x CPM of the kind
    merged = summary.merge(sites[["site", "ok", "monthly_visits"]], on="site", how="inner")
    merged = merged[(merged["ok"] > 0) & merged["monthly_visits"].notna()]
    thousands = merged["monthly_visits"].astype(float) * period.months * merged["ads"].astype(float)
    thousands = thousands / merged["ok"].astype(float) / 1000
    for end, name in ((0, "revenue_low"), (1, "revenue_high")):
        rate = merged["kind"].map(lambda kind, end=end: cpm.rates[kind][end] if kind in cpm.rates else 0.0)
        merged[name] = thousands * pd.to_numeric(rate, errors="coerce").astype(float).fillna(0.0)
    return {
        "period": period,
        "sites": sites,
        "summary": summary,
        "miners": miners,
        "reachable": reachable,
        "ok_visits": ok_visits,
        "ads": ads,
        "revenue": merged[["site", "kind", "ads", "ok", "monthly_visits", *REVENUE]],
        "monitored": aggregates.monitored_sites(store, scope),
        "share_ads": share(set(summary["site"]) | with_networks),
        "share_pop": share(set(summary.loc[summary["kind"].isin(POP_KINDS), "site"])),
        "share_adult": share(set(summary.loc[summary["adult"] > 0, "site"])),
        "share_miners": share(set(miners["site"])),
        "ads_per_visit": ads / ok_visits if ok_visits else float("nan"),
        "high_risk": int(summary["high_risk"].sum()) / ads if ads else float("nan"),
        "mainstream": int(summary["mainstream"].sum()) / ads if ads else float("nan"),
        "unclassified": int(summary["unclassified"].sum()) / ads if ads else float("nan"),
    }


def exposure(store, period: Period, sigs: Signatures, cpm: Cpm, filters: Scope = Scope()) -> Report:
    """The exposure report of `period` (against the previous one), over the visits `filters` keep."""
    with ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="exposure") as pool:
        return _exposure(pool, store, period, sigs, cpm, filters)


def _exposure(pool: ThreadPoolExecutor, store, period: Period, sigs: Signatures, cpm: Cpm, filters: Scope) -> Report:
    mainstream = sigs.mainstream(aggregates.advertisers(store))  # by today's brand lists, whatever was stored
    high = {c.name for c in sigs.categories if c.high_risk}
    scope = filters.during(period.start, period.end)
    first = aggregates.first_visit(store, filters)
    trend = series(first.date() if first else period.first, period)

    # the queries of the other periods and the period's slowest tables run side by side, each on its own
    # connection (the database does the work, and sqlite3 and the drivers let go of the GIL while it does)
    def numbers_of(p: Period) -> Future:
        return pool.submit(_numbers, store, p, filters, sigs, cpm, mainstream)

    tables = {"links": pool.submit(aggregates.links, store, scope, detail=False, mainstream=mainstream)}
    numbers = {period.previous(): numbers_of(period.previous())}
    tables["networks"] = pool.submit(aggregates.networks, store, scope)
    tables["operators"] = pool.submit(clusters, store, scope, sigs)
    tables["profiles"] = pool.submit(aggregates.by_profile, store, scope, high, mainstream)
    numbers |= {p: numbers_of(p) for p in reversed(trend) if p not in numbers and p != period}
    links, nets = tables["links"].result(), tables["networks"].result()
    now = _numbers(store, period, filters, sigs, cpm, mainstream, seen=(links, nets))
    before = numbers[period.previous()].result()
    report = Report(
        "exposure",
        filtered_stem(f"exposure-{period.label.replace('..', '_to_')}", filters),
        _("Exposure report {period}").format(period=period.label),
        _("{first} to {last}, against {previous}").format(
            first=period.first, last=period.last, previous=before["period"].label
        )
        + "".join(f"; {f}" for f in filters.filters()),
    )
    earlier = bool(len(before["sites"])) and int(before["sites"]["visits"].sum()) > 0
    report.meta = {
        _("period"): f"{period.first}..{period.last}",
        _("previous period"): before["period"].label
        if earlier
        else _("{period}: no visit on record").format(period=before["period"].label),
        _("sites monitored"): str(now["monitored"]),
        _("visits"): str(int(now["sites"]["visits"].sum()) if len(now["sites"]) else 0),
        **({_("visits kept"): ", ".join(filters.filters())} if filters.filters() else {}),
    }
    for key, label, unit in (
        ("monitored", _("sites monitored"), ""),
        ("reachable", _("sites reachable"), ""),
        ("share_ads", _("sites with ads"), "%"),
        ("share_pop", _("sites with pop-ups / pop-unders"), "%"),
        ("share_adult", _("sites with adult ads"), "%"),
        ("share_miners", _("sites with a cryptominer"), "%"),
        ("ads_per_visit", _("ads per visit"), ""),
        ("mainstream", _("mainstream ads (share of ads)"), "%"),
        ("high_risk", _("high-risk ads: adult, gambling, scam (share of ads)"), "%"),
        ("unclassified", _("unclassified ads: advertiser of no known category (share of ads)"), "%"),
    ):
        now_value, before_value = ((len(n[key]) if key == "reachable" else n[key]) for n in (now, before))
        report.figures.append(Figure(key, label, now_value, before_value if earlier else NAN, unit))
    labels = (
        _("estimated ad revenue of the sites, low (from the low end of the CPM ranges)"),
        _("estimated ad revenue of the sites, high (from the high end of the CPM ranges)"),
    )
    for column, label in zip(REVENUE, labels, strict=True):
        now_total, before_total = (
            float(n["revenue"][column].sum()) if len(n["revenue"]) else 0.0 for n in (now, before)
        )
        report.figures.append(
            Figure(
                column,
                label,
                now_total,
                before_total if earlier else NAN,
                cpm.currency,
            )
        )

    # the period's breakdown by network and advertiser (the other periods only need their headline numbers)
    groups = {**dict.fromkeys(high, _("high-risk")), "mainstream": _("mainstream"), UNCLASSIFIED: _("unclassified")}
    classes = links.assign(group=links["category"].map(lambda c: groups.get(c, _("other categories"))))
    split = (
        classes.groupby("group", as_index=False)["ads"].sum() if len(links) else pd.DataFrame(columns=["group", "ads"])
    )
    split["share"] = split["ads"] / split["ads"].sum() if len(split) else []
    report.table("split", _("Mainstream vs high-risk ads"), split.sort_values("group"))
    by_cat = (
        links.groupby("category", as_index=False)["ads"].sum().sort_values(["ads", "category"], ascending=[False, True])
        if len(links)
        else pd.DataFrame(columns=["category", "ads"])
    )
    report.table("categories", _("Ads by advertiser category"), by_cat)
    report.table("flows", _("Who pays whom: ads followed from advertisers through ad networks to sites"), flows(links))

    net_sites = pd.concat([nets[["site", "network"]], links[["site", "network"]]]).drop_duplicates()
    names = set(net_sites["network"])
    earlier_scope = filters.during(None, period.start)
    old_nets = aggregates.seen_before(store, "network", names, earlier_scope)
    old_advs = aggregates.seen_before(store, "advertiser", set(links["advertiser"]), earlier_scope)
    reached_pairs = net_sites[net_sites["site"].isin(now["reachable"])]
    top_nets = reached_pairs.groupby("network", as_index=False).agg(sites=("site", "nunique"))
    ads_by_net = links.groupby("network", as_index=False).agg(
        ads=("ads", "sum"), kinds=("kind", lambda k: ", ".join(sorted(set(k))))
    )
    # a site's revenue of a kind, shared between its networks by their ads of that kind
    per_kind = now["revenue"].rename(columns={"ads": "kind_ads"})[["site", "kind", "kind_ads", *REVENUE]]
    shares = (
        links.groupby(["site", "kind", "network"], as_index=False)["ads"].sum().merge(per_kind, on=["site", "kind"])
    )
    for column in REVENUE:
        shares[column] = shares[column] * shares["ads"] / shares["kind_ads"]
    rev_by_net = shares.groupby("network", as_index=False)[list(REVENUE)].sum()
    top_nets = top_nets.merge(ads_by_net, on="network", how="left").merge(rev_by_net, on="network", how="left")
    top_nets = top_nets.fillna({"ads": 0, "kinds": "", **dict.fromkeys(REVENUE, 0.0)}).astype({"ads": int})
    top_nets["share_of_sites"] = top_nets["sites"] / max(1, len(now["reachable"]))
    top_nets["new"] = ~top_nets["network"].isin(old_nets)
    top_nets = top_nets.sort_values(["sites", "ads", "network"], ascending=[False, False, True])
    report.table(
        "networks",
        _("Top ad networks (sites where seen, ads followed, estimated revenue)"),
        top_nets[["network", "sites", "share_of_sites", "ads", "kinds", *REVENUE, "new"]].head(TOP * 4),
    )

    advs = links.groupby(["advertiser"], as_index=False).agg(
        category=("category", lambda c: c.mode().sort_values().iloc[0]),
        ads=("ads", "sum"),
        sites=("site", "nunique"),
        networks=("network", lambda n: ", ".join(sorted(set(n)))),
    )
    advs["new"] = ~advs["advertiser"].isin(old_advs)
    advs = advs.sort_values(["ads", "advertiser"], ascending=[False, True])
    report.table("advertisers", _("Top advertisers"), advs.head(TOP * 4))
    report.table(
        "new",
        _("Networks and advertisers new this period"),
        pd.concat(
            [
                pd.DataFrame({"what": "network", "name": top_nets.loc[top_nets["new"], "network"]}),
                pd.DataFrame({"what": "advertiser", "name": advs.loc[advs["new"], "advertiser"]}),
            ]
        ),
    )

    sites = now["sites"].rename(columns={"visits": "visits", "ok": "reached"})
    per_site_ads = links.groupby("site", as_index=False).agg(ads=("ads", "sum"))
    rev_by_site = now["revenue"].groupby("site", as_index=False)[list(REVENUE)].sum()
    sites = sites.merge(per_site_ads, on="site", how="left").merge(rev_by_site, on="site", how="left")
    sites["networks"] = sites["site"].map(net_sites.groupby("site")["network"].nunique()).fillna(0).astype(int)
    sites["miner"] = sites["site"].isin(set(now["miners"]["site"]))
    sites = sites.fillna({"ads": 0, **dict.fromkeys(REVENUE, 0.0)}).astype({"ads": int})
    sites["ads_per_visit"] = (sites["ads"] / sites["reached"].where(sites["reached"] > 0)).round(3)
    report.table(
        "sites",
        _("Sites (estimated revenue for the period)"),
        sites.sort_values(["revenue_high", "site"], ascending=[False, True])[
            ["site", "visits", "reached", "networks", "ads", "ads_per_visit", "miner", "monthly_visits", *REVENUE]
        ],
    )

    profiles = tables["profiles"].result()
    profiles["ads_per_visit"] = (profiles["ads"] / profiles["reached"].where(profiles["reached"] > 0)).round(3)
    profiles["share_high_risk"] = profiles["high_risk_ads"] / profiles["ads"].where(profiles["ads"] > 0)
    report.table(
        "profiles",
        _("By visitor profile and country (ads differ by country, device and language)"),
        profiles.sort_values(["profile", "country"]),
    )

    report.table("operators", _("Operators: sites bound by shared publisher ids"), tables["operators"].result())

    trend_rows = []
    for p in trend:
        n = now if p == period else numbers[p].result()
        trend_rows.append(
            {
                "period": p.label,
                "sites_reachable": len(n["reachable"]),
                "share_ads": n["share_ads"],
                "share_popunders": n["share_pop"],
                "share_adult": n["share_adult"],
                "share_miners": n["share_miners"],
                "ads_per_visit": n["ads_per_visit"],
                "high_risk": n["high_risk"],
            }
        )
    report.table("trends", _("Trends over the periods on record"), pd.DataFrame(trend_rows))
    report.table(
        "cpm",
        _("CPM ranges used for the revenue estimate ({currency} per 1000 ads, from {file})").format(
            currency=cpm.currency, file=cpm.path.name
        ),
        cpm.table(),
    )
    report.charts = [
        Chart(
            "trends",
            _("Share of reachable sites, by period"),
            "line",
            "trends",
            "period",
            ["share_ads", "share_popunders", "share_adult", "share_miners"],
        ),
        Chart(
            "flows",
            _("Who pays whom: advertisers -> ad networks -> sites (ads followed)"),
            "flow",
            "flows",
            "advertiser",
            ["network", "site", "ads"],
        ),
        Chart("split", _("Mainstream vs high-risk ads"), "bar", "split", "group", ["ads"]),
        Chart("networks", _("Sites per ad network (top 15)"), "barh", "networks", "network", ["sites"]),
        Chart(
            "revenue",
            _("Estimated revenue per network, low and high ({currency}, estimate)").format(currency=cpm.currency),
            "barh",
            "networks",
            "network",
            list(REVENUE),
        ),
    ]
    method = _methodology(store, scope, now, profiles, sigs, cpm)
    report.table("methodology", _("Methodology: what these numbers stand on"), method)
    report.notes = [
        _(
            "Estimated revenue = the watchlist's monthly visits of a site x the months of the period x the ads of "
            "each kind seen per reached visit x the CPM of that kind / 1000, once with the low and once with the "
            "high end of each kind's CPM range. It assumes every real visit sees what the crawler's visit saw; CPM "
            "ranges are assumptions ({source}; edit {file} or pass --cpm). Sites without a monthly visits figure "
            "have no estimate."
        ).format(source=cpm.source, file=cpm.path.name),
        _(
            "High-risk ads are adult, gambling and scam or malware ads (the EUIPO classes); mainstream ads are the "
            "brands of the brand lists (see the methodology; add yours with --brands FILE) and the mainstream "
            "domains of categories.toml. Unclassified ads lead to an advertiser of no known category."
        ),
        _("A site has ads when an ad network was seen in its pages or one of its ads was followed to an advertiser."),
    ]
    if len(trend_rows) < 2:
        report.notes.append(_("Trends are drawn from the second period on record: this is the first."))
    return report


NOT_MEASURED = (
    N_("what real visitors saw: one crawler visit stands for every visit of its site, profile and country"),
    N_(
        "ads shown only to logged-in visitors, in apps, after more clicks than the crawl makes, or to the "
        "countries and devices no profile crawled"
    ),
    N_("revenue: estimated from CPM ranges and the watchlist's traffic figures, never measured"),
    N_("who paid beyond the last hop of a redirect chain the crawler followed"),
)


def _methodology(store, scope: Scope, now: dict, profiles: pd.DataFrame, sigs: Signatures, cpm: Cpm) -> pd.DataFrame:
    """When, what, from where and with which versions the period's numbers were measured, and what not."""
    from moneytrail import __version__

    cover = aggregates.coverage(store, scope)
    statuses = ", ".join(
        f"{number(n)} {status}" for status, n in sorted(cover["statuses"].items(), key=lambda x: -x[1])
    )
    pairs = zip(profiles["profile"], profiles["country"], strict=True)
    seen = ", ".join(f"{p} ({c})" if c else str(p) for p, c in pairs)
    sites = now["sites"]
    traffic = int(sites.loc[sites["ok"] > 0, "monthly_visits"].notna().sum()) if len(sites) else 0

    def when(value) -> str:
        return value.strftime("%Y-%m-%d %H:%M UTC") if value is not None else _("none")

    rows = [
        (_("period"), _("{first} to {last} (UTC)").format(first=now["period"].first, last=now["period"].last)),
        (_("visits kept"), ", ".join(scope.filters()) or _("all (no --watchlist, --profile or --country filter)")),
        (
            _("crawls"),
            _("{runs} crawl runs; first visit {first}, last {last}").format(
                runs=number(cover["runs"]), first=when(cover["first"]), last=when(cover["last"])
            ),
        ),
        (_("visits"), number(sum(cover["statuses"].values())) + (f": {statuses}" if statuses else "")),
        (
            _("sites"),
            _("{monitored} monitored, {reached} reached").format(
                monitored=number(now["monitored"]), reached=number(len(now["reachable"]))
            ),
        ),
        (_("profiles and countries"), seen or _("none")),
        (
            _("revenue estimate"),
            _(
                "CPM ranges of {file} ({source}); traffic figures of the watchlist for {traffic} of {reached} sites "
                "reached"
            ).format(
                file=cpm.path.name,
                source=cpm.source or _("no source given"),
                traffic=number(traffic),
                reached=number(len(now["reachable"])),
            ),
        ),
        (
            _("advertiser categories"),
            _("keywords and domains of categories.toml in {folder}").format(folder=sigs.source),
        ),
        *((_("brand list"), line) for line in (sigs.brands.describe() if sigs.brands else [])),
        (
            _("software"),
            _(
                "moneytrail {version}; signature data {fingerprint} (this report's categories; each visit's "
                "attribution was stored by its crawl or the last `moneytrail reanalyze`)"
            ).format(version=__version__, fingerprint=sigs.fingerprint()),
        ),
        *((_("not measured"), _(text)) for text in NOT_MEASURED),
    ]
    return pd.DataFrame(rows, columns=["what", "how"])
