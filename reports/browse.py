"""`moneytrail browse`: the store in Datasette, through a companion database.

Datasette reads SQLite tables, and the store keeps each visit's requests, windows and redirect chains inside
its Observation, a compressed blob. So `browse` writes `browse.db` beside the store: a plain SQLite file of the
raw tables of `export parquet` (reports/raw_tables.py: the same rows, the same decoder), with indexes for the
canned queries, remade whole at each start (under a temporary name, renamed when complete). Datasette only ever
reads that copy: never the live store a crawl may be writing. The metadata (titles, descriptions, column
meanings, facets, canned queries) is data, below; stored screenshots show as images through the plugin in
reports/datasette_plugin.py, served from the screenshots folder mounted read-only at /screenshots/."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from markupsafe import escape

from moneytrail.crawler.store.findings import Scope

from .raw_tables import BOOL, INT, REAL, TABLES, Written, fill

COMPANION = "browse.db"
DATABASE = "browse"  # Datasette names a database after its file
MOUNT = "screenshots"  # /screenshots/<path relative to the screenshots folder>
PLUGIN = "moneytrail-screenshots"
SQL_TYPES = {INT: "INTEGER", REAL: "REAL", BOOL: "INTEGER"}  # anything else is TEXT (times as ISO 8601, UTC)
INDEXES = {
    "visits": [("site", "started_at"), ("started_at",)],
    "requests": [("visit_id",), ("host",)],
    "windows": [("visit_id", "window_id"), ("landing_site",)],
    "hops": [("visit_id", "window_id", "hop"), ("host",)],
    "links": [("network COLLATE NOCASE",), ("visit_id",), ("site",), ("advertiser",)],
    "networks": [("network",), ("visit_id",), ("site",)],
    "ids": [("id_value",), ("visit_id",), ("site",)],
    "miners": [("visit_id",), ("site",)],
}
FACETS = {
    "visits": ["status", "site", "profile", "consent"],
    "requests": ["resource_type", "status"],
    "windows": ["kind", "landing_site"],
    "hops": ["via", "status"],
    "links": ["network", "category", "kind", "site"],
    "networks": ["network", "evidence", "site"],
    "ids": ["id_type", "network", "site"],
    "miners": ["service", "site"],
}
SORTED = {"visits": "started_at"}  # newest first
QUERIES = {
    "ads_of_a_network": {
        "title": "Ads of a network",
        "description": "Every ad a network served (its name in any case: PopAds, popads), newest first: the site it "
        "ran on, where it led, who paid, and the landing page's screenshot.",
        "sql": """select v.started_at, l.site, l.kind, l.advertiser, l.category, l.brokers, l.chain, l.landing_url,
  l.landing_title, l.screenshot, v.uid as visit
from links l join visits v on v.visit_id = l.visit_id
where l.network = :network collate nocase
order by v.started_at desc, l.visit_id desc
limit 1000""",
    },
    "sites_of_an_operator": {
        "title": "Sites of an operator",
        "description": "The sites that carry one publisher id (an id value, or type:value as `export clusters` "
        "lists binding ids): one account, one operator. How often and where each was seen.",
        "sql": """select i.site, i.id_type, i.id_value, count(distinct i.visit_id) as visits,
  group_concat(distinct i.source) as sources, min(v.started_at) as first_seen, max(v.started_at) as last_seen
from ids i left join visits v on v.visit_id = i.visit_id
where i.id_value = :id_value or i.id_type || ':' || i.id_value = :id_value
group by i.site, i.id_type, i.id_value
order by visits desc, i.site""",
    },
    "chains_of_a_site": {
        "title": "Chains of a site",
        "description": "Every window a site's visits opened (pop-ups, pop-unders, ads followed), its redirect chain "
        "hop by hop, newest visit first, the landing page's screenshot on the chain's last hop. The site as "
        "listed or as a mirror it redirected to.",
        "sql": """select v.started_at, v.uid as visit, w.window_id, w.kind, h.hop, h.via, h.status, h.url,
  w.landing_site, case when h.hop = w.hops - 1 then w.screenshot end as screenshot
from visits v
join windows w on w.visit_id = v.visit_id
join hops h on h.visit_id = w.visit_id and h.window_id = w.window_id
where :site in (v.site, v.final_site)
order by v.started_at desc, v.visit_id desc, w.window_id, h.hop
limit 2000""",
    },
}


def companion_of(store_file: Path) -> Path:
    """Where the companion of the SQLite store at `store_file` is written: beside it."""
    return store_file.with_name(COMPANION)


def _key(table: str, column: str) -> str:
    """visits.visit_id is the key the other tables' visit_id refers to (Datasette links them)."""
    if column != "visit_id":
        return ""
    return " PRIMARY KEY" if table == "visits" else " REFERENCES visits (visit_id)"


