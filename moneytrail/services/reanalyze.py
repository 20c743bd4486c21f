"""`moneytrail reanalyze`: every stored finding recomputed from the stored observations and ads.txt bodies
(optionally of visits and files since a date), without crawling, after the signature data or lists changed.
In batches; each batch's findings replace the old ones in one transaction."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from moneytrail.attribution.analyzer import Analyzer
from moneytrail.crawler.store import adstxt, findings, visits

BATCH = 200
logger = logging.getLogger(__name__)


def reanalyze(
    store, analyzer: Analyzer, since: datetime | None = None, progress: Callable[[int, int], None] | None = None
) -> dict[str, int]:
    """Recompute the findings of every visit (started at or after `since`) and ads.txt file (fetched at or after
    `since`). Returns counts: visits and files reanalysed, links, networks, miners, ids, errors."""
    visit_ids, file_ids = visits.visit_ids(store, since), adstxt.adstxt_ids(store, since)
    total, done = len(visit_ids) + len(file_ids), 0
    counts = {"visits": 0, "adstxt": 0, "links": 0, "networks": 0, "miners": 0, "ids": 0, "errors": 0}
    for start in range(0, len(visit_ids), BATCH):
        batch, found = visit_ids[start : start + BATCH], {}
        observed = list(visits.observations_of(store, batch))
        shas = {s.sha256 for _, o in observed if not isinstance(o, Exception) for s in o.scripts}
        texts = visits.texts_of(store, shas) if shas else {}
        for visit_id, observation in observed:
            try:
                if isinstance(observation, Exception):
                    raise observation
                found[visit_id] = analyzer.visit(observation, texts)
            except Exception:
                logger.exception("visit %s could not be attributed; its findings stay empty", visit_id)
                counts["errors"] += 1
                found[visit_id] = None
                continue
            counts["visits"] += 1
            for key in ("links", "networks", "miners", "ids"):
                counts[key] += len(getattr(found[visit_id], key))
        findings.replace_findings(store, found, {})
        done += len(batch)
        if progress:
            progress(done, total)
    for start in range(0, len(file_ids), BATCH):
        batch, found = file_ids[start : start + BATCH], {}
        for file_id, domain, kind, outcome, body in adstxt.adstxt_files(store, batch):
            found[file_id] = analyzer.adstxt(domain, kind, outcome, body)
            counts["adstxt"] += found[file_id] is not None
        findings.replace_findings(store, {}, found)
        done += len(batch)
        if progress:
            progress(done, total)
    return counts
