"""The attribution step as the crawl's pipeline and `reanalyze` run it: signatures and filter lists loaded
once, then `visit(observation)` and `adstxt(...)` give the findings to store."""

from __future__ import annotations

from dataclasses import dataclass

from moneytrail.crawler.domains import registrable_domain
from moneytrail.crawler.observation import Observation

from .attribute import attribute
from .findings import Findings
from .ids import adstxt_findings
from .lists import FilterLists, load_default
from .signatures import Signatures, load


@dataclass
class Analyzer:
    signatures: Signatures
    lists: FilterLists | None = None

    @classmethod
    def from_options(cls, data: str | None = None, lists: str | None = None) -> Analyzer:
        return cls(load(data), load_default(lists))

    def visit(self, obs: Observation, texts: dict[str, str] | None = None) -> Findings:
        return attribute(obs, self.signatures, self.lists, texts)

    def adstxt(self, domain: str, kind: str, outcome: str, body: str | None) -> Findings | None:
        """Findings of a site's ads.txt / app-ads.txt (None for anything else, or a file not read)."""
        if kind not in ("ads.txt", "app-ads.txt") or outcome != "ok" or not body:
            return None
        findings = Findings(registrable_domain(domain))
        findings.networks, findings.ids, _ = adstxt_findings(body, self.signatures)
        return findings
