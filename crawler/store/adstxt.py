"""ads.txt, app-ads.txt and sellers.json fetches: each stored with its outcome, its body (when read), the
redirects followed and the findings of an ads.txt file, in one transaction. Text from the network is stored
without control characters (PostgreSQL refuses NUL in text): a stray byte never loses a file."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from moneytrail.crawler.adstxt import clean_text

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
    content_type: str | None = None,
    hops: list[dict] | None = None,
    findings=None,
) -> None:
    def text(value: str | None, limit: int | None = None) -> str | None:
        return None if value is None else clean_text(value)[:limit]

    with store.session() as s, s.begin():
        row = AdsTxt(
            run_id=run_id,
            site_id=site_id,
            domain=text(domain, 253),
            kind=kind,
            url=text(url),
            final_url=text(final_url),
            outcome=outcome,
            http_status=http_status,
            error=text(error),
            size=size,
            body=text(body),
            content_type=text(content_type, 200),
            hops=[{k: text(v) if isinstance(v, str) else v for k, v in hop.items()} for hop in hops] if hops else None,
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


def sellers_files(store: Store, systems: list[str], scope=None) -> dict[str, int]:
    """ad system domain -> row id of the sellers.json to read for it: the latest one read in `scope` (a
    findings.Scope: a run, a period), else the latest one read at all; systems never read are left out."""
    chosen: dict[str, int] = {}
    queries = [select(AdsTxt.domain, AdsTxt.id).where(AdsTxt.kind == "sellers.json", AdsTxt.outcome == "ok")]
    if scope is not None:
        queries.insert(0, scope.files(queries[0]))
    with store.session() as s:
        for query in queries:
            missing = [system for system in systems if system not in chosen]
            for start in range(0, len(missing), 500):
                batch = query.where(AdsTxt.domain.in_(missing[start : start + 500]))
                for domain, file_id in s.execute(batch.order_by(AdsTxt.fetched_at, AdsTxt.id)):
                    chosen[domain] = file_id  # the latest wins
    return chosen


def file_body(store: Store, file_id: int) -> str:
    """The stored body of one fetched file ('' when none was kept)."""
    with store.session() as s:
        return s.scalar(select(AdsTxt.body).where(AdsTxt.id == file_id)) or ""
