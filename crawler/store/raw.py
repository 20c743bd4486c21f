"""The stored rows as they are, streamed for the raw exports (`moneytrail export parquet`, `browse`): the visits
of a scope with their decoded Observations, and the rows of the finding tables, page by page in row-id order
(keyset paging: each page is its own short query, so nothing holds the whole store in memory or a read
transaction open for the whole export)."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select

from moneytrail.crawler.observation import Observation

from .db import Store
from .findings import Scope
from .schema import AdsTxt, FindingId, FindingLink, FindingMiner, FindingNetwork, Site, Visit
from .visits import observations_of

FINDING_TABLES = {"links": FindingLink, "networks": FindingNetwork, "ids": FindingId, "miners": FindingMiner}
VISIT_COLUMNS = [column for column in Visit.__table__.columns if column.name != "observation"]


def _pages(store: Store, query, key, size: int) -> Iterator[list[dict]]:
    """The rows of `query` (a select of named columns) as dicts, `size` at a time, in order of `key` (a unique
    integer column among them)."""
    last = None
    while True:
        page = query.order_by(key).limit(size)
        if last is not None:
            page = page.where(key > last)
        with store.session() as s:
            rows = [dict(row._mapping) for row in s.execute(page)]
        if not rows:
            return
        yield rows
        last = rows[-1][key.name]


def visit_pages(store: Store, scope: Scope, size: int = 200) -> Iterator[list[tuple[dict, Observation | Exception]]]:
    """The visits in scope, oldest row first, `size` at a time: each as its row's columns (`site`: its watchlist
    site's domain, None once that site is deleted) and its Observation, or the exception that stopped reading it
    (a damaged observation costs its own visit only)."""
    query = scope.visits(select(*VISIT_COLUMNS, Site.domain.label("site")).outerjoin(Site, Site.id == Visit.site_id))
    for rows in _pages(store, query, Visit.id, size):
        observations = dict(observations_of(store, [row["id"] for row in rows]))
        yield [(row, observations[row["id"]]) for row in rows]


def finding_pages(store: Store, kind: str, scope: Scope, size: int = 5000) -> Iterator[list[dict]]:
    """The rows of one finding table (a key of FINDING_TABLES), every column, `size` at a time: those of the
    visits in scope, then those of the ads.txt files in scope (networks and ids only)."""
    table = FINDING_TABLES[kind]
    columns = list(table.__table__.columns)
    yield from _pages(store, scope.visits(select(*columns).join(Visit, Visit.id == table.visit_id)), table.id, size)
    if hasattr(table, "adstxt_id"):
        by_file = scope.files(select(*columns).join(AdsTxt, AdsTxt.id == table.adstxt_id))
        yield from _pages(store, by_file, table.id, size)
