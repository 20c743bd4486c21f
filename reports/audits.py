"""Per-network reports (with the notice pack an analyst sends to a network's compliance team) and
advertiser audits (where a brand's ads appeared, through whom). Both list their evidence line by line:
visit time, profile, chain, landing page, screenshot."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from moneytrail.attribution.signatures import Signatures
from moneytrail.crawler.store import aggregates
from moneytrail.crawler.store.aggregates import LinkFilter

from . import SHOT_COLUMNS
from .exports import Scope, clusters
from .i18n import _, percent
from .model import Chart, Figure, Report, file_stem, filtered_stem
from .periods import Period

EVIDENCE_COLUMNS = [
    "time",
    "site",
    "profile",
    "network",
    "brokers",
    "chain",
    "advertiser",
    "category",
    "kind",
    "landing_url",
    "landing_title",
    "screenshot",
    "visit",
    "page_screenshot",
]


def _profile(value) -> str:
    value = value if isinstance(value, dict) else {}
    parts = [str(value[k]) for k in ("name", "country", "locale", "device") if value.get(k)]
    return " / ".join(parts) or "default"


def evidence(rows: pd.DataFrame) -> pd.DataFrame:
    """Link rows as evidence lines: the chain written out (host [via] > ...), brokers joined."""
    if not len(rows):
        return pd.DataFrame(columns=EVIDENCE_COLUMNS)
    out = rows.copy()
    out["time"] = pd.to_datetime(out["time"]).dt.strftime("%Y-%m-%d %H:%M UTC")
    out["profile"] = out["profile"].map(_profile)
    out["chain"] = out["chain"].map(lambda hops: " > ".join(f"{h.get('host')} [{h.get('via')}]" for h in hops or []))
    out["brokers"] = out["brokers"].map(lambda b: ", ".join(b or []))
    return out[EVIDENCE_COLUMNS]


def _scope(period: Period | None, filters: Scope) -> Scope:
    return filters.during(period.start, period.end) if period else filters


def network_report(
    store, name: str, sigs: Signatures, period: Period | None = None, filters: Scope = Scope()
) -> Report:
    scope = _scope(period, filters)
    where = LinkFilter(network=name)
    mainstream = sigs.mainstream(aggregates.advertisers(store))  # by today's brand lists
    links = aggregates.links(store, scope, where, mainstream=mainstream)
    seen = aggregates.networks(store, scope, name)
    net = sigs.networks.get(name)
    report = Report(
        "network",
        filtered_stem(f"network-{file_stem(name)}", filters),
        _("Ad network report: {name}").format(name=name),
        period.label if period else _("all visits on record"),
    )
    report.meta = {
        _("network"): name,
        _("company"): (net.company or "") if net else "",
        _("legal entities"): "; ".join(net.entities) if net else "",
        _("country"): (net.country or "") if net else "",
        _("period"): f"{period.first}..{period.last}" if period else _("all"),
        **({_("visits kept"): ", ".join(filters.filters())} if filters.filters() else {}),
    }
    report.facts = {
        "network": name,
        "company": (net.company or "") if net else "",
        "period": f"{period.first}..{period.last}" if period else "all",
    }
    report.contacts = list(net.contacts) if net else []
    report.table(
        "contacts",
        _("Where to report it: the contacts the network publishes, and the page that says so"),
        pd.DataFrame(
            [(c.kind, c.address, c.source, c.checked, c.note) for c in report.contacts],
            columns=["kind", "address", "source", "checked", "note"],
        ),
    )
    sites = pd.concat([seen[["site", "first_seen", "last_seen"]], links[["site", "first_seen", "last_seen"]]])
    per_site = sites.groupby("site", as_index=False).agg(
        first_seen=("first_seen", "min"), last_seen=("last_seen", "max")
    )
    visits = (
        aggregates.network_visits(store, scope, name).groupby("site", as_index=False).agg(visits=("visit", "nunique"))
    )
    per_site = per_site.merge(visits, on="site", how="left").fillna({"visits": 0}).astype({"visits": int})
    formats = links.groupby("site")["kind"].agg(lambda k: ", ".join(sorted(set(k))))
    per_site["formats"] = [formats.get(site, "") for site in per_site["site"]]
    ops = clusters(store, scope, sigs)
    per_site["operator"] = (
        per_site["site"].map(ops.set_index("site")["cluster"] if len(ops) else {}).fillna(0).astype(int)
    )
    for column in ("first_seen", "last_seen"):
        per_site[column] = pd.to_datetime(per_site[column]).dt.strftime("%Y-%m-%d")
    per_site = per_site.sort_values(["visits", "site"], ascending=[False, True])
    report.table(
        "sites",
        _("Sites where it was seen (visits with its tags or ads, formats, operator cluster)"),
        per_site[["site", "visits", "formats", "first_seen", "last_seen", "operator"]],
    )
    accounts = aggregates.network_ids(store, scope, name)
    for column in ("first_seen", "last_seen"):
        accounts[column] = pd.to_datetime(accounts[column]).dt.strftime("%Y-%m-%d")
    report.table(
        "accounts",
        _("Its account ids on each site (where seen: in the page's code, a URL, an attribute, a socket, the ads.txt)"),
        accounts.rename(columns={"source": "seen_in"}).sort_values(["site", "id_type", "id_value", "seen_in"]),
    )
    advs = links.groupby(["advertiser", "category"], as_index=False).agg(ads=("ads", "sum"), sites=("site", "nunique"))
    report.table(
        "advertisers", _("Advertisers it served"), advs.sort_values(["ads", "advertiser"], ascending=[False, True])
    )
    kinds = links.groupby("kind", as_index=False).agg(ads=("ads", "sum"), sites=("site", "nunique"))
    report.table("formats", _("Formats"), kinds)
    paid = per_site.loc[per_site["operator"] > 0, ["operator", "site"]]
    report.table("operators", _("Operators (clusters of sites) it pays"), paid.sort_values(["operator", "site"]))
    shown = evidence(aggregates.link_rows(store, scope, where, mainstream=mainstream))
    report.table("evidence", _("Evidence, ad by ad (the latest 20 of each site)"), shown)
    high = {c.name for c in sigs.categories if c.high_risk}
    ads = int(links["ads"].sum()) if len(links) else 0
    report.figures = [
        Figure("sites", _("sites where seen"), len(per_site)),
        Figure("visits", _("visits with its tags or ads"), int(per_site["visits"].sum()) if len(per_site) else 0),
        Figure("ads", _("ads followed to an advertiser"), ads),
        Figure("advertisers", _("advertisers"), int(advs["advertiser"].nunique()) if len(advs) else 0),
        Figure(
            "high_risk",
            _("high-risk ads (adult, gambling, scam)"),
            (int(links.loc[links["category"].isin(high), "ads"].sum()) / ads) if ads else None,
            unit="%",
        ),
    ]
    report.charts = [
        Chart("formats", _("Ads by format"), "bar", "formats", "kind", ["ads"]),
        Chart("advertisers", _("Ads per advertiser"), "barh", "advertisers", "advertiser", ["ads"]),
    ]
    report.notes = [
        _(
            "Every card of the evidence is one ad seen by a crawler visit: the visit's time and profile, the "
            "chain of hosts from {name}'s click server to the advertiser's landing page, and its screenshots."
        ).format(name=name)
    ]
    if len(shown) < ads:
        report.notes.append(
            _(
                "The evidence shows {shown} of the {ads} ads (the latest 20 of each site); the counts above cover "
                "them all."
            ).format(shown=len(shown), ads=ads)
        )
    return report


def notice_pack(
    report: Report,
    enclosed: dict[str, str] | None = None,
    sender: str | None = None,
    hashes: dict[str, str] | None = None,
    today: str | None = None,
) -> tuple[pd.DataFrame, str]:
    """(CSV of sites with evidence references, the letter) for the network's compliance team; `enclosed` maps a
    stored screenshot to its file in the pack, `hashes` a file of the pack to its SHA-256 (listed in the
    letter), `sender` who writes (an organisation and its address)."""
    from datetime import UTC, datetime

    from moneytrail import __version__

    name = report.facts["network"]
    enclosed = enclosed or {}
    sites, ev = report.tables["sites"], in_pack(report.tables["evidence"], enclosed)
    wacz = (
        "archive.wacz holds what the browser received during these visits (the pages, the ads and their redirect "
        "chains), as a web archive that ReplayWeb.page (replayweb.page) opens and replays. "
        if hashes and "archive.wacz" in hashes
        else ""
    )
    refs = ev.groupby("site").agg(
        evidence=("visit", lambda v: "; ".join(list(dict.fromkeys(v))[:10])),
        screenshots=("screenshot", lambda v: "; ".join([x for x in dict.fromkeys(v) if x][:10])),
        advertisers=("advertiser", lambda v: ", ".join(sorted(set(v)))),
    )
    ids = report.tables["accounts"]
    pairs = ids.assign(account=ids["id_type"].astype(str) + "=" + ids["id_value"].astype(str))
    accounts = pairs.drop_duplicates(["site", "account"]).groupby("site")["account"].agg("; ".join)
    pack = sites.merge(refs, left_on="site", right_index=True, how="left")
    pack = pack.fillna("")
    pack["accounts"] = [accounts.get(site, "") for site in pack["site"]]
    period = report.facts["period"]
    lines = [
        f"From: {sender or '(no sender given: moneytrail report network --sender ORGANISATION)'}",
        f"Date: {today or format(datetime.now(UTC), '%Y-%m-%d')}",
        f"To: the compliance team of {name}" + (f" ({report.facts['company']})" if report.facts.get("company") else ""),
        *_send_to(report.contacts),
        f"Period: {'all the visits on record' if period == 'all' else period.replace('..', ' to ')}",
        f"Subject: ads of {name} on {len(sites)} site(s) that make copyrighted works available without authorisation",
        "",
        f"{_when(period)} our crawler saw your network's tags or ads on {len(sites)} site(s) "
        "that make copyrighted works available without authorisation (see the attached list).",
        f"On {ids['site'].nunique()} of them it saw {len(ids[['id_type', 'id_value']].drop_duplicates())} account "
        "id(s) of your network (listed per site in accounts.csv, with where each was seen and when).",
        f"It followed {int(report.tables['advertisers']['ads'].sum()) if len(report.tables['advertisers']) else 0} of "
        f"your ads to {len(report.tables['advertisers'])} advertiser(s); formats: "
        f"{', '.join(report.tables['formats']['kind']) or 'none followed'}.",
        "The tables come as CSV for spreadsheets and as JSON for tools (sites, accounts, evidence). "
        "Each line of the attached sites.csv names the site, when it was seen, the formats, and the evidence "
        "(visit ids and screenshots); evidence.csv lists every ad with the chain that led from your network to its "
        f"advertiser. {len(set(enclosed.values()))} screenshot(s) are enclosed in evidence/. {wacz}manifest.json lists "
        "every file of this pack with its SHA-256, and manifest.sig is its signature: `moneytrail verify` on this "
        "folder or its zip checks both.",
        "",
        f"How it was observed: moneytrail {__version__} visited each site as a person would, in a real Chromium "
        "browser (it scrolled, clicked the page and its video player), recorded every request and every window "
        "the page opened with its chain of redirects to the advertiser's page, and attributed them to ad networks "
        "by their hosts, tags and account ids.",
        "",
        "We ask you to stop serving ads on these sites and to stop paying them, in line with the "
        "'follow the money' principles of self-regulation against piracy.",
    ]
    if hashes:
        lines += ["", "Evidence enclosed (SHA-256, file):"]
        lines += [f"  {digest}  {path}" for path, digest in list(hashes.items())[:MAX_LISTED_HASHES]]
        if len(hashes) > MAX_LISTED_HASHES:
            lines.append(f"  and {len(hashes) - MAX_LISTED_HASHES} more, listed in manifest.json")
    return pack, "\n".join(lines) + "\n"


def _send_to(contacts) -> list[str]:
    """The letter's "Send to" lines: the channels the network publishes, each with the page that says so."""
    if not contacts:
        return ["Send to: no published contact on record (data/networks.toml): use the network's abuse or "
                "compliance address"]  # fmt: skip
    return [
        f"Send to: {c.address} ({c.kind}; published at {c.source}, read {c.checked}"
        + (f"; {c.note})" if c.note else ")")
        for c in contacts
    ]


