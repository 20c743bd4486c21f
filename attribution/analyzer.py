"""The attribution step as the crawl and `reanalyze` run it: signatures and filter lists loaded once, then
`visit(observation)` and `adstxt(...)` give the findings to store. `reanalyze` recomputes every stored finding
(optionally of visits since a date) from the stored observations and ads.txt bodies, without crawling."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from moneytrail.crawler.domains import registrable_domain
from moneytrail.crawler.observation import Observation

from .attribute import attribute
from .findings import Findings
from .ids import adstxt_findings
from .lists import FilterLists, load_default
from .signatures import Signatures, load

BATCH = 200
logger = logging.getLogger(__name__)


@dataclass
class Analyzer:
    signatures: Signatures
    lists: FilterLists | None = None

    @classmethod
    def from_options(cls, data: str | None = None, lists: str | None = None) -> Analyzer:
        return cls(load(data), load_default(lists))

    def visit(self, obs: Observation) -> Findings:
        return attribute(obs, self.signatures, self.lists)

    def adstxt(self, domain: str, kind: str, outcome: str, body: str | None) -> Findings | None:
        """Findings of a site's ads.txt / app-ads.txt (None for anything else, or a file not read)."""
        if kind not in ("ads.txt", "app-ads.txt") or outcome != "ok" or not body:
            return None
        findings = Findings(registrable_domain(domain))
        findings.networks, findings.ids, _ = adstxt_findings(body, self.signatures)
        return findings


def reanalyze(
    store, analyzer: Analyzer, since: datetime | None = None, progress: Callable[[int, int], None] | None = None
) -> dict[str, int]:
    """Recompute findings of every stored visit (started at or after `since`) and ads.txt file (fetched at or
    after `since`), in batches, each batch one transaction. Returns counts."""
    from moneytrail.crawler.store.schema import AdsTxt, Visit
    from moneytrail.crawler.store.writer import add_findings, clear_findings, unpack

    with store.session() as s:
        visits = select(Visit.id)
        files = select(AdsTxt.id).where(AdsTxt.kind.in_(("ads.txt", "app-ads.txt")))
        if since is not None:
            visits, files = visits.where(Visit.started_at >= since), files.where(AdsTxt.fetched_at >= since)
        visit_ids = list(s.scalars(visits.order_by(Visit.id)))
        file_ids = list(s.scalars(files.order_by(AdsTxt.id)))
    total, done = len(visit_ids) + len(file_ids), 0
    counts = {"visits": 0, "adstxt": 0, "links": 0, "networks": 0, "miners": 0, "ids": 0, "errors": 0}
    for start in range(0, len(visit_ids), BATCH):
        batch = visit_ids[start : start + BATCH]
        with store.session() as s, s.begin():
            clear_findings(s, visit_ids=batch)
            for visit_id, blob in s.execute(select(Visit.id, Visit.observation).where(Visit.id.in_(batch))):
                try:
                    findings = analyzer.visit(unpack(blob))
                except Exception:
                    logger.exception("visit %s could not be attributed; its findings stay empty", visit_id)
                    counts["errors"] += 1
                    continue
                add_findings(s, findings, visit_id=visit_id)
                counts["visits"] += 1
                for key in ("links", "networks", "miners", "ids"):
                    counts[key] += len(getattr(findings, key))
        done += len(batch)
        if progress:
            progress(done, total)
    for start in range(0, len(file_ids), BATCH):
        batch = file_ids[start : start + BATCH]
        with store.session() as s, s.begin():
            clear_findings(s, adstxt_ids=batch)
            rows = s.execute(
                select(AdsTxt.id, AdsTxt.domain, AdsTxt.kind, AdsTxt.outcome, AdsTxt.body).where(AdsTxt.id.in_(batch))
            )
            for file_id, domain, kind, outcome, body in rows:
                findings = analyzer.adstxt(domain, kind, outcome, body)
                if findings is not None:
                    add_findings(s, findings, adstxt_id=file_id)
                    counts["adstxt"] += 1
        done += len(batch)
        if progress:
            progress(done, total)
    return counts
