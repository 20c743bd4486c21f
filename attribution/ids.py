"""Publisher ids a visited page carries, and ads.txt / sellers.json.

Ids are read from what the site itself serves: inline scripts of its own frames, its own script files (the
texts kept with the visit), the attributes of its page's tags, and the URLs its main frame requests (never
from inside an ad creative, which may carry another publisher's ids); each text also with its disguises
taken off (texts.py: escapes, concatenations, base64). A network's extractors read only what that network
served (`url`, `src` attributes) or its own inline tag; the extractors of data/ids.toml read everything.
Miner keys and wallets come from the miners found.

ads.txt is parsed by crawler/adstxt.py (the IAB specification; one parser for the whole project). DIRECT
accounts are the site's own (`adstxt_account` ids, and `adstxt` evidence for a known network); RESELLER
lines are intermediaries' accounts and bind nothing. OWNERDOMAIN names the business that owns the site
(`adstxt_owner`, its registrable domain: sites naming one owner are one operator's); MANAGERDOMAIN the sales
house that sells it (`adstxt_manager`, `domain` or `domain:COUNTRY`, which binds nothing: a sales house
sells many owners' sites)."""

from __future__ import annotations

import re
from collections import Counter
from functools import partial
from urllib.parse import urljoin

from moneytrail.crawler.adstxt import AdsTxtFile, parse_adstxt
from moneytrail.crawler.domains import registrable_domain
from moneytrail.crawler.observation import Observation

from .findings import Miner, NetworkHit, PublisherId
from .requests import RequestNetworks, fast_host
from .signatures import IdRule, Signatures
from .texts import variants

MAX_IDS_PER_TYPE = 20  # a page stuffed with ids says nothing more than one with a few


def _keep(out: dict, pid: PublisherId) -> None:
    if pid not in out and sum(1 for known in out if known.id_type == pid.id_type) < MAX_IDS_PER_TYPE:
        out[pid] = None


def _search(rule: IdRule, text: str, source: str, out: dict) -> None:
    if rule.hint is not None and rule.hint not in text:
        return
    for match in rule.pattern.finditer(text):
        if match.group(1):
            _keep(out, PublisherId(rule.type, match.group(1), source, rule.network))


def _attribute(
    rule: IdRule, tag: str, attrs: dict[str, str], served_by: str | None, out: dict, present: set[str] = frozenset()
) -> None:
    value = attrs.get(rule.attribute)
    if value is None or (rule.element and rule.element != tag) or (rule.seen and rule.network not in present):
        return
    if rule.klass and rule.klass not in attrs.get("class", "").split():
        return
    if rule.src and served_by != rule.network:
        return
    for name, pattern in rule.with_:
        if not pattern.search(attrs.get(name, "")):
            return
    match = rule.pattern.match(value.strip())
    if match:
        found = match.group(1) if rule.pattern.groups else match.group(0)
        if found:
            _keep(out, PublisherId(rule.type, found, "attribute", rule.network))


DATA_TYPES = ("json", "ld+json", "importmap", "speculationrules", "template", "x-template", "html")
# frameworks' page data, written as a script: a CMS article in it may link to a network's site
DATA_PREFIXES = ("self.__next_f.push(", "window.__NUXT__=", "window.__NUXT__ =", "window.__INITIAL_STATE__",
                 "window.__APOLLO_STATE__", "window.__PRELOADED_STATE__")  # fmt: skip


def data_script(kind: str, text: str) -> bool:
    """Is an inline script data rather than code (its type, or a framework's page-data shape)?"""
    kind = (kind or "").lower()
    if kind and any(kind.endswith("/" + t) or kind == t for t in DATA_TYPES):
        return True
    start = text.lstrip()
    return start.startswith(("{", "[")) or start.startswith(DATA_PREFIXES)