def _when(period: str) -> str:
    return "In all the visits on record," if period == "all" else f"Between {period.replace('..', ' and ')},"


def brand_domain(text: str) -> str:
    """What an advertiser audit matches: the registrable domain of a domain or URL, in ASCII (IDNA)."""
    from moneytrail.attribution.signatures import HOST_RE
    from moneytrail.crawler.domains import ascii_host, host_of, registrable_domain

    text = text.strip()
    host = host_of(text if "://" in text else f"https://{text}")
    try:
        host = ascii_host(host)
    except ValueError:
        raise ValueError(f"{text!r} is not a domain") from None
    domain = registrable_domain(host)
    if not domain or not HOST_RE.match(domain):
        raise ValueError(f"{text!r} is not a domain")
    return domain


def advertiser_report(
    store, brand: str, domains: list[str], sigs: Signatures, period: Period | None = None, filters: Scope = Scope()
) -> Report:
    scope = _scope(period, filters)
    domains = sorted({brand_domain(d) for d in domains if d.strip()})
    where = LinkFilter(advertisers=tuple(domains))
    rows = evidence(aggregates.link_rows(store, scope, where))
    totals = aggregates.link_totals(store, scope, where)
    monitored = aggregates.visits_per_site(store, scope)
    reached = int(monitored["ok"].sum()) if len(monitored) else 0
    first, last = (aggregates.first_visit(store), None) if period is None else (period.start, period.end)
    report = Report(
        "advertiser",
        filtered_stem(f"advertiser-{file_stem(brand)}", filters),
        _("Advertiser audit: {brand}").format(brand=brand),
        f"{', '.join(domains)}; " + (period.label if period else _("all visits on record")),
    )
    monitored_sites = aggregates.monitored_sites(store, scope)
    when = (
        f"{period.first}..{period.last}"
        if period
        else _("since {day}").format(day=f"{first:%Y-%m-%d}")
        if first
        else _("no visit")
    )
    report.meta = {
        _("brand"): brand,
        _("domains"): ", ".join(domains),
        _("period"): when,
        _("sites monitored"): str(monitored_sites),
        _("visits"): str(int(monitored["visits"].sum()) if len(monitored) else 0),
        **({_("visits kept"): ", ".join(filters.filters())} if filters.filters() else {}),
    }
    hits = int(totals["ads"].sum()) if len(totals) else 0
    reached_sites = int((monitored["ok"] > 0).sum()) if len(monitored) else 0
    everyone = aggregates.link_totals(store, scope)  # the ads of every advertiser followed: the sample
    sampled = int(everyone["ads"].sum()) if len(everyone) else 0
    report.meta[_("visits that reached their page")] = str(reached)
    report.meta[_("ads followed (every advertiser)")] = str(sampled)
    report.figures = [
        Figure("hits", _("ads of the brand seen"), hits),
        Figure("sites", _("sites where they appeared"), int(totals["site"].nunique()) if len(totals) else 0),
        Figure("networks", _("networks that served them"), int(totals["network"].nunique()) if len(totals) else 0),
        Figure("monitored", _("sites monitored"), monitored_sites),
        Figure("visits", _("visits made"), int(monitored["visits"].sum()) if len(monitored) else 0),
        Figure("sampled", _("ads followed to their advertiser (every brand): the sample"), sampled),
        Figure("share", _("the brand's share of the ads followed"), hits / sampled if sampled else float("nan"), "%"),
    ]
    report.table("where", _("Where the brand's ads appeared: the pirate page, where the ad led, who served it"), rows)
    report.table(
        "by_site",
        _("Ads per site and network"),
        totals[["site", "network", "ads", "visits"]].sort_values(["ads", "site"], ascending=[False, True]),
    )
    report.table("exclusions", _("Exclusion list for the brand's agency or DSP"), exclusions(store, scope, totals))
    report.table("campaigns", _("Campaign parameters in the landing URLs of the ads listed"), campaigns(rows))
    sample = _(
        "The sample: {reached} visit(s) that reached their page on {sites} site(s), and {sampled} ad(s) followed to "
        "their advertiser, of every brand."
    ).format(reached=reached, sites=reached_sites, sampled=sampled)
    if hits:
        report.charts = [Chart("by_site", _("Ads of the brand per site"), "barh", "by_site", "site", ["ads"])]
        report.notes = [
            _(
                "Each card is one ad of the brand seen by a crawler visit: the pirate page it ran on, where it led, "
                "and the chain of intermediaries from the ad network to the brand's landing page."
            ),
            sample,
            _(
                "The exclusion list names the sites where the brand's ads ran and the ad networks' accounts on them "
                "(publisher, zone or site ids, ads.txt accounts): hand it to the agency or DSP as a blocklist."
            ),
        ]
        if len(rows) < hits:
            report.notes.append(
                _(
                    "The cards show {shown} of the {hits} ads (the latest 20 of each site); the counts cover them all."
                ).format(shown=len(rows), hits=hits)
            )
    elif reached:
        bound = percent(min(1.0, 3 / sampled)) if sampled else None
        report.notes = [
            _(
                "No ad of {brand} ({domains}) was seen on the {sites} site(s) reached, in {reached} visit(s) that "
                "reached their page ({period}). Those sites were visited and their ads followed to their "
                "advertisers, and none was this brand."
            ).format(brand=brand, domains=", ".join(domains), sites=reached_sites, reached=reached, period=when),
            sample,
            (
                _(
                    "What a clean result means at this sample size: with 0 of {sampled} ads, the brand's share of "
                    "the ads these sites showed the crawler is below {bound} with 95% confidence (the rule of three, "
                    "3 / ads sampled); a smaller share can go unseen. Crawl more visits (`crawl --repeat N`) or more "
                    "profiles and countries to narrow it."
                ).format(sampled=sampled, bound=bound)
                if bound
                else _(
                    "No ad of any brand was followed on these sites: a clean result says little; the sites showed "
                    "the crawler no ad it could follow."
                )
            ),
        ]
    else:
        report.notes = [
            _("No visit reached a monitored site ({period}): nothing can be said of {brand} from this store.").format(
                period=when, brand=brand
            )
        ]
    return report


