"""Signature data (`data/*.toml`): ad networks, publisher ids, miner services and protocols, advertiser
categories. Loaded once, validated on load (a `SignatureError` names the file and the entry), compiled
into lookups that the pure attribution steps use: a host-family index, regexes, id rules.

The data directory is `--data DIR`, else `MONEYTRAIL_DATA`, else the project's own `data/`."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from moneytrail.crawler.domains import HOST_RE
from moneytrail.crawler.tomlfile import TomlFileError, read_toml
from moneytrail.data import DATA_DIR

from .findings import LINK_KINDS

if TYPE_CHECKING:
    from .brands import Brands

try:  # the regex parser, for literal hints (Python 3.11+: re._parser)
    import re._constants as _sre_constants
    import re._parser as _sre_parse
except ImportError:  # pragma: no cover
    import sre_constants as _sre_constants
    import sre_parse as _sre_parse

FORMATS = LINK_KINDS  # the formats a network serves are the kinds of links attribution finds
DEFAULT_DIR = DATA_DIR
DATA_FILES = ("ids.toml", "networks.toml", "miners.toml", "categories.toml", "brands.toml")
MAINSTREAM = "mainstream"  # the category of brands' ads (brands.toml, and the mainstream category's domains)
ID_SOURCES = ("inline", "url", "attribute", "text")
TEXT_CACHE_SIZE = 4096  # texts whose scans Signatures.per_text remembers (what each scan found, bounded by its rules)


class SignatureError(ValueError):
    """Bad signature data: the message names the file, the entry and the field."""


def literal_hint(pattern: re.Pattern) -> str | None:
    """The longest run of literal characters every match of `pattern` contains (None if it has none or
    ignores case): a substring test on it skips the regex for the texts that cannot match."""
    if pattern.flags & re.IGNORECASE:
        return None
    try:
        parsed = _sre_parse.parse(pattern.pattern, pattern.flags)
    except Exception:
        return None
    best, run = "", []

    def walk(items) -> None:
        nonlocal best, run
        for op, arg in items:
            if op is _sre_constants.LITERAL:
                run.append(chr(arg))
                continue
            if len("".join(run)) > len(best):
                best = "".join(run)
            run = []
            if op is _sre_constants.SUBPATTERN:
                if arg[1] & re.IGNORECASE:
                    raise _CaseBlind
                walk(arg[-1])
        if len("".join(run)) > len(best):
            best = "".join(run)
        run = []

    try:
        walk(parsed)
    except _CaseBlind:
        return None
    return best or None


class _CaseBlind(Exception):
    """A group ignores case: no literal hint is safe."""


@dataclass(frozen=True)
class IdRule:
    type: str
    source: str  # inline, url, attribute, text (any of the three texts)
    pattern: re.Pattern
    network: str | None = None  # rules of a network apply to what that network served (url, src attributes)
    attribute: str | None = None
    element: str | None = None
    klass: str | None = None
    src: bool = False
    hint: str | None = None  # a substring every match contains (see literal_hint)
    with_: tuple[tuple[str, re.Pattern], ...] = ()  # attribute rules: other attributes the element must have
    seen: bool = False  # only on a page that requested the network's own hosts (markup two networks share)


@dataclass(frozen=True)
class Network:
    name: str
    formats: tuple[str, ...]
    hosts: tuple[str, ...]
    aliases: tuple[str, ...] = ()
    company: str | None = None
    entities: tuple[str, ...] = ()
    country: str | None = None
    adstxt: tuple[str, ...] = ()
    urls: tuple[re.Pattern, ...] = ()
    inline: tuple[re.Pattern, ...] = ()
    ids: tuple[IdRule, ...] = ()
    globals: tuple[re.Pattern, ...] = ()  # window globals its code defines (matched whole)
    contacts: tuple[Contact, ...] = ()  # where to report its ads on a piracy site, as it publishes them


CONTACT_KINDS = ("copyright form", "copyright email", "abuse email", "compliance email", "report page")


@dataclass(frozen=True)
class Contact:
    """A channel a network publishes for reports (copyright, abuse, compliance), with the page that says so."""

    kind: str  # one of CONTACT_KINDS
    address: str  # a URL, or an email address
    source: str  # the page that publishes it
    checked: str  # when that page was read (YYYY-MM-DD)
    note: str = ""


@dataclass(frozen=True)
class MinerService:
    name: str
    hosts: tuple[str, ...]
    closed: int | None = None
    inline: tuple[re.Pattern, ...] = ()  # its init call in page code (group 1, if any: a key or wallet)
    scripts: tuple[re.Pattern, ...] = ()  # its library file by name, served from any host (regex over a URL path)
    keys: tuple[re.Pattern, ...] = ()  # a key or wallet in a URL it is loaded or spoken to with (group 1)


@dataclass(frozen=True)
class Protocol:
    id: str
    field: str
    auth: str
    job: str
    submit: str
    key: tuple[str, ...]  # dotted paths (list indices allowed) where the auth message carries the key or wallet
    key_type: str
    job_blob: tuple[str, ...] = ()
    submit_params: tuple[str, ...] = ()


@dataclass(frozen=True)
class Category:
    name: str
    high_risk: bool
    label: str
    domains: tuple[str, ...] = ()
    keywords: tuple[re.Pattern, ...] = ()


@dataclass
class Signatures:
    networks: dict[str, Network]
    id_types: dict[str, dict]  # type -> {strong, label}
    extractors: tuple[IdRule, ...]  # global id rules (not tied to a network)
    services: dict[str, MinerService]
    protocols: tuple[Protocol, ...]
    wasm_exports: tuple[re.Pattern, ...]
    wasm_sha256: frozenset[str]
    categories: tuple[Category, ...]
    source: Path
    _network_host: dict[str, str] = field(default_factory=dict, repr=False)
    _miner_host: dict[str, str] = field(default_factory=dict, repr=False)
    _category_host: dict[str, str] = field(default_factory=dict, repr=False)
    _host_cache: dict[str, tuple[str | None, str | None, bool]] = field(default_factory=dict, repr=False)
    _text_cache: dict[tuple[str, bytes], tuple] = field(default_factory=dict, repr=False)
    adstxt_systems: dict[str, str] = field(default_factory=dict)  # ads.txt ad system domain -> network
    not_networks: frozenset[str] = frozenset()  # host families that are no ad network of the site they are on
    not_network_urls: tuple[re.Pattern, ...] = ()  # URLs under a network's hosts that are not the network's
    embeds: frozenset[str] = frozenset()  # host families of embeds whose frames' requests are theirs
    miner_inline: tuple[re.Pattern, ...] = ()  # miner SDK calls of no one service (group 1, if any: a key)
    libraries: tuple[re.Pattern, ...] = ()  # multi-network libraries a site serves as its own file (Prebid.js)
    brands: Brands | None = None  # brand lists (brands.toml): their domains are mainstream advertisers

    def __post_init__(self) -> None:
        for net in self.networks.values():
            for host in net.hosts:
                self._network_host[host] = net.name
            for system in net.adstxt:
                self.adstxt_systems[system] = net.name
        self._ignored = dict.fromkeys(self.not_networks, "-")
        self._embeds = dict.fromkeys(self.embeds, "-")
        self.global_patterns = tuple((p, net.name) for net in self.networks.values() for p in net.globals)
        for svc in self.services.values():
            for host in svc.hosts:
                self._miner_host[host] = svc.name
        for cat in self.categories:
            for host in cat.domains:
                self._category_host.setdefault(host, cat.name)
        for host in self.brands.domains() if self.brands else ():
            self._category_host.setdefault(host, MAINSTREAM)
        patterns = [(p, net.name, literal_hint(p)) for net in self.networks.values() for p in net.urls]
        self._url_patterns = tuple(patterns)
        self.network_rules = tuple(rule for net in self.networks.values() for rule in net.ids)
        self._url_rules = {net.name: tuple(r for r in net.ids if r.source == "url") for net in self.networks.values()}
        self.inline_tags = tuple((p, net.name) for net in self.networks.values() for p in net.inline)

    # --- hosts -------------------------------------------------------------------------------------
    def host(self, host: str) -> tuple[str | None, str | None, bool]:
        """(ad network, miner service, listed as no network) of `host`'s family; cached per host. The most
        specific entry wins: `ad.doubleclick.net` (an advertiser's click tracker, listed as no network) is not
        Google AdSense, whose family is `doubleclick.net`."""
        found = self._host_cache.get(host)
        if found is None:
            network, network_depth = _family_depth(host, self._network_host)
            ignored, ignored_depth = _family_depth(host, self._ignored)
            if ignored is not None and ignored_depth >= network_depth:
                network = None
            found = (network, _family(host, self._miner_host), ignored is not None)
            if len(self._host_cache) > 200_000:
                self._host_cache.clear()
            self._host_cache[host] = found
        return found

    # --- texts -------------------------------------------------------------------------------------
    def per_text(self, kind: str, text: str, compute: Callable[[str], tuple]) -> tuple:
        """`compute(text)`, a pure function of a text and these signatures, remembered per `kind` and text. A
        site's scripts (WordPress's jQuery, its theme's and plugins' files) come back on each of its pages and the
        same library on many sites: scanning each with every pattern again was nine tenths of the attribution's
        time on pages of 100+ requests. Texts are keyed by a digest, not kept; the memory is emptied when full."""
        key = (kind, hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest())
        found = self._text_cache.get(key)
        if found is None:
            if len(self._text_cache) >= TEXT_CACHE_SIZE:
                self._text_cache.clear()
            found = self._text_cache[key] = compute(text)
        return found

    def not_a_network(self, host: str) -> bool:
        return self.host(host)[2]

    def network_named(self, name: str) -> str | None:
        """The canonical name of the network a user calls `name`: its name or one of its aliases, in any case."""
        wanted = name.strip().casefold()
        for net in self.networks.values():
            if wanted == net.name.casefold() or wanted in (alias.casefold() for alias in net.aliases):
                return net.name
        return None

    def network_of_host(self, host: str) -> str | None:
        return self.host(host)[0]

    def miner_of_host(self, host: str) -> str | None:
        return self.host(host)[1]

    def not_network_url(self, url: str) -> bool:
        """Is `url` an endpoint under a network's host that is not the network's (an advertiser's pixel)?"""
        return any(p.search(url) for p in self.not_network_urls)

    def embed(self, host: str) -> bool:
        """Is `host` an embed (a video or comment platform) whose frame's requests are its own, not the site's?"""
        return _family(host, self._embeds) is not None

    def library(self, text: str) -> bool:
        """Is this script text a multi-network library (a Prebid.js build), whose URLs name no network of the
        site (it holds the endpoints of everything compiled in, used or not)?"""
        return any(p.search(text) for p in self.libraries)

    def networks_of_globals(self, names: list[str]) -> set[str]:
        """Networks whose code defined one of these window globals."""
        return {net for p, net in self.global_patterns for n in names if p.fullmatch(n)}

    def network_of_url(self, url: str) -> str | None:
        """A network named by a URL pattern (for networks whose hosts rotate)."""
        for pattern, name, hint in self._url_patterns:
            if (hint is None or hint in url) and pattern.search(url):
                return name
        return None

    def url_rules_of(self, network: str) -> tuple[IdRule, ...]:
        return self._url_rules.get(network, ())

    def category_of_domain(self, domain: str) -> str | None:
        return _family(domain, self._category_host)

    def fingerprint(self) -> str:
        """A short digest of the data files this was loaded from: which signature data made a result."""
        digest = hashlib.sha256()
        for name in DATA_FILES:
            path = self.source / name
            if path.exists():
                digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
        return f"sha256:{digest.hexdigest()[:16]}"

    def mainstream(self, advertisers) -> frozenset[str]:
        """The advertisers (registrable domains) that are brands of the brand lists or mainstream domains."""
        return frozenset(a for a in advertisers if a and self.category_of_domain(a) == MAINSTREAM)

    def with_brands(self, paths) -> Signatures:
        """These signatures with more brand lists (`--brands FILE`), read and checked."""
        from dataclasses import replace

        from .brands import Brands

        indexes = ("_network_host", "_miner_host", "_category_host", "_host_cache", "_text_cache", "adstxt_systems")
        fresh = {k: {} for k in indexes}
        return replace(self, brands=(self.brands or Brands()).plus(paths), **fresh)  # indexes built anew

    def strong(self, id_type: str) -> bool:
        return bool(self.id_types.get(id_type, {}).get("strong"))


def _family_depth(host: str, index: dict[str, str]) -> tuple[str | None, int]:
    """(value, number of labels of the entry that matched) of `host`'s nearest family in `index`."""
    while host:
        name = index.get(host)
        if name is not None:
            return name, host.count(".") + 1
        dot = host.find(".")
        if dot < 0:
            return None, 0
        host = host[dot + 1 :]
    return None, 0


def _family(host: str, index: dict[str, str]) -> str | None:
    """The value of `host` or of its nearest parent domain in `index`."""
    while host:
        name = index.get(host)
        if name is not None:
            return name
        dot = host.find(".")
        if dot < 0:
            return None
        host = host[dot + 1 :]
    return None


# --- loading and validation ---------------------------------------------------------------------------


class _Entry:
    """One table of a data file, with errors that say where it is."""

    def __init__(self, path: Path, where: str, data):
        self.path, self.where, self.data = path, where, data
        if not isinstance(data, dict):
            self.fail("must be a table")

    def fail(self, message: str, key: str | None = None):
        at = f"{self.where}.{key}" if key else self.where
        raise SignatureError(f"{self.path}: {at}: {message}")

    def str(self, key: str, required: bool = True) -> str | None:
        value = self.data.get(key)
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value.strip():
            self.fail("a non-empty string is required", key)
        return value.strip()

    def strings(self, key: str) -> tuple[str, ...]:
        value = self.data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.fail("must be a list of non-empty strings", key)
        return tuple(v.strip() for v in value)

    def hosts(self, key: str, required: bool = False) -> tuple[str, ...]:
        hosts = tuple(h.lower() for h in self.strings(key))
        if required and not hosts:
            self.fail("at least one host name is required", key)
        for host in hosts:
            if not HOST_RE.match(host):
                self.fail(f"{host!r} is not a host name", key)
        return hosts

    def regex(self, value, key: str, group: bool = False) -> re.Pattern:
        if not isinstance(value, str) or not value:
            self.fail("must be a regular expression (a string)", key)
        try:
            pattern = re.compile(value)
        except re.error as exc:
            self.fail(f"bad regular expression {value!r}: {exc}", key)
        if group and pattern.groups < 1:
            self.fail(f"{value!r} needs a capture group: group 1 is the id", key)
        return pattern

    def regexes(self, key: str, group: bool = False) -> tuple[re.Pattern, ...]:
        value = self.data.get(key, [])
        if not isinstance(value, list):
            self.fail("must be a list of regular expressions", key)
        return tuple(self.regex(v, f"{key}[{i}]", group) for i, v in enumerate(value))

    def bool(self, key: str, default: bool = False) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            self.fail("must be true or false", key)
        return value

    def only(self, *keys: str) -> None:
        unknown = sorted(set(self.data) - set(keys))
        if unknown:
            self.fail(f"unknown field(s) {', '.join(unknown)} (known: {', '.join(keys)})")


def _read(path: Path) -> dict:
    if not path.exists():
        raise SignatureError(f"{path}: no such file (signature data directory: {path.parent})")
    try:
        return read_toml(path)
    except TomlFileError as exc:
        raise SignatureError(str(exc)) from None


def _tables(path: Path, data: dict, key: str) -> list[_Entry]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise SignatureError(f"{path}: {key}: must be an array of tables ([[{key}]])")
    entries = []
    for i, item in enumerate(value):
        name = item.get("name") or item.get("type") or item.get("id") if isinstance(item, dict) else None
        entries.append(_Entry(path, f"{key}[{i}]" + (f" ({name})" if isinstance(name, str) else ""), item))
    return entries


def _contacts(entry: _Entry) -> tuple[Contact, ...]:
    """A network's `contacts`: each a table of kind, address (URL or email), source (URL), checked (date)."""
    value = entry.data.get("contacts", [])
    if not isinstance(value, list):
        entry.fail("must be an array of tables", "contacts")
    out = []
    for i, item in enumerate(value):
        sub = _Entry(entry.path, f"{entry.where}.contacts[{i}]", item)
        sub.only("kind", "address", "source", "checked", "note")
        kind, address, source, checked = (sub.str(k) for k in ("kind", "address", "source", "checked"))
        if kind not in CONTACT_KINDS:
            sub.fail(f"unknown kind {kind!r} (known: {', '.join(CONTACT_KINDS)})", "kind")
        url = re.compile(r"https?://[^\s/]+\.[^\s]+")
        if not (url.fullmatch(address) or re.fullmatch(r"[^@\s]+@[^@\s]+\.[a-z]{2,}", address)):
            sub.fail(f"{address!r} is neither a URL nor an email address", "address")
        if not url.fullmatch(source):
            sub.fail(f"{source!r}: the page that publishes the contact (a URL) is required", "source")
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", checked):
            sub.fail(f"{checked!r} is not a date (YYYY-MM-DD)", "checked")
        out.append(Contact(kind, address, source, checked, sub.str("note", False) or ""))
    return tuple(out)


def _id_rule(entry: _Entry, key: str, rule, id_types: dict, network: str | None) -> IdRule:
    sub = _Entry(entry.path, f"{entry.where}.{key}", rule)
    sub.only("type", *ID_SOURCES, "value", "element", "class", "src", "with", "seen")
    id_type = sub.str("type")
    if id_type not in id_types:
        sub.fail(f"unknown id type {id_type!r}: declare it in ids.toml [[types]]", "type")
    sources = [s for s in ID_SOURCES if s in sub.data]
    if len(sources) != 1:
        sub.fail(f"give exactly one of {', '.join(ID_SOURCES)}")
    source = sources[0]
    if source == "attribute":
        name = sub.str("attribute").lower()
        value = sub.regex(sub.data.get("value", ".+"), "value")
        if value.groups > 1:
            sub.fail("at most one capture group: group 1 is the id (without one, the whole value)", "value")
        conditions = sub.data.get("with", {})
        if not isinstance(conditions, dict):
            sub.fail('must be a table of attribute = regex, e.g. {"data-type" = "_mgwidget"}', "with")
        return IdRule(
            id_type,
            source,
            re.compile(f"^(?:{value.pattern})$"),
            network,
            name,
            (sub.str("element", False) or "").lower() or None,
            sub.str("class", False),
            sub.bool("src"),
            with_=tuple((k.lower(), sub.regex(v, f"with.{k}")) for k, v in conditions.items()),
            seen=sub.bool("seen"),
        )
    if any(k in sub.data for k in ("value", "element", "src", "with", "seen")):
        sub.fail("value, element, src, with and seen go with attribute only")
    pattern = sub.regex(sub.data[source], source, group=True)
    return IdRule(id_type, source, pattern, network, hint=literal_hint(pattern))


def load(directory: str | os.PathLike | None = None) -> Signatures:
    """Load and validate the signature data of `directory` (see module doc for the default)."""
    root = Path(directory or os.environ.get("MONEYTRAIL_DATA") or DEFAULT_DIR)
    ids_path, net_path, miner_path, cat_path = (
        root / f for f in ("ids.toml", "networks.toml", "miners.toml", "categories.toml")
    )
    ids_data = _read(ids_path)
    id_types: dict[str, dict] = {}
    for entry in _tables(ids_path, ids_data, "types"):
        entry.only("type", "strong", "label")
        id_type = entry.str("type")
        if id_type in id_types:
            entry.fail("declared twice", "type")
        id_types[id_type] = {"strong": entry.bool("strong"), "label": entry.str("label", False) or id_type}
    extractors = tuple(
        _id_rule(_Entry(ids_path, "extractors", {}), f"extractors[{i}]", e, id_types, None)
        for i, e in enumerate(ids_data.get("extractors", []))
    )

    networks: dict[str, Network] = {}
    claimed: dict[str, str] = {}
    net_data = _read(net_path)
    ignored: set[str] = set()
    ignored_urls: list[re.Pattern] = []
    for entry in _tables(net_path, net_data, "not_networks"):
        entry.only("hosts", "urls", "reason")
        entry.str("reason")
        ignored.update(entry.hosts("hosts", required=not entry.data.get("urls")))
        ignored_urls.extend(entry.regexes("urls"))
    libraries: list[re.Pattern] = []
    for entry in _tables(net_path, net_data, "libraries"):
        entry.only("name", "patterns", "reason")
        entry.str("name")
        entry.str("reason")
        patterns = entry.regexes("patterns")
        if not patterns:
            entry.fail("at least one pattern is required", "patterns")
        libraries.extend(patterns)
    embeds: set[str] = set()
    for entry in _tables(net_path, net_data, "embeds"):
        entry.only("hosts", "reason")
        entry.str("reason")
        embeds.update(entry.hosts("hosts", required=True))
    for entry in _tables(net_path, net_data, "networks"):
        entry.only(
            "name",
            "aliases",
            "company",
            "entities",
            "country",
            "formats",
            "hosts",
            "adstxt",
            "urls",
            "inline",
            "ids",
            "globals",
            "contacts",
        )
        name = entry.str("name")
        if name in networks:
            entry.fail("a network of this name is already defined", "name")
        formats = entry.strings("formats")
        if not formats:
            entry.fail("at least one format is required", "formats")
        for fmt in formats:
            if fmt not in FORMATS:
                entry.fail(f"unknown format {fmt!r} (known: {', '.join(FORMATS)})", "formats")
        hosts = entry.hosts("hosts", required=not entry.data.get("urls"))
        for host in hosts:
            if host in claimed:
                entry.fail(f"host {host!r} already belongs to {claimed[host]}", "hosts")
            claimed[host] = name
        country = entry.str("country", False)
        if country is not None and not re.fullmatch(r"[A-Z]{2}", country):
            entry.fail("must be an ISO 3166 alpha-2 code such as FR", "country")
        rules = entry.data.get("ids", [])
        if not isinstance(rules, list):
            entry.fail("must be an array of tables", "ids")
        networks[name] = Network(
            name=name,
            formats=formats,
            hosts=hosts,
            aliases=entry.strings("aliases"),
            company=entry.str("company", False),
            entities=entry.strings("entities"),
            country=country,
            adstxt=entry.hosts("adstxt"),
            urls=entry.regexes("urls"),
            inline=entry.regexes("inline"),
            ids=tuple(_id_rule(entry, f"ids[{i}]", r, id_types, name) for i, r in enumerate(rules)),
            globals=entry.regexes("globals"),
            contacts=_contacts(entry),
        )

    miner_data = _read(miner_path)
    services: dict[str, MinerService] = {}
    for entry in _tables(miner_path, miner_data, "services"):
        entry.only("name", "hosts", "closed", "inline", "scripts", "keys")
        name = entry.str("name")
        if name in services or name == "unknown":
            entry.fail("duplicate or reserved name", "name")
        closed = entry.data.get("closed")
        if closed is not None and not isinstance(closed, int):
            entry.fail("must be a year", "closed")
        services[name] = MinerService(
            name,
            entry.hosts("hosts", required=True),
            closed,
            entry.regexes("inline"),
            entry.regexes("scripts"),
            entry.regexes("keys", group=True),
        )
    miner_inline: tuple[re.Pattern, ...] = ()
    for entry in _tables(miner_path, miner_data, "inline"):
        entry.only("patterns", "reason")
        entry.str("reason")
        miner_inline += entry.regexes("patterns")
    protocols = []
    for entry in _tables(miner_path, miner_data, "protocols"):
        entry.only("id", "field", "auth", "job", "submit", "key", "key_type", "job_blob", "submit_params")
        key_type = entry.str("key_type")
        if key_type not in id_types:
            entry.fail(f"unknown id type {key_type!r}", "key_type")
        protocols.append(
            Protocol(
                entry.str("id"),
                entry.str("field"),
                entry.str("auth"),
                entry.str("job"),
                entry.str("submit"),
                (entry.str("key"),) if isinstance(entry.data.get("key"), str) else entry.strings("key"),
                key_type,
                entry.strings("job_blob"),
                entry.strings("submit_params"),
            )
        )
    wasm_exports: tuple[re.Pattern, ...] = ()
    wasm_sha: set[str] = set()
    for entry in _tables(miner_path, miner_data, "wasm"):
        entry.only("exports", "sha256")
        wasm_exports += entry.regexes("exports")
        for digest in entry.strings("sha256"):
            if not re.fullmatch(r"[0-9a-f]{64}", digest):
                entry.fail(f"{digest!r} is not a lower-case SHA-256", "sha256")
            wasm_sha.add(digest)

    categories = []
    for entry in _tables(cat_path, _read(cat_path), "categories"):
        entry.only("name", "high_risk", "label", "domains", "keywords")
        categories.append(
            Category(
                entry.str("name"),
                entry.bool("high_risk"),
                entry.str("label", False) or "",
                entry.hosts("domains"),
                entry.regexes("keywords"),
            )
        )
    from .brands import BrandList, Brands

    brand_path = root / "brands.toml"  # optional: a data directory of the analyst's may have none
    brands = Brands((BrandList.load(brand_path),) if brand_path.exists() else ())
    return Signatures(
        networks,
        id_types,
        extractors,
        services,
        tuple(protocols),
        wasm_exports,
        frozenset(wasm_sha),
        tuple(categories),
        root,
        not_networks=frozenset(ignored),
        not_network_urls=tuple(ignored_urls),
        embeds=frozenset(embeds),
        libraries=tuple(libraries),
        miner_inline=miner_inline,
        brands=brands,
    )
