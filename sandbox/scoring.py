"""Score moneytrail's exports (`moneytrail export all --out DIR`, CSV) against the sandbox's ground truth.

For a crawl by the default visitor (stealth on, no country, English): precision and recall of
site-network pairs, site-network-advertiser links, links with their kind, miners (site, service, key or
wallet), publisher ids (site, type, value) and operator clusters (pairs of sites put together); and how many
decoys were flagged (a miner on a site whose only miner-like thing is a decoy, a link from a share box)."""

from __future__ import annotations

import csv
from itertools import combinations
from pathlib import Path


def applicable(when: dict, *, country: str | None = None, language: str = "en", consent: str = "accept") -> bool:
    """Does a truth item apply to a stealthy visitor from `country` (None: any other) speaking `language`, who
    answers consent banners with `consent` (accept, reject, off)?"""
    for key, value in when.items():
        if key == "consent" and value != consent:
            return False
        if key == "country" and value != (country or "other"):
            return False
        if key == "language" and value != language and not (value == "other" and language not in ("de", "fr")):
            return False
    return True


def truth_sets(
    truth: dict, *, country: str | None = None, language: str = "en", consent: str = "accept"
) -> dict[str, set]:
    ok = [s for s in truth["sites"] if s["status"] == "ok"]
    links = [
        (s["domain"], link)
        for s in ok
        for link in s["links"]
        if applicable(link["when"], country=country, language=language, consent=consent)
    ]
    pairs = set()
    for op in truth["operators"]:
        pairs |= set(combinations(sorted(op["sites"]), 2))
    return {
        "networks": {
            (s["domain"], n) for s in ok for n in s["networks"] if consent == "accept" or not s.get("consent")
        },
        "links": {(d, link["network"], link["advertiser"]) for d, link in links},
        "link kinds": {(d, link["network"], link["advertiser"], link["kind"]) for d, link in links},
        "miners": {(s["domain"], m["service"], m["site_key"] or m["wallet"]) for s in ok for m in s["miners"]},
        "publisher ids": {(s["domain"], p["type"], p["value"]) for s in ok for p in s["publisher_ids"]},
        "clusters (pairs)": pairs,
    }


def _rows(directory: Path, kind: str) -> list[dict]:
    with (directory / f"{kind}.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def predicted_sets(directory: str | Path) -> dict[str, set]:
    directory = Path(directory)
    links = _rows(directory, "links")
    clusters: dict[str, list[str]] = {}
    for row in _rows(directory, "clusters"):
        if row["cluster"] != "0":  # 0: in no cluster (a site listed for its pooled ids)
            clusters.setdefault(row["cluster"], []).append(row["site"])
    pairs = set()
    for sites in clusters.values():
        pairs |= set(combinations(sorted(sites), 2))
    return {
        "networks": {(r["site"], r["network"]) for r in _rows(directory, "networks")},
        "links": {(r["site"], r["network"], r["advertiser"]) for r in links},
        "link kinds": {(r["site"], r["network"], r["advertiser"], r["kind"]) for r in links},
        "miners": {(r["site"], r["service"], r["site_key"]) for r in _rows(directory, "miners")},
        "publisher ids": {(r["site"], r["id_type"], r["id_value"]) for r in _rows(directory, "publisher-ids")},
        "clusters (pairs)": pairs,
    }


def decoys_flagged(truth: dict, predicted: dict[str, set]) -> tuple[int, int, list]:
    """(decoys flagged, decoys in all, what was flagged)."""
    flagged, total = [], 0
    miner_sites = {site for site, _, _ in predicted["miners"]}
    truth_miner_sites = {s["domain"] for s in truth["sites"] for _ in s["miners"]}
    truth_links = truth_sets(truth)["links"]
    for site in truth["sites"]:
        for decoy in site["decoys"]:
            total += 1
            if decoy["kind"] != "share_popup":  # wasm and WebSocket decoys: a miner where there is none
                if site["domain"] in miner_sites and site["domain"] not in truth_miner_sites:
                    flagged.append((site["domain"], decoy["kind"]))
            elif any(
                link[0] == site["domain"] and link not in truth_links and link[2] == site["domain"]
                for link in predicted["links"]
            ):
                flagged.append((site["domain"], decoy["kind"]))
    return len(flagged), total, flagged


def score(directory: str | Path, truth: dict, **visitor) -> dict:
    """{measure: {precision, recall, tp, fp, fn, false_positives, misses}} and `decoys`."""
    expected, found = truth_sets(truth, **visitor), predicted_sets(directory)
    out: dict = {}
    for measure, want in expected.items():
        got = found[measure]
        tp = len(want & got)
        out[measure] = {
            "precision": tp / len(got) if got else 1.0,
            "recall": tp / len(want) if want else 1.0,
            "tp": tp,
            "fp": len(got - want),
            "fn": len(want - got),
            "false_positives": sorted(got - want),
            "misses": sorted(want - got),
        }
    n, total, what = decoys_flagged(truth, found)
    out["decoys"] = {"flagged": n, "total": total, "which": what}
    return out


def table(result: dict) -> str:
    lines = ["| measure | precision | recall | found right | false positives | missed |", "|---|---|---|---|---|---|"]
    for measure, r in result.items():
        if measure == "decoys":
            continue
        lines.append(f"| {measure} | {r['precision']:.3f} | {r['recall']:.3f} | {r['tp']} | {r['fp']} | {r['fn']} |")
    d = result["decoys"]
    lines.append(f"| decoys flagged | | | | {d['flagged']} of {d['total']} | |")
    return "\n".join(lines)