def exclusions(store, scope: Scope, totals: pd.DataFrame) -> pd.DataFrame:
    """What a brand asks its agency or DSP to exclude: each site where its ads ran (the domain), and each ad
    network account seen on those sites (the network's publisher, zone or site ids, ads.txt accounts)."""
    rows = [
        {"kind": "domain", "value": site, "ad_system": "", "id_type": "", "sites": site, "ads": int(group["ads"].sum())}
        for site, group in totals.groupby("site")
    ]
    for network, group in totals.groupby("network"):
        ids = aggregates.network_ids(store, scope, network)
        ids = ids[ids["site"].isin(set(group["site"]))]
        for (id_type, value), seen in ids.groupby(["id_type", "id_value"]):
            rows.append(
                {
                    "kind": "account",
                    "value": value,
                    "ad_system": network,
                    "id_type": id_type,
                    "sites": ", ".join(sorted(set(seen["site"]))),
                    "ads": int(group.loc[group["site"].isin(set(seen["site"])), "ads"].sum()),
                }
            )
    columns = ["kind", "value", "ad_system", "id_type", "sites", "ads"]
    return pd.DataFrame(rows, columns=columns).sort_values(["kind", "ads", "value"], ascending=[False, False, True])


# the query parameters that carry a campaign: analytics tags, click ids, and the affiliate and traffic-source
# ids that ad networks append (sub ids, zone and publisher ids, click ids)
CAMPAIGN_PARAMETERS = re.compile(
    r"utm_\w+|gclid|gbraid|wbraid|fbclid|msclkid|ttclid|dclid|yclid|"
    r"(?:aff|affiliate|partner|pub|publisher|source|traffic_source|zone|site|campaign|camp|creative|banner|offer|"
    r"click|sub)_?(?:id|name)?\d*|cid|aid|pid|tid|ref|referrer"
)


