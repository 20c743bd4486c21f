"""The sandbox's ground truth: what a perfect crawler of the sandbox would find, site by site.

Derived from the world data alone (the same data the server renders), so the two cannot disagree.
`moneytrail sandbox truth` writes it as JSON; its shape is documented in README ("Ground truth").
"""

from __future__ import annotations

from collections import defaultdict

from . import adstxt, decoys, hostile, miners, networks, prebid, sites
from .chains import hop_url, host_of
from .world import AD_BEHAVIOURS, AdPlacement, Campaign, Site, World, stable_int

SCHEMA_VERSION = 1


def _link(world: World, site: Site, ad: AdPlacement, campaign: Campaign, when: dict) -> dict:
    net = world.networks[ad.network]
    adv = world.advertisers[campaign.advertiser]
    return {
        "network": net.name,
        "advertiser": adv.domain,
        "category": adv.category,
        "kind": net.kind,
        "trigger": AD_BEHAVIOURS[net.behaviour],
        "pages": list(ad.pages),
        "chain": [{"host": host_of(h.host, world, site), "via": h.via} for h in campaign.hops],
        "landing": hop_url(world, campaign, len(campaign.hops), site),
        "when": when,
    }


def cloaked(site: Site) -> dict:
    """The condition on everything the site's ad tags do: none, a browser that hides `webdriver`, one that real
    detector libraries take for a person (`detectors`: `human`), one whose identity holds together (`identity`:
    `consistent`), or a visitor who accepts the site's consent
    banner (`consent`: `accept`)."""
    when: dict = {"webdriver": False} if "webdriver" in site.cloaking else {}
    if "detectors" in site.cloaking:
        when["detectors"] = "human"  # BotD and devtools-detect take the visitor for a person
    if "identity" in site.cloaking:
        when["identity"] = "consistent"  # User-Agent, client hints and navigator tell one story
    if site.consent:
        when["consent"] = "accept"
    return when


def site_links(world: World, site: Site) -> list[dict]:
    links = []
    for ad in site.ads:
        net = world.networks[ad.network]
        if net.behaviour == "prebid_bidder" and net is not prebid.winner(world, site):
            continue  # a losing bid shows nothing: only the winner's creative can be clicked
        if net.behaviour == "native_widget":
            for index in networks.native_items(world, net):
                links.append(_link(world, site, ad, net.campaigns[index], cloaked(site)))
            continue
        if ad.targeting:
            for campaign in net.campaigns:
                if ad.targeting in campaign.when:
                    links.append(_link(world, site, ad, campaign, {**cloaked(site), **campaign.when}))
            default = world.campaign_for(site, ad)
            links.append(_link(world, site, ad, default, {**cloaked(site), ad.targeting: "other"}))
            continue
        links.append(_link(world, site, ad, world.campaign_for(site, ad), cloaked(site)))
    return links


def site_requests(world: World, site: Site) -> list[dict]:
    """Network hosts a visit requests before any click: on load, or after a scroll (`on`), on which `pages`,
    `when` the site's cloaking lets the tags run."""
    out = []
    for ad in site.ads:
        net = world.networks[ad.network]
        for on, hosts in (("load", networks.load_hosts(world, site, ad)), ("scroll", networks.scroll_hosts(world, ad))):
            out += [
                {"network": net.name, "host": h, "on": on, "pages": list(ad.pages), "when": cloaked(site)}
                for h in hosts
            ]
    return out


def publisher_ids(world: World, site: Site, ads_txt: dict | None) -> list[dict]:
    found = {}
    for key, value in site.ids.items():
        kind = {"ga": "ua" if value.startswith("UA-") else "ga4"}.get(key, key)
        found[(kind, value)] = None
    for ad in site.ads:
        net = world.networks[ad.network]
        for id_type in (net.id_type, *net.also_ids):
            found[(id_type, site.publisher_id(id_type))] = None
    for m in site.miners:
        if m.site_key:
            found[("miner_site_key", m.site_key)] = None
        if m.wallet:
            found[("miner_wallet", m.wallet)] = None
    # what a crawler reads in a file it reaches: the DIRECT accounts (all of a valid file, the good lines of a
    # malformed one), the owner, the sales houses (`domain` or `domain:COUNTRY`); an oversized file is past what
    # it downloads, a refused redirect or an HTML page gives it no file: none
    if ads_txt and ads_txt["outcome"] == "ok":
        for entry in ads_txt["direct"]:
            found[("adstxt_account", f"{entry['ad_system']}:{entry['account_id']}")] = None
        if ads_txt["owner"]:
            found[("adstxt_owner", ads_txt["owner"])] = None
        for domain, country in ads_txt["managers"]:
            found[("adstxt_manager", f"{domain}:{country}" if country else domain)] = None
    return [{"type": t, "value": v} for t, v in sorted(found)]


