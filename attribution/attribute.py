"""`attribute(observation, signatures, lists, texts) -> Findings`: the whole attribution of one visit, pure.

`texts` are the kept texts of the visit's script files (sha256 -> text), stored beside the observation.

Networks per request (requests.py), inline tags and publisher ids (ids.py), chains to advertisers
(popups.py), miners (miners.py). Nothing here touches the browser, the network or the store."""

from __future__ import annotations

from moneytrail.crawler.observation import Observation

from .findings import EVIDENCE, Findings, NetworkHit
from .ids import inline_tags, own_texts, page_ids
from .lists import FilterLists
from .miners import attribute_miners
from .popups import attribute_popups
from .requests import attribute_requests
from .signatures import Signatures


def attribute(
    obs: Observation, sigs: Signatures, lists: FilterLists | None = None, texts: dict[str, str] | None = None
) -> Findings:
    site = obs.final_site or obs.site
    findings = Findings(site)
    if not obs.requests and not obs.windows:
        return findings
    rn = attribute_requests(obs, sigs, lists)
    findings.links, chain_hits = attribute_popups(obs, sigs, rn)
    findings.miners = attribute_miners(obs, sigs, rn.miner_list_hosts, rn.hosts, texts)
    own = own_texts(obs, texts)
    findings.ids = page_ids(obs, sigs, rn, findings.miners, own)
    hits: dict[NetworkHit, None] = dict(rn.hits)
    for hit in inline_tags(obs, sigs, findings.ids, own) + chain_hits:
        hits.setdefault(hit, None)
    order = {e: i for i, e in enumerate(EVIDENCE)}
    findings.networks = sorted(hits, key=lambda h: (h.network, order[h.evidence], h.host))
    return findings
