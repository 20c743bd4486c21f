"""ads.txt, app-ads.txt and sellers.json fetches: each stored with its outcome, its body (under the size cap)
and the findings of an ads.txt file, in one transaction."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from sqlalchemy import select

from .db import Store
from .findings import add_findings
from .schema import AdsTxt

PUBLISHER_FILES = ("ads.txt", "app-ads.txt")


def utcnow() -> datetime:
    return datetime.now(UTC)


def write_adstxt(
    store: Store,
    *,
    run_id: int | None,
    site_id: int | None,
    domain: str,
    kind: str,
    url: str,
    outcome: str,
    final_url: str | None = None,
    http_status: int | None = None,
    error: str | None = None,
    size: int | None = None,
    body: str | None = None,
    findings=None,
) -> None:
    with store.session() as s, s.begin():
        row = AdsTxt(
            run_id=run_id,
            site_id=site_id,
            domain=domain,
            kind=kind,
            url=url,
            final_url=final_url,
            outcome=outcome,
            http_status=http_status,
            error=error,
            size=size,
            body=body,
            fetched_at=utcnow(),
        )
        s.add(row)
        if findings is not None:
            s.flush()
            add_findings(s, findings, adstxt_id=row.id)


def adstxt_ids(store: Store, since=None) -> list[int]:
    """Row ids of every ads.txt / app-ads.txt file stored (fetched at or after `since`), oldest first."""
    query = select(AdsTxt.id).where(AdsTxt.kind.in_(PUBLISHER_FILES))
    if since is not None:
        query = query.where(AdsTxt.fetched_at >= since)
    with store.session() as s:
        return list(s.scalars(query.order_by(AdsTxt.id)))


def adstxt_files(store: Store, ids: list[int]) -> list[tuple[int, str, str, str, str | None]]:
    """(row id, domain, kind, outcome, body) of these files."""
    with store.session() as s:
        return [
            tuple(r)
            for r in s.execute(
                select(AdsTxt.id, AdsTxt.domain, AdsTxt.kind, AdsTxt.outcome, AdsTxt.body).where(AdsTxt.id.in_(ids))
            )
        ]


def sellers_bodies(store: Store) -> Iterator[tuple[str, str]]:
    """(domain, body) of every sellers.json read, oldest first (a later file of a domain wins)."""
    query = (
        select(AdsTxt.domain, AdsTxt.body)
        .where(AdsTxt.kind == "sellers.json", AdsTxt.outcome == "ok")
        .order_by(AdsTxt.fetched_at)
    )
    with store.session() as s:
        for domain, body in s.execute(query):
            yield domain, body or ""
