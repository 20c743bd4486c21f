"""`moneytrail export parquet`: the store's raw tables for an analyst's own tools, one Parquet file a table.

The visits, their requests, their windows (pop-ups, pop-unders, ads followed) and each window's redirect chain
hop by hop (`hops`) come from each visit's Observation, decoded one page of visits at a time; the findings
(`links`, `networks`, `ids`, `miners`) are the finding tables' rows, one per finding per visit (or ads.txt
file), not the aggregates of `export links` & co. Every table joins the others on `visit_id`. The columns are
data (TABLES: name, type, meaning), documented in README, "Raw tables", and `moneytrail browse` shows the same
rows (reports/browse.py). Lists inside a cell are joined with `;`; times are UTC."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from moneytrail.crawler.domains import host_of, site_of
from moneytrail.crawler.observation import Observation
from moneytrail.crawler.store import raw
from moneytrail.crawler.store.findings import Scope

INT, TEXT, REAL, BOOL, TIME = pa.int64(), pa.string(), pa.float64(), pa.bool_(), pa.timestamp("us", tz="UTC")
ROW_GROUP = 50_000  # rows a Parquet row group holds (the most a table buffers)


@dataclass(frozen=True)
class Column:
    name: str
    type: pa.DataType
    meaning: str


@dataclass(frozen=True)
class Table:
    description: str
    columns: tuple[Column, ...]

    def schema(self) -> pa.Schema:
        return pa.schema([(c.name, c.type) for c in self.columns])


def _table(description: str, *columns: tuple) -> Table:
    return Table(description, tuple(Column(*c) for c in columns))


VISIT_ID = ("visit_id", INT, "the visit (`visits.visit_id`)")
TABLES = {
    "visits": _table(
        "one row a visit of a page",
        ("visit_id", INT, "the visit's row id in the store"),
        ("uid", TEXT, "the visit's id as reports and notice packs cite it (`moneytrail visit UID`)"),
        ("run_id", INT, "its crawl run"),
        ("site", TEXT, "its watchlist site (registrable domain)"),
        ("url", TEXT, "the URL visited"),
        ("page_kind", TEXT, "home or inner"),
        ("started_at", TIME, "when it started"),
        ("duration", REAL, "seconds it took"),
        ("status", TEXT, "ok, dead, timeout, crashed, hostile"),
        ("error", TEXT, "why it failed"),
        ("http_status", INT, "the page's HTTP status"),
        ("final_url", TEXT, "the URL after redirects"),
        ("final_site", TEXT, "its registrable domain (a mirror's)"),
        ("title", TEXT, "the page's title"),
        ("profile", TEXT, "the visitor profile (`default`: none)"),
        ("country", TEXT, "the profile's country"),
        ("consent", TEXT, "cookie consent: accepted, rejected, none, off, failed..."),
        ("consent_cmp", TEXT, "the consent platform"),
        ("hostile", TEXT, "what the page did to the visitor (dialog_storm...)"),
        ("n_requests", INT, "requests recorded"),
        ("n_windows", INT, "windows recorded"),
        ("n_websockets", INT, "WebSockets opened"),
        ("n_wasm", INT, "WebAssembly modules seen"),
        ("screenshot", TEXT, "the page's screenshot, relative to the screenshots folder"),
        ("archive", TEXT, "its archive (WARC), relative to the screenshots folder"),
    ),
    "requests": _table(
        "every request of every visit",
        VISIT_ID,
        ("request_id", INT, "its id in the visit"),
        ("url", TEXT, "the URL requested"),
        ("host", TEXT, "its host"),
        ("method", TEXT, "GET, POST..."),
        ("resource_type", TEXT, "document, script, image, xhr..."),
        ("page", INT, "the visit's page that made it (0: the page visited; null: a worker)"),
        ("frame", INT, "its frame in that page"),
        ("navigation", BOOL, "a navigation request"),
        ("step", INT, "the visit's step during which it was made"),
        ("started", REAL, "seconds into the visit"),
        ("ended", REAL, "seconds into the visit"),
        ("initiator", TEXT, "the script Chromium names as its initiator"),
        ("initiator_type", TEXT, "parser, script, preload, other..."),
        ("redirected_from", INT, "the `request_id` this one is a redirect of"),
        ("worker", INT, "the visit's worker that made it"),
        ("status", INT, "HTTP status (null: no answer)"),
        ("mime", TEXT, "the answer's MIME type"),
        ("failure", TEXT, "why it failed"),
    ),
    "windows": _table(
        "every ad shown in a window: pop-ups, pop-unders and tab-unders, ads followed",
        VISIT_ID,
        ("window_id", INT, "its number in the visit (0, 1...)"),
        ("page", INT, "the visit's page it was shown in"),
        ("kind", TEXT, "popup, tabunder, ad_link"),
        ("step", INT, "the visit's step during which it opened"),
        ("opened_at", REAL, "seconds into the visit"),
        ("opener_page", INT, "the page that opened it"),
        ("first_url", TEXT, "the first URL of its chain"),
        ("landing_url", TEXT, "where the chain ended"),
        ("landing_site", TEXT, "its registrable domain"),
        ("landing_title", TEXT, "the landing page's title"),
        ("screenshot", TEXT, "the landing page's screenshot, relative to the screenshots folder"),
        ("hops", INT, "hops in its chain (`hops` table)"),
        ("closed", BOOL, "closed by the page itself"),
        ("over_limit", BOOL, "opened past the pop-up limit: closed at once, chain not followed"),
        ("unsettled", BOOL, "still redirecting when the visit ended"),
        ("previous", INT, "the `window_id` of the ad this window showed before"),
    ),
    "hops": _table(
        "each window's redirect chain, hop by hop",
        VISIT_ID,
        ("window_id", INT, "its window (`windows.window_id`)"),
        ("hop", INT, "its place in the chain (0: the first URL)"),
        ("url", TEXT, "the URL"),
        ("host", TEXT, "its host"),
        ("via", TEXT, "how the window got there: open, http (30x), meta, js, form, link"),
        ("method", TEXT, "GET, POST"),
        ("status", INT, "HTTP status"),
        ("at", REAL, "seconds into the visit"),
    ),
    "links": _table(
        "every ad followed to its advertiser, per visit",
        VISIT_ID,
        ("site", TEXT, "the site it ran on"),
        ("network", TEXT, "the ad network (`unknown:<host>` when unnamed)"),
        ("advertiser", TEXT, "the advertiser (registrable domain)"),
        ("kind", TEXT, "display, popunder, tabunder, popup, push, native, overlay, redirect"),
        ("category", TEXT, "the advertiser's category"),
        ("brokers", TEXT, "the hosts between network and advertiser, in chain order"),
        ("chain", TEXT, "every host of the chain, `>` between them"),
        ("landing_url", TEXT, "the landing page"),
        ("landing_title", TEXT, "its title"),
        ("page", INT, "the visit's page it landed in"),
        ("screenshot", TEXT, "the landing page's screenshot, relative to the screenshots folder"),
        ("page_screenshot", TEXT, "the pirate page just before the click that opened it (null: the visit's)"),
    ),
    "networks": _table(
        "every ad network seen, per visit or ads.txt file",
        ("visit_id", INT, "the visit (null: seen in an ads.txt file)"),
        ("adstxt_id", INT, "the ads.txt file it is listed in"),
        ("site", TEXT, "the site"),
        ("network", TEXT, "the ad network"),
        ("evidence", TEXT, "host, initiator, inline, chain, adstxt, list"),
        ("host", TEXT, "the host that showed it"),
    ),
    "ids": _table(
        "every publisher id a site carries, per visit or ads.txt file",
        ("visit_id", INT, "the visit (null: read in an ads.txt file)"),
        ("adstxt_id", INT, "the ads.txt file it is read in"),
        ("site", TEXT, "the site"),
        ("id_type", TEXT, "ga4, adsense, popads_site_id, adstxt_account..."),
        ("id_value", TEXT, "the id"),
        ("source", TEXT, "where it was read: inline, url, miner, adstxt..."),
        ("network", TEXT, "the network it is an account of"),
    ),
    "miners": _table(
        "every browser miner found, per visit",
        VISIT_ID,
        ("site", TEXT, "the site"),
        ("service", TEXT, "the mining service"),
        ("site_key", TEXT, "its site key"),
        ("wallet", TEXT, "the wallet, when the pool speaks stratum"),
        ("pool", TEXT, "the pool's URL"),
        ("signals", TEXT, "what gave it away"),
    ),
}
OBSERVED = ("visits", "requests", "windows", "hops")  # the tables decoded from observations


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)  # SQLite keeps no zone


def _joined(values) -> str:
    return ";".join(str(v) for v in values or ())


def _visit(row: dict, obs: Observation | Exception) -> dict:
    profile = row["profile"] or {}
    return {
        **{c.name: row.get(c.name) for c in TABLES["visits"].columns},
        "visit_id": row["id"],
        "site": row["site"] or getattr(obs, "site", None),
        "started_at": _utc(row["started_at"]),
        "profile": profile.get("name") or "default",
        "country": profile.get("country"),
        "hostile": _joined(row["hostile"]),
    }


def _observed(visit_id: int, obs: Observation, out: dict[str, list]) -> None:
    """The requests, windows and hops of one observation, appended to `out`."""
    out["requests"] += [
        {
            "visit_id": visit_id,
            "request_id": r.id,
            "url": r.url,
            "host": host_of(r.url),
            "method": r.method,
            "resource_type": r.resource_type,
            "page": r.page,
            "frame": r.frame,
            "navigation": r.navigation,
            "step": r.step,
            "started": r.started,
            "ended": r.ended,
            "initiator": r.initiator,
            "initiator_type": r.initiator_type,
            "redirected_from": r.redirected_from,
            "worker": r.worker,
            "status": r.status,
            "mime": r.mime,
            "failure": r.failure,
        }
        for r in obs.requests
    ]
    for n, w in enumerate(obs.windows):
        out["windows"].append(
            {
                "visit_id": visit_id,
                "window_id": n,
                "page": w.page,
                "kind": w.kind,
                "step": w.step,
                "opened_at": w.opened_at,
                "opener_page": w.opener_page,
                "first_url": w.chain[0].url if w.chain else None,
                "landing_url": w.landing_url or None,
                "landing_site": site_of(w.landing_url) if w.landing_url else None,
                "landing_title": w.landing_title or None,
                "screenshot": w.screenshot,
                "hops": len(w.chain),
                "closed": w.closed,
                "over_limit": w.over_limit,
                "unsettled": w.unsettled,
                "previous": w.previous,
            }
        )
        out["hops"] += [
            {
                "visit_id": visit_id,
                "window_id": n,
                "hop": i,
                "url": h.url,
                "host": host_of(h.url),
                "via": h.via,
                "method": h.method,
                "status": h.status,
                "at": h.at,
            }
            for i, h in enumerate(w.chain)
        ]


def _finding(kind: str, row: dict) -> dict:
    out = {c.name: row.get(c.name) for c in TABLES[kind].columns}
    for name in ("brokers", "signals"):
        if name in out:
            out[name] = _joined(out[name])
    if kind == "links":
        out["chain"] = " > ".join(str(hop.get("host", "")) for hop in row["chain"] or ())
    return out


def batches(store, scope: Scope, unreadable: list | None = None) -> Iterator[tuple[str, list[dict]]]:
    """(table, rows) for every table of TABLES, a page of visits (or of findings) at a time, rows as dicts of
    the table's columns. The visit ids of observations that could not be read are appended to `unreadable`
    (their visit is there, their requests, windows and hops are not)."""
    for page in raw.visit_pages(store, scope):
        out: dict[str, list] = {name: [] for name in OBSERVED}
        for row, obs in page:
            out["visits"].append(_visit(row, obs))
            if isinstance(obs, Exception):
                if unreadable is not None:
                    unreadable.append(row["id"])
            else:
                _observed(row["id"], obs, out)
        yield from out.items()
    for kind in raw.FINDING_TABLES:
        for page in raw.finding_pages(store, kind, scope):
            yield kind, [_finding(kind, row) for row in page]


@dataclass
class Written:
    rows: dict[str, int]  # table -> rows written
    unreadable: list[int]  # visit ids whose observation could not be read
    paths: dict[str, Path]


def fill(store, scope: Scope, add: Callable[[str, list[dict]], None], progress=None) -> Written:
    """Hand every batch of rows to `add(table, rows)`; `progress(visits)` after each page of visits."""
    written = Written(dict.fromkeys(TABLES, 0), [], {})
    for table, rows in batches(store, scope, written.unreadable):
        if rows:
            add(table, rows)
            written.rows[table] += len(rows)
        if table == OBSERVED[-1] and progress is not None:
            progress(written.rows["visits"])
    return written


def write_parquet(store, scope: Scope, folder: Path, progress=None) -> Written:
    """`folder`/<table>.parquet for every table of TABLES (with its schema, even with no row), in row groups of
    ROW_GROUP rows. Each file is written under a temporary name and renamed once all are complete: an export
    that fails leaves the files of the one before, if any."""
    folder.mkdir(parents=True, exist_ok=True)
    final = {name: folder / f"{name}.parquet" for name in TABLES}  # names of our own, never from page data
    temporary = {name: folder / f".{name}.parquet.partial" for name in TABLES}
    schemas = {name: table.schema() for name, table in TABLES.items()}
    writers = {name: pq.ParquetWriter(temporary[name], schemas[name]) for name in TABLES}
    buffers: dict[str, list[pa.RecordBatch]] = {name: [] for name in TABLES}  # columnar: compact

    def flush(name: str) -> None:
        if buffers[name]:
            writers[name].write_table(pa.Table.from_batches(buffers[name], schemas[name]))
            buffers[name] = []

    def add(name: str, rows: list[dict]) -> None:
        buffers[name].append(pa.RecordBatch.from_pylist(rows, schemas[name]))
        if sum(len(batch) for batch in buffers[name]) >= ROW_GROUP:
            flush(name)

    complete = False
    try:
        written = fill(store, scope, add, progress)
        for name in TABLES:
            flush(name)
        complete = True
    finally:
        for writer in writers.values():
            writer.close()
        if not complete:  # nothing half-written is left behind
            for path in temporary.values():
                path.unlink(missing_ok=True)
    for name in TABLES:
        os.replace(temporary[name], final[name])
    written.paths = final
    return written
