"""Build a synthetic store (SQLite) of many visits, for report benchmarks (not a test).

    .venv/bin/python benchmarks/synthetic_store.py OUT.db [--visits 1000000] [--requests 20] [--sites 10000]

The schema is the real one (migrations run); the rows are made up but shaped like a crawl's: visits
spread over the 12 months before 2026-11, ~88% reached; each visit has `--requests` requests, and findings:
~2.5 network sightings, ~1.3 ads followed to advertisers (kinds and categories in realistic proportions),
a miner on 4% of the sites, two publisher ids; sites share ids in small operator clusters. Written with
the store's bulk loader (crawler/store/bulk.py).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

NETWORKS = [
    "PopAds",
    "PopCash",
    "PropellerAds",
    "Adsterra",
    "ExoClick",
    "JuicyAds",
    "TrafficStars",
    "Clickadu",
    "HilltopAds",
    "Adcash",
    "MGID",
    "A-ADS",
    "Google AdSense",
    "RollerAds",
    "Galaksion",
]
KINDS = [("popunder", 40), ("display", 25), ("native", 12), ("push", 10), ("popup", 6), ("tabunder", 5), ("overlay", 2)]
CATEGORIES = [
    ("gambling", 25),
    ("adult", 20),
    ("scam", 15),
    ("mainstream", 15),
    ("vpn", 8),
    ("dating", 7),
    ("crypto", 5),
    ("other", 5),
]
VISIT_COLUMNS = (
    "id", "uid", "run_id", "site_id", "url", "page_kind", "status", "error", "http_status", "final_url", "final_site",
    "title", "started_at", "duration", "profile", "screenshot", "hostile", "n_requests", "n_windows", "n_websockets",
    "n_wasm", "schema", "observation",
)  # fmt: skip
REQUEST_COLUMNS = (
    "visit_id", "n", "url", "host", "method", "resource_type", "page", "navigation", "initiator", "status", "failure",
    "step",
)  # fmt: skip
LINK_COLUMNS = (
    "visit_id", "site", "network", "advertiser", "kind", "category", "brokers", "chain", "landing_url", "landing_title",
    "page", "screenshot",
)  # fmt: skip
RESOURCE_TYPES = ["script", "image", "xhr", "stylesheet", "font", "document", "fetch"]
START = datetime(2025, 11, 1, tzinfo=UTC)
DAYS = 365


def weighted(rng: random.Random, table):
    return rng.choices([k for k, _ in table], weights=[w for _, w in table])[0]


def build(path: Path, visits: int, requests: int, sites: int, seed: int = 7, progress=print) -> dict:
    from moneytrail.crawler.store import open_store
    from moneytrail.crawler.store.bulk import BulkLoader

    if path.exists():
        path.unlink()
    store = open_store(f"sqlite:///{path}", path.parent / "shots")  # the real schema, migrated
    rng = random.Random(seed)
    db = BulkLoader(store)
    now = "2026-11-01 00:00:00.000000"
    db.insert("watchlists", ("id", "name", "created_at"), [(1, "synthetic", now)])
    domains = [f"site{i:06d}.test" for i in range(sites)]
    db.insert(
        "sites",
        ("id", "watchlist_id", "domain", "url", "category", "country", "tags", "monthly_visits", "added_at"),
        [
            (i + 1, 1, d, f"https://{d}/", "film", "FR", "[]", rng.randint(20_000, 3_000_000), now)
            for i, d in enumerate(domains)
        ],
    )
    db.insert(
        "runs",
        ("id", "watchlist_id", "started_at", "ended_at", "state", "profile", "options", "sites", "counts"),
        [(1, 1, now, now, "finished", "{}", "{}", sites, "{}")],
    )
    site_networks = [rng.sample(NETWORKS, rng.randint(1, 4)) for _ in range(sites)]
    miners = {i for i in range(sites) if rng.random() < 0.04}
    advertisers = [f"adv{i:05d}.test" for i in range(3000)]
    blob = zlib.compress(b"{}")
    counts = dict.fromkeys(("visits", "requests", "links", "networks", "miners", "ids"), 0)
    started = time.monotonic()
    batch = 20_000
    for first in range(0, visits, batch):
        rows_v, rows_r, rows_l, rows_n, rows_m, rows_i = [], [], [], [], [], []
        for vid in range(first + 1, min(visits, first + batch) + 1):
            s = rng.randrange(sites)
            domain = domains[s]
            when = START + timedelta(seconds=rng.randrange(DAYS * 86400))
            ok = rng.random() < 0.88
            rows_v.append(
                (
                    vid,
                    f"syn{vid:09d}",
                    1,
                    s + 1,
                    f"https://{domain}/",
                    "home" if vid % 2 else "inner",
                    "ok" if ok else "dead",
                    None,
                    200 if ok else None,
                    f"https://{domain}/" if ok else "",
                    domain if ok else "",
                    domain,
                    when.strftime("%Y-%m-%d %H:%M:%S.%f"),
                    8.0,
                    "{}",
                    None,
                    "[]",
                    requests,
                    0,
                    0,
                    0,
                    1,
                    blob,
                )
            )
            for n in range(requests):
                host = (
                    domain
                    if n % 3 == 0
                    else f"cdn{n % 7}.{site_networks[s][n % len(site_networks[s])].lower().replace(' ', '')}.example"
                )
                rows_r.append(
                    (
                        vid,
                        n,
                        f"https://{host}/r/{vid}/{n}.js",
                        host,
                        "GET",
                        RESOURCE_TYPES[n % 7],
                        0,
                        n == 0,
                        None,
                        200,
                        None,
                        1,
                    )
                )
            if not ok:
                continue
            for network in site_networks[s]:
                if rng.random() < 0.65:
                    rows_n.append((vid, domain, network, "host", f"{network.lower().replace(' ', '')}.example"))
            for _ in range(rng.choice((0, 1, 1, 2, 2, 3))):
                adv = advertisers[int(rng.paretovariate(1.2)) % len(advertisers)]
                rows_l.append(
                    (
                        vid,
                        domain,
                        rng.choice(site_networks[s]),
                        adv,
                        weighted(rng, KINDS),
                        weighted(rng, CATEGORIES),
                        '["broker.test"]',
                        "[]",
                        f"https://{adv}/lp",
                        "Landing",
                        1,
                        None,
                    )
                )
            if s in miners:
                rows_m.append((vid, domain, "Coinhive", f"key{s // 3:06d}", None, None, '["pool_auth"]'))
            rows_i.append((vid, domain, "ga4", f"G-{s // 4:08d}", "inline"))  # operators of 4 sites
            rows_i.append((vid, domain, "exoclick_zone", f"{s:07d}", "attribute"))
        db.insert("visits", VISIT_COLUMNS, rows_v)
        db.insert("requests", REQUEST_COLUMNS, rows_r)
        db.insert("finding_links", LINK_COLUMNS, rows_l)
        db.insert("finding_networks", ("visit_id", "site", "network", "evidence", "host"), rows_n)
        db.insert("finding_miners", ("visit_id", "site", "service", "site_key", "wallet", "pool", "signals"), rows_m)
        db.insert("finding_ids", ("visit_id", "site", "id_type", "id_value", "source"), rows_i)
        db.commit()
        for key, rows in (
            ("visits", rows_v),
            ("requests", rows_r),
            ("links", rows_l),
            ("networks", rows_n),
            ("miners", rows_m),
            ("ids", rows_i),
        ):
            counts[key] += len(rows)
        if progress and (first // batch) % 10 == 9:
            progress(
                f"  {counts['visits']:,} visits, {counts['requests']:,} requests ({time.monotonic() - started:.0f} s)"
            )
    db.close(analyze=True)
    store.close()
    counts["seconds"] = round(time.monotonic() - started, 1)
    counts["bytes"] = path.stat().st_size
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--visits", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=20, help="requests per visit")
    parser.add_argument("--sites", type=int, default=10_000)
    args = parser.parse_args()
    print(json.dumps(build(args.out, args.visits, args.requests, args.sites)))


if __name__ == "__main__":
    main()