def own_texts(obs: Observation, texts: dict[str, str] | None) -> list[tuple[str, str]]:
    """(source, text) of the code the site itself serves: its frames' inline scripts (`inline`) and its own
    script files (`script`), each variant of each (texts.py)."""
    site = obs.final_site or obs.site
    found = [
        ("inline" if not data_script(s.type, s.excerpt) else "data", s.excerpt)
        for s in obs.inline_scripts
        if registrable_domain(fast_host(s.frame_url)) == site
    ]
    for script in obs.scripts:
        text = (texts or {}).get(script.sha256)
        if text and script.first_party:
            found.append(("script", text))
    return [(source, variant) for source, text in found for variant in variants(text)]


def page_ids(
    obs: Observation,
    sigs: Signatures,
    rn: RequestNetworks,
    miners: list[Miner],
    own: list[tuple[str, str]] | None = None,
) -> list[PublisherId]:
    site = obs.final_site or obs.site
    out: dict[PublisherId, None] = {}
    own_scripts = own if own is not None else own_texts(obs, None)
    main_frames = {f.id for f in obs.frames if f.parent is None and f.page == 0}
    own_urls, arrived = [], False
    for r in obs.requests:
        if r.page != 0 or (r.frame is not None and r.frame not in main_frames):
            continue
        if r.navigation:
            here = registrable_domain(fast_host(r.url)) == site
            if arrived and not here:
                break  # the tab went elsewhere (a tab-under): what follows is the advertiser's, not the site's
            arrived = arrived or here  # (redirects from an old mirror domain come before)
        own_urls.append((r.url, rn.by_request.get(r.id, (None,))[0]))
    global_rules, network_rules = sigs.extractors, sigs.network_rules
    inline_rules = [r for r in global_rules if r.source in ("inline", "text")]
    inline_rules += [r for r in network_rules if r.source == "inline"]
    url_rules = [r for r in global_rules if r.source in ("url", "text")]
    for source, text in own_scripts:
        label = "inline" if source == "data" else source
        for id_type, value, network in sigs.per_text("ids", text, partial(_ids_in, rules=inline_rules)):
            _keep(out, PublisherId(id_type, value, label, network))
    for url, network in own_urls:
        for rule in url_rules:
            if rule.hint is None or rule.hint in url:
                _search(rule, url, "url", out)
        for rule in sigs.url_rules_of(network) if network else ():
            _search(rule, url, "url", out)
    present = {hit.network for hit in rn.hits}  # networks whose own hosts the page requested
    for element in obs.elements:
        src = element.attrs.get("src") or element.attrs.get("href") or ""
        if src:
            try:
                src = urljoin(obs.final_url or obs.url, src)  # relative and protocol-relative tags
            except ValueError:
                src = ""
        served_by = rn.network_of_url(src, sigs) if src else None
        for rule in global_rules:
            if rule.source == "attribute":
                _attribute(rule, element.tag, element.attrs, served_by, out)
            elif rule.source == "text":
                for value in element.attrs.values():
                    for variant in variants(value):
                        _search(rule, variant, "attribute", out)
        for rule in network_rules:
            if rule.source == "attribute":
                _attribute(rule, element.tag, element.attrs, served_by, out, present)
            elif rule.source == "url" and served_by == rule.network and src:
                _search(rule, src, "url", out)
    for miner in miners:
        if miner.site_key:
            _keep(out, PublisherId("miner_site_key", miner.site_key, "websocket", None))
        if miner.wallet:
            _keep(out, PublisherId("miner_wallet", miner.wallet, "websocket", None))
    return list(out)


LOADS = re.compile(  # where code loads what a URL points to
    r"\.src\b|\bsrc\s*[=:]|createElement|<script|<iframe|appendChild|insertBefore|write\(|import\(|open\(|location"
    r"|\.href\b",
    re.I,
)
PROBES = re.compile(r"\bfetch\(|XMLHttpRequest|['\"]HEAD['\"]|navigator\.sendBeacon", re.I)  # where it only asks