def campaigns(rows: pd.DataFrame) -> pd.DataFrame:
    """Campaign parameters of the landing URLs (utm_*, click ids, affiliate and sub ids): who bought the ad
    and through which channel, as the brand's own analytics would name them."""
    from collections import Counter
    from urllib.parse import parse_qsl, urlsplit

    seen: Counter = Counter()
    for url in rows["landing_url"] if len(rows) else []:
        parts = urlsplit(url) if isinstance(url, str) else None
        if parts is None:
            continue
        for name, value in parse_qsl(parts.query, keep_blank_values=False):
            if CAMPAIGN_PARAMETERS.fullmatch(name.lower()):
                seen[(parts.hostname or "", name, value[:300])] += 1
    return pd.DataFrame(
        [(host, name, value, n) for (host, name, value), n in sorted(seen.items())],
        columns=["landing_host", "parameter", "value", "ads"],
    )


def in_pack(evidence: pd.DataFrame, enclosed: dict[str, str]) -> pd.DataFrame:
    """The evidence table with each enclosed screenshot named by its file in the pack."""
    out = evidence.copy()
    for column in SHOT_COLUMNS:
        out[column] = out[column].map(lambda s: enclosed.get(s, s) if isinstance(s, str) else s)
    return out


MAX_LISTED_HASHES = 200  # evidence files listed with their hash in the letter (all are in the manifest)
PACK_FILES = (
    "sites.csv",
    "accounts.csv",
    "evidence.csv",
    "sites.json",
    "accounts.json",
    "evidence.json",
    "summary.txt",
    "evidence",
    "archive.wacz",
    "manifest.json",
    "manifest.sig",
)
MAX_PACK_ARCHIVE = 300 * 1024 * 1024  # a larger WACZ of the cited visits is left out (the letter says how to ask)
MAX_ENCLOSED_FILES = 500  # screenshots enclosed in a notice pack; the rest stay referenced by their path
MAX_ENCLOSED_BYTES = 200 * 1024 * 1024


