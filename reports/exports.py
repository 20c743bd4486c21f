"""`moneytrail export KIND`: the findings of the store as tables, a stable contract other tools read.

Every table's columns are listed in COLUMNS (the contract: documented in README, "Exports"; new columns
are only ever appended). `site` is the registrable domain of the watchlist site after mirror redirects,
`network` the canonical name from data/networks.toml or `unknown:<host>`, `advertiser` a registrable domain.
Times are UTC, ISO 8601. Lists inside a cell are joined with `;`."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from moneytrail.attribution.clusters import operators
from moneytrail.attribution.findings import EVIDENCE
from moneytrail.attribution.signatures import Signatures
from moneytrail.crawler.adstxt import sellers
from moneytrail.crawler.store import adstxt, findings
from moneytrail.crawler.store.findings import Scope

from . import EXPORT_FORMATS, EXPORT_KINDS

KINDS = EXPORT_KINDS
FORMATS = EXPORT_FORMATS
COLUMNS = {
    "links": ["site", "network", "advertiser", "kind", "visits", "first_seen", "last_seen", "category", "brokers"],
    "networks": ["site", "network", "evidence", "visits", "hosts"],
    "miners": ["site", "service", "site_key", "signals", "wallet", "visits"],
    "publisher-ids": ["site", "id_type", "id_value", "seller", "sources"],
    "clusters": ["cluster", "site", "binding_ids", "pooled_ids"],
}
__all__ = ["COLUMNS", "FORMATS", "KINDS", "Scope", "spreadsheet_safe", "table", "write"]


def _iso(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _joined(values) -> str:
    return ";".join(sorted({v for v in values if v}))


def links(store, scope: Scope) -> pd.DataFrame:
    rows: dict[tuple, dict] = {}
    for site, network, advertiser, kind, category, brokers, visit_id, started in findings.link_rows(store, scope):
        row = rows.setdefault(
            (site, network, advertiser, kind), {"visits": set(), "seen": [], "categories": [], "brokers": set()}
        )
        row["visits"].add(visit_id)
        row["seen"].append(started)
        row["categories"].append(category)
        row["brokers"].update(brokers or [])
    out = [
        {
            "site": k[0],
            "network": k[1],
            "advertiser": k[2],
            "kind": k[3],
            "visits": len(r["visits"]),
            "first_seen": _iso(min(r["seen"])),
            "last_seen": _iso(max(r["seen"])),
            "category": max(sorted(set(r["categories"])), key=r["categories"].count),
            "brokers": _joined(r["brokers"]),
        }
        for k, r in rows.items()
    ]
    return _frame("links", out, ["site", "network", "advertiser", "kind"])


def networks(store, scope: Scope) -> pd.DataFrame:
    rows: dict[tuple, dict] = {}
    for site, network, evidence, host, visit_id in findings.network_rows(store, scope):
        row = rows.setdefault((site, network), {"evidence": set(), "visits": set(), "hosts": set()})
        row["evidence"].add(evidence)
        row["hosts"].add(host)
        if visit_id is not None:
            row["visits"].add(visit_id)
    out = [
        {
            "site": k[0],
            "network": k[1],
            "evidence": ";".join(e for e in EVIDENCE if e in r["evidence"]),
            "visits": len(r["visits"]),
            "hosts": _joined(r["hosts"]),
        }
        for k, r in rows.items()
    ]
    return _frame("networks", out, ["site", "network"])


def miners(store, scope: Scope) -> pd.DataFrame:
    rows: dict[tuple, dict] = {}
    for site, service, site_key, wallet, signals, visit_id in findings.miner_rows(store, scope):
        row = rows.setdefault(
            (site, service, site_key or wallet or ""), {"signals": set(), "visits": set(), "wallet": wallet}
        )
        row["signals"].update(signals or [])
        row["visits"].add(visit_id)
        row["wallet"] = row["wallet"] or wallet
    out = [
        {
            "site": k[0],
            "service": k[1],
            "site_key": k[2],
            "signals": _joined(r["signals"]),
            "wallet": r["wallet"] or "",
            "visits": len(r["visits"]),
        }
        for k, r in rows.items()
    ]
    return _frame("miners", out, ["site", "service", "site_key"])


def _sellers(store, scope: Scope, accounts: dict[str, set[str]]) -> dict[str, dict]:
    """ad system domain -> {account: seller} for these ads.txt accounts, from one sellers.json per ad system (the
    latest read in scope, else the latest read): only those files are read, one at a time, and only the
    accounts asked for are kept."""
    found: dict[str, dict] = {}
    for system, file_id in adstxt.sellers_files(store, sorted(accounts), scope).items():
        found[system] = sellers(adstxt.file_body(store, file_id), accounts[system])
    return found


def publisher_ids(store, scope: Scope) -> pd.DataFrame:
    rows: dict[tuple, set] = {}
    for site, id_type, id_value, source in findings.id_rows(store, scope):
        rows.setdefault((site, id_type, id_value), set()).add(source)
    accounts: dict[str, set[str]] = {}
    for _, id_type, id_value in rows:
        if id_type == "adstxt_account":
            system, _, account = id_value.partition(":")
            accounts.setdefault(system, set()).add(account)
    directory = _sellers(store, scope, accounts)
    out = []
    for (site, id_type, id_value), sources in rows.items():
        seller = ""
        if id_type == "adstxt_account":
            system, _, account = id_value.partition(":")
            seller = directory.get(system, {}).get(account, {}).get("name", "")
        out.append(
            {"site": site, "id_type": id_type, "id_value": id_value, "seller": seller, "sources": _joined(sources)}
        )
    return _frame("publisher-ids", out, ["site", "id_type", "id_value"])


def clusters(store, scope: Scope, sigs: Signatures) -> pd.DataFrame:
    strong = {t for t in sigs.id_types if sigs.strong(t)}
    rows = [(site, t, v) for site, t, v, _ in findings.id_rows(store, scope, strong)]
    ops = operators(rows, sigs.strong)
    pooled_by_site: dict[str, list[str]] = {}
    for (t, v), sites in ops.pooled.items():
        for site in sites:
            pooled_by_site.setdefault(site, []).append(f"{t}:{v}")
    out, clustered = [], set()
    for cluster in ops.clusters:
        binding = ";".join(f"{t}:{v}" for t, v in cluster.binding_ids)
        for site in cluster.sites:
            clustered.add(site)
            out.append(
                {
                    "cluster": cluster.number,
                    "site": site,
                    "binding_ids": binding,
                    "pooled_ids": ";".join(sorted(pooled_by_site.get(site, []))),
                }
            )
    for site in sorted(set(pooled_by_site) - clustered):  # in no cluster, but carrying a pooled id: cluster 0
        out.append(
            {"cluster": 0, "site": site, "binding_ids": "", "pooled_ids": ";".join(sorted(pooled_by_site[site]))}
        )
    return _frame("clusters", out, ["cluster", "site"])


def _frame(kind: str, rows: list[dict], order: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=COLUMNS[kind])
    return frame.sort_values(order, kind="stable").reset_index(drop=True) if len(frame) else frame


def table(store, kind: str, scope: Scope, sigs: Signatures) -> pd.DataFrame:
    if kind == "clusters":
        return clusters(store, scope, sigs)
    return {"links": links, "networks": networks, "miners": miners, "publisher-ids": publisher_ids}[kind](store, scope)


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """CSV cells a spreadsheet would run as a formula (text from crawled pages starting with = + - @) get a
    leading apostrophe, as OWASP advises; JSON and Parquet keep values as they are."""

    def guard(value):
        if not isinstance(value, str):
            return value
        value = CONTROL.sub("", value)  # a page's control characters: no spreadsheet takes them
        return "'" + value if value.startswith(FORMULA_START) else value

    return (
        frame.apply(lambda column: column.map(guard) if not pd.api.types.is_numeric_dtype(column) else column)
        if len(frame)
        else frame
    )


def write(frame: pd.DataFrame, fmt: str, path: Path | None):
    """Write `frame` as `fmt` to `path` (or return the text, for csv and json, when path is None)."""
    if fmt == "csv":
        return spreadsheet_safe(frame).to_csv(path, index=False, lineterminator="\n")
    if fmt == "json":
        text = json.dumps(json.loads(frame.to_json(orient="records")), indent=1, ensure_ascii=False)
        if path is None:
            return text + "\n"
        path.write_text(text + "\n", encoding="utf-8")
        return None
    if path is None:
        raise ValueError("parquet needs --out DIR")
    frame.to_parquet(path, index=False)
    return None
