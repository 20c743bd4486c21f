"""Attribution speed on real requests (not a test), next to the bare adblock engine in the same run.

    .venv/bin/python benchmarks/attribution_speed.py [--requests PATH] [--lists DIR] [--repeat 5]

PATH is an NDJSON file of `{url, frameUrl, cpt}` requests (default: ../shared/lists/requests/requests.json,
30,524 real requests from the WhoTracks.me dataset); DIR holds easylist.txt and easyprivacy.txt (default:
../shared/lists/easylist). Requests are grouped into one observation per page (`frameUrl`), then
  - bare engine: an adblock Engine over EasyList + EasyPrivacy, `check_network_urls` on every request;
  - attribution: `attribution.attribute()` on every observation, with the signatures of data/ and EasyList
    as the ad list (EasyPrivacy lists trackers, which name no ad network: attribution does not load it).
Each is timed `--repeat` times; every pass starts with empty caches (a fresh engine for the bare pass;
fresh signatures and lists, registrable domains forgotten, for attribution): the
best pass is the figure, the spread says how noisy the machine was. Then both run again warm (the same engine
and lists reused pass after pass, as in a long crawl). Coverage: how many requests EasyList calls ads, and how many
of those the signatures name. Rates are only comparable within one run of this script (noisy machines).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
SHARED = ROOT.parent / "shared" / "lists"


def observations(rows: list[dict]):
    from moneytrail.crawler.domains import site_of
    from moneytrail.crawler.observation import FrameRecord, Observation, RequestRecord

    pages: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        pages[row["frameUrl"]].append(row)
    out = []
    for n, (page, items) in enumerate(pages.items()):
        site = site_of(page)
        obs = Observation(
            f"bench-{n}", page, site, "home", "2026-01-01T00:00:00+00:00", final_url=page, final_site=site
        )
        obs.frames = [FrameRecord(0, 0, None, page)]
        obs.requests = [
            RequestRecord(i, r["url"], "GET", r["cpt"], 0, 0, r["cpt"] == "document", 1, 0.0)
            for i, r in enumerate(items)
        ]
        out.append(obs)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=Path, default=SHARED / "requests" / "requests.json")
    parser.add_argument("--lists", type=Path, default=SHARED / "easylist")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if not args.requests.is_file():
        raise SystemExit(f"no request dataset at {args.requests}: nothing to measure")
    import adblock

    from moneytrail.attribution.attribute import attribute
    from moneytrail.attribution.lists import FilterLists
    from moneytrail.attribution.requests import fast_host
    from moneytrail.attribution.signatures import load
    from moneytrail.crawler.domains import registrable_domain

    rows = [json.loads(line) for line in args.requests.read_text().splitlines() if line.strip()]
    n = len(rows)

    texts = [(args.lists / name).read_text() for name in ("easylist.txt", "easyprivacy.txt")]
    bare = []
    for _ in range(args.repeat):
        filters = adblock.FilterSet()  # a fresh engine each pass, as attribution gets fresh lists: both cold
        for text in texts:
            filters.add_filter_list(text)
        engine = adblock.Engine(filter_set=filters, optimize=True)
        started = time.perf_counter()
        for r in rows:
            engine.check_network_urls(r["url"], r["frameUrl"], r["cpt"])
        bare.append(time.perf_counter() - started)

    ads_only = Path(tempfile.mkdtemp(prefix="moneytrail-lists-"))
    shutil.copy(args.lists / "easylist.txt", ads_only / "easylist.txt")
    obs = observations(rows)
    runs, findings, load_seconds = [], [], 0.0
    for _ in range(args.repeat):
        # every pass starts cold: fresh signatures and lists (host and verdict caches empty), no memoised
        # registrable domains; loading is timed apart
        registrable_domain.cache_clear()
        started = time.perf_counter()
        sigs, lists = load(), FilterLists.load(ads_only)
        load_seconds = time.perf_counter() - started
        started = time.perf_counter()
        findings = [attribute(o, sigs, lists) for o in obs]
        runs.append(time.perf_counter() - started)

    # warm: the same engine and the same lists for every pass, as in a long crawl (their caches filled)
    warm_bare, warm_runs = [], []
    for _ in range(args.repeat):
        started = time.perf_counter()
        for r in rows:
            engine.check_network_urls(r["url"], r["frameUrl"], r["cpt"])
        warm_bare.append(time.perf_counter() - started)
        started = time.perf_counter()
        for o in obs:
            attribute(o, sigs, lists)
        warm_runs.append(time.perf_counter() - started)

    ads = [r for r in rows if lists.engines["ads"].check_network_urls(r["url"], r["frameUrl"], r["cpt"]).matched]
    named = [r for r in ads if sigs.network_of_host(fast_host(r["url"])) or sigs.network_of_url(r["url"])]
    hits = [h for f in findings for h in f.networks]
    by_network: dict[str, int] = defaultdict(int)
    for r in named:
        by_network[sigs.network_of_host(fast_host(r["url"])) or sigs.network_of_url(r["url"])] += 1
    print(f"{n:,} real requests on {len(obs)} pages; signatures + EasyList loaded in {load_seconds:.2f} s")
    print(
        f"bare adblock engine (EasyList + EasyPrivacy): best {n / min(bare):,.0f} requests/s, "
        f"worst {n / max(bare):,.0f}"
    )
    print(
        f"moneytrail attribution (whole step: networks, initiators, ids, chains, miners; EasyList for unknown "
        f"networks): best {n / min(runs):,.0f} requests/s, worst {n / max(runs):,.0f}"
    )
    print(f"ratio attribution / bare engine (best passes): {min(bare) / min(runs):.2f}x")
    print(
        f"warm (engine and lists reused, as in a long crawl): bare engine best {n / min(warm_bare):,.0f} requests/s, "
        f"attribution best {n / min(warm_runs):,.0f} requests/s, ratio {min(warm_bare) / min(warm_runs):.2f}x"
    )
    print(
        f"coverage: EasyList calls {len(ads):,} requests ({len(ads) / n:.1%}) ads; the signatures name "
        f"{len(named):,} of them ({len(named) / max(1, len(ads)):.1%}): "
        + ", ".join(f"{k} {v}" for k, v in sorted(by_network.items(), key=lambda kv: -kv[1]))
    )
    unknown = {h.network for h in hits if h.network.startswith("unknown:")}
    print(
        f"network sightings: {len(hits):,} ({len(unknown)} distinct unknown:<host> networks named by EasyList "
        "alone, for an analyst to review)"
    )


if __name__ == "__main__":
    main()