def _loaded(text: str, match: re.Match, reach: int = 300) -> bool:
    """Is the URL written where code loads it (a script's src, an inserted tag, a window it opens or goes to),
    not where it is only fetched to see whether an ad blocker stops it?"""
    around = text[max(0, match.start() - reach) : match.end() + reach]
    return bool(LOADS.search(around)) and not PROBES.search(around)


URL_LITERAL = re.compile(
    r"(?:https?:)?//([a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+)[/:'\"?#]", re.I
)


def _ids_in(text: str, rules: list[IdRule]) -> tuple[tuple[str, str, str | None], ...]:
    """(id type, id, network) of the matches of `rules` in `text`, in rule order: each once, and no more of a type
    than a page keeps (MAX_IDS_PER_TYPE; a text repeating an id thousands of times is remembered as one). `_keep`
    never takes more than that many of a type, so what it keeps is the same."""
    found: dict[tuple[str, str, str | None], None] = {}
    per_type: Counter = Counter()
    for rule in rules:
        if rule.hint is not None and rule.hint not in text:
            continue
        for match in rule.pattern.finditer(text):
            key = (rule.type, match.group(1), rule.network)
            if key[1] and key not in found and per_type[rule.type] < MAX_IDS_PER_TYPE:
                found[key] = None
                per_type[rule.type] += 1
    return tuple(found)


def _tags_in(text: str, mode: str, sigs: Signatures) -> tuple[str, ...]:
    """The networks whose tag is in `text` (`mode`: code, data or script): by tag shape, or by a URL of one of their
    hosts written where code loads it."""
    found: dict[str, None] = {}
    for pattern, network in sigs.inline_tags:
        if pattern.search(text):
            found[network] = None
    # code, not data (an article's links to a network's site), nor a library's table of every endpoint
    if "//" in text and mode != "data" and not (mode == "script" and sigs.library(text)):
        for match in URL_LITERAL.finditer(text):
            host = match.group(1).lower()
            network = sigs.network_of_host(host)
            if network and not sigs.not_a_network(host) and _loaded(text, match):
                found[network] = None
    return tuple(found)


def inline_tags(
    obs: Observation, sigs: Signatures, ids: list[PublisherId], own: list[tuple[str, str]] | None = None
) -> list[NetworkHit]:
    """Networks whose tag is in the site's own code (evidence `inline`): by tag shape, by a URL of one of
    their hosts written in the code (however it was disguised), or by a publisher id of theirs."""
    site = obs.final_site or obs.site
    hits: dict[NetworkHit, None] = {}
    for source, text in own if own is not None else own_texts(obs, None):
        mode = source if source in ("data", "script") else "code"
        for network in sigs.per_text(f"tags:{mode}", text, partial(_tags_in, mode=mode, sigs=sigs)):
            hits[NetworkHit(network, "inline", site)] = None
    for network in sigs.networks_of_globals(obs.globals):
        hits[NetworkHit(network, "inline", site)] = None
    for pid in ids:
        if pid.network and pid.source in ("inline", "script", "attribute"):
            hits[NetworkHit(pid.network, "inline", site)] = None
    return list(hits)


# --- ads.txt and sellers.json -----------------------------------------------------------------------------


def adstxt_findings(text: str, sigs: Signatures) -> tuple[list[NetworkHit], list[PublisherId], AdsTxtFile]:
    parsed = parse_adstxt(text)
    hits, ids = {}, {}
    for record in parsed.records:
        if record.relationship != "DIRECT":
            continue
        network = sigs.adstxt_systems.get(record.ad_system)
        if network:
            hits[NetworkHit(network, "adstxt", record.ad_system)] = None
        ids[PublisherId("adstxt_account", f"{record.ad_system}:{record.account_id}", "adstxt", network)] = None
    owner = parsed.variables.owner_domain
    if owner:
        ids[PublisherId("adstxt_owner", registrable_domain(owner), "adstxt")] = None
    for manager in parsed.variables.managers:
        value = f"{manager.domain}:{manager.country}" if manager.country else manager.domain
        ids[PublisherId("adstxt_manager", value, "adstxt")] = None
    return list(hits), list(ids), parsed