def _sql_value(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def build_companion(store, path: Path, progress=None) -> Written:
    """Write the companion database at `path`: every raw table of the whole store, indexed."""
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    connection = sqlite3.connect(partial)
    try:
        connection.execute("PRAGMA journal_mode=OFF")  # a scratch file, renamed only once complete
        connection.execute("PRAGMA synchronous=OFF")
        inserts = {}
        for name, table in TABLES.items():
            columns = ", ".join(f"{c.name} {SQL_TYPES.get(c.type, 'TEXT')}{_key(name, c.name)}" for c in table.columns)
            connection.execute(f"CREATE TABLE {name} ({columns})")
            inserts[name] = f"INSERT INTO {name} VALUES ({', '.join('?' * len(table.columns))})"

        def add(name: str, rows: list[dict]) -> None:
            names = [c.name for c in TABLES[name].columns]
            connection.executemany(inserts[name], ([_sql_value(row[c]) for c in names] for row in rows))

        written = fill(store, Scope(), add, progress)
        for name, indexes in INDEXES.items():
            for columns in indexes:
                label = "_".join(c.split()[0] for c in columns)
                connection.execute(f"CREATE INDEX ix_{name}_{label} ON {name} ({', '.join(columns)})")
        connection.commit()
    except BaseException:
        connection.close()
        partial.unlink(missing_ok=True)
        raise
    connection.close()
    os.replace(partial, path)
    return written


def _description(table) -> str:
    """A table's description, and its columns' meanings folded away under it (Datasette would list them all
    above the rows)."""
    columns = "".join(f"<dt>{escape(c.name)}</dt><dd>{escape(c.meaning)}</dd>" for c in table.columns)
    return f"<p>{escape(table.description)}</p><details><summary>columns</summary><dl>{columns}</dl></details>"


def metadata(screenshots: Path) -> dict:
    """Datasette's metadata for the companion: titles, descriptions, column meanings, facets, canned queries,
    and where the screenshots plugin finds the files."""
    tables = {
        name: {
            "title": name,
            "description_html": _description(table),
            "facets": FACETS[name],
            **({"sort_desc": SORTED[name]} if name in SORTED else {}),
        }
        for name, table in TABLES.items()
    }
    tables["visits"]["label_column"] = "uid"  # other tables' visit_id links to its visit, labelled by its uid
    return {
        "title": "moneytrail",
        "description": "What the crawler saw on piracy sites and who it found paying: visits, their requests, "
        "windows and redirect chains, and the findings. Read-only.",
        "databases": {
            DATABASE: {
                "title": "moneytrail store",
                "description": "The raw tables of `moneytrail export parquet`, joined on visit_id (README, "
                "Raw tables). A copy of the store made when `moneytrail browse` started.",
                "tables": tables,
                "queries": QUERIES,
            }
        },
        "plugins": {PLUGIN: {"folder": str(screenshots), "mount": MOUNT}},
    }


def datasette(companion: Path, meta: dict):
    """The Datasette of the companion (read-only), its screenshots served at /screenshots/ and shown by the
    plugin."""
    from datasette.app import Datasette
    from datasette.plugins import pm

    from . import datasette_plugin

    if not pm.is_registered(datasette_plugin):
        pm.register(datasette_plugin, name=PLUGIN)
    folder = meta["plugins"][PLUGIN]["folder"]
    return Datasette(
        files=[str(companion)],
        metadata=meta,
        static_mounts=[(MOUNT, folder)],
        settings={"sql_time_limit_ms": 5000, "facet_time_limit_ms": 500},
    )


def address(host: str, port: int) -> str:
    """The database's page on host:port."""
    return f"http://{f'[{host}]' if ':' in host else host}:{port}/{DATABASE}"


def serve(instance, host: str, port: int, open_browser: bool) -> None:
    """Serve `instance` on host:port until interrupted, opening a browser on the database once it listens."""
    import asyncio
    import threading
    import webbrowser

    import uvicorn

    asyncio.run(instance.invoke_startup())
    if open_browser:
        opener = threading.Timer(1.5, webbrowser.open, [address(host, port)])
        opener.daemon = True
        opener.start()
    uvicorn.run(instance.app(), host=host, port=port, log_level="warning", lifespan="on")