def site_truth(world: World, site: Site) -> dict:
    start = f"https://{site.start_domain}/"
    base = {
        "domain": site.domain,
        "url": start,
        "kind": site.kind,
        "lang": site.lang,
        "title": site.title,
        "operator": site.operator,
        "mirror_from": site.mirror_from,
    }
    if site.hostile:
        return {
            **base,
            **hostile.hostile_truth(world, site),
            "final_url": None,
            "inner_pages": [],
            "networks": [],
            "requests": [],
            "links": [],
            "miners": [],
            "publisher_ids": [],
            "decoys": [],
            "cloaking": [],
            "consent": None,
            "adstxt": None,
        }
    ads_txt = adstxt.adstxt_truth(world, site)
    return {
        **base,
        "status": "ok",
        "behaviour": None,
        "final_url": f"https://{site.domain}/",
        "inner_pages": [f"https://{site.domain}{p}" for p in sites.inner_paths(site)[: sites.INNER_PAGES_PER_SITE]],
        "networks": sorted({world.networks[a.network].name for a in site.ads}),
        "requests": site_requests(world, site),
        "links": site_links(world, site),
        "miners": [miners.miner_truth(world, site, m) for m in site.miners],
        "publisher_ids": publisher_ids(world, site, ads_txt),
        "decoys": [decoys.decoy_truth(world, site, d) for d in site.decoys],
        "cloaking": list(site.cloaking),
        "consent": site.consent,
        "adstxt": ads_txt,
    }


def operators(world: World, site_entries: list[dict]) -> tuple[list[dict], list[dict]]:
    """Operators with the ids that bind their sites, and the pooled ids that must bind nothing."""
    pooled = {}
    for s in site_entries:
        for p in (s["adstxt"] or {}).get("pooled", []):
            key = ("adstxt_account", f"{p['ad_system']}:{p['account_id']}")
            pooled.setdefault(key, set()).add(s["domain"])
    where = defaultdict(set)
    for s in site_entries:
        for pid in s["publisher_ids"]:
            where[(pid["type"], pid["value"])].add(s["domain"])
    out = []
    for op in world.operators.values():
        members = sorted(s["domain"] for s in site_entries if s["operator"] == op.id)
        binding = sorted(
            k for k, domains in where.items() if len(domains) > 1 and domains <= set(members) and k not in pooled
        )
        out.append(
            {
                "id": op.id,
                "name": op.name,
                "seller_name": op.seller_name,
                "sites": members,
                "binding_ids": [{"type": t, "value": v} for t, v in binding],
            }
        )
    pooled_out = [{"type": t, "value": v, "sites": sorted(d)} for (t, v), d in sorted(pooled.items())]
    return out, pooled_out


def build_truth(world: World) -> dict:
    entries = [site_truth(world, s) for s in world.sites]
    ops, pooled = operators(world, entries)
    return {
        "schema": SCHEMA_VERSION,
        "networks": {
            n.name: {
                "hosts": sorted({h for m in world.networks.values() if m.name == n.name for h in m.hosts}),
                "host_pattern": n.host_pattern or None,
            }
            for n in world.networks.values()
        },
        "brokers": list(world.brokers),
        "advertisers": {a.domain: {"name": a.name, "category": a.category} for a in world.advertisers.values()},
        "miner_services": {m.name: {"hosts": m.hosts, "protocol": m.protocol} for m in world.miner_services.values()},
        "sites": entries,
        "operators": ops,
        "pooled_ids": pooled,
    }


def watchlist_rows(world: World) -> list[dict]:
    """The sandbox watchlist: what an analyst would have on file (old domains for mirrors)."""
    return [
        {
            "url": f"https://{s.start_domain}/",
            "name": s.name,
            "category": s.kind,
            "country": {"fr": "FR", "de": "DE", "es": "ES"}.get(s.lang, ""),
            "tags": "sandbox",
            "monthly_visits": 20_000 + stable_int(s.domain, "visits") % 3_000_000,
        }
        for s in world.sites
    ]