def enclose(report: Report, screenshots: Path | None, folder: Path) -> dict[str, str]:
    """Copy the evidence's screenshots into `folder`/evidence/ (bounded): stored path -> path in the pack."""
    import shutil

    from .render import stored_screenshot

    enclosed, total = {}, 0
    evidence = report.tables["evidence"]
    for relative in dict.fromkeys(v for column in SHOT_COLUMNS for v in evidence[column]):
        source = stored_screenshot(screenshots, relative)
        if source is None or len(enclosed) >= MAX_ENCLOSED_FILES or total + source.stat().st_size > MAX_ENCLOSED_BYTES:
            continue
        inside = f"evidence/{source.relative_to(screenshots.resolve()).as_posix()}"
        (folder / inside).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, folder / inside)
        enclosed[relative], total = inside, total + source.stat().st_size
    return enclosed


def write_notice_pack(
    report: Report,
    out_dir: Path,
    screenshots: Path | None = None,
    key=None,
    sender: str | None = None,
    archive: Path | None = None,
) -> Path:
    """A network report's notice pack, `<out_dir>/<report>-notice/` and the same as a zip: sites.csv,
    evidence.csv, summary.txt, the evidence's screenshots, `archive` (a WACZ of the cited visits:
    reports/archives.py) as archive.wacz, and, with a signing key (reports/signing.py), the signed manifest of
    them all. A pack written again replaces the earlier one whole."""
    import shutil

    from .exports import spreadsheet_safe
    from .signing import digest, sign_folder, zip_folder

    folder = out_dir / f"{report.name}-notice"
    folder.mkdir(parents=True, exist_ok=True)
    for name in PACK_FILES:  # an earlier pack's files: replaced whole
        old = folder / name
        if old.is_dir() and not old.is_symlink():
            shutil.rmtree(old)
        elif old.exists() or old.is_symlink():
            old.unlink()
    foreign = sorted(p.name for p in folder.iterdir())
    if foreign:
        raise ValueError(
            f"{folder} holds files moneytrail did not write ({', '.join(foreign[:5])}): choose another folder"
        )
    enclosed = enclose(report, screenshots, folder)
    archived = archive is not None and archive.is_file() and archive.stat().st_size <= MAX_PACK_ARCHIVE
    if archived:
        shutil.copyfile(archive, folder / "archive.wacz")
    pack, _ = notice_pack(report, enclosed)
    evidence = in_pack(report.tables["evidence"], enclosed)
    tables = {"sites": pack, "accounts": report.tables["accounts"], "evidence": evidence}
    for name, frame in tables.items():  # CSV for spreadsheets (formulas guarded), JSON for tools (as they are)
        spreadsheet_safe(frame).to_csv(folder / f"{name}.csv", index=False)
        frame.to_json(folder / f"{name}.json", orient="records", date_format="iso", indent=1, force_ascii=False)
    listed = (*(f"{n}.{x}" for n in tables for x in ("csv", "json")), *(("archive.wacz",) if archived else ()))
    hashes = {name: digest(folder / name) for name in listed}
    hashes.update({inside: digest(folder / inside) for inside in dict.fromkeys(enclosed.values())})
    _, text = notice_pack(report, enclosed, sender, hashes)
    (folder / "summary.txt").write_text(text, encoding="utf-8")
    if key is not None:
        sign_folder(folder, key, {"report": report.name, "network": report.facts.get("network", "")})
        zip_folder(folder, out_dir / f"{folder.name}.zip")
    return folder
