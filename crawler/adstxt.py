"""The one parser of ads.txt / app-ads.txt (IAB ads.txt 1.1) and sellers.json (IAB sellers.json 1.0), used by
the spider (what a fetched file is, which sellers.json files to fetch), by attribution (accounts, owners,
networks) and by exports (sellers' names).

ads.txt is read line by line, so a valid line counts whatever surrounds it (junk, an HTML fragment, lines
too long):
- a record is `ad system domain, account id, DIRECT|RESELLER[, certification authority id]`, anything after
  `;` being extension data and anything after `#` a comment; the relationship is case-insensitive, the
  domain lower-cased; a line breaking these rules is skipped (its number kept), duplicates are dropped;
- a variable is `NAME=value` with a case-insensitive name: CONTACT, SUBDOMAIN, INVENTORYPARTNERDOMAIN,
  OWNERDOMAIN (only the first one counts) and MANAGERDOMAIN (`domain[, two-letter country]`, one per country,
  none for the global one); other names are ignored, a bad value is a skipped line;
- a body that is an HTML page (it starts with `<!doctype` or `<html`, or the server called it text/html and
  not one line is a record) is no ads.txt: no record is read from it.

Bodies are decoded as UTF-8 (a byte-order mark dropped, bad bytes replaced) and control characters other than
tab and line ends removed (`clean_text`), so what is stored is what is parsed, and PostgreSQL, which refuses
NUL, stores every body.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from .domains import HOST_RE, public_registrable_domain

ACCOUNT_RE = re.compile(r"^[A-Za-z0-9._:\-/@+~]{1,200}$")
CERT_RE = re.compile(r"^[A-Za-z0-9._\-]{1,64}$")
VARIABLE_RE = re.compile(r"^([A-Za-z][A-Za-z0-9_-]*)\s*=\s*(.*)$")
COUNTRY_RE = re.compile(r"^[A-Za-z]{2}$")
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
HTML_START_RE = re.compile(r"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html[\s>])", re.I | re.S)
INVISIBLE = "\ufeff\u200b\u200c\u200d\u2060"  # byte-order marks and zero-width characters around a line
MAX_LINE = 4096  # characters: real lines are under 200; longer ones are skipped unread
MAX_VALUES = 50  # values kept per variable
RELATIONSHIPS = ("DIRECT", "RESELLER")
VARIABLES = ("contact", "subdomain", "inventorypartnerdomain", "ownerdomain", "managerdomain")


@dataclass(frozen=True)
class AdsTxtRecord:
    ad_system: str
    account_id: str
    relationship: str  # DIRECT or RESELLER
    cert_id: str | None = None


@dataclass(frozen=True)
class ManagerDomain:
    domain: str
    country: str | None = None  # ISO 3166-1 alpha-2, upper case; None: the global manager


@dataclass
class AdsTxtVariables:
    contact: list[str] = field(default_factory=list)
    subdomains: list[str] = field(default_factory=list)
    inventory_partners: list[str] = field(default_factory=list)
    owner_domain: str | None = None
    managers: list[ManagerDomain] = field(default_factory=list)


@dataclass
class AdsTxtFile:
    records: list[AdsTxtRecord] = field(default_factory=list)
    variables: AdsTxtVariables = field(default_factory=AdsTxtVariables)
    skipped: list[int] = field(default_factory=list)  # numbers of the lines that are neither record nor variable
    html: bool = False  # the body is an HTML page: nothing was read from it


def clean_text(text: str) -> str:
    """`text` without control characters other than tab, line feed and carriage return (NUL included)."""
    return CONTROL_RE.sub("", text)


def decode_body(data: bytes) -> str:
    """A fetched body as text: UTF-8 (a byte-order mark dropped, undecodable bytes replaced), control
    characters removed."""
    return clean_text(data.decode("utf-8", "replace").removeprefix("\ufeff"))


def _host(value: str) -> str | None:
    value = value.strip().lower().rstrip(".")
    return value if HOST_RE.match(value) else None


def _record(line: str) -> AdsTxtRecord | None:
    fields = [f.strip() for f in line.split(";", 1)[0].split(",")]
    while fields and not fields[-1]:  # trailing commas
        fields.pop()
    if len(fields) not in (3, 4):
        return None
    system, account, relationship = _host(fields[0]), fields[1], fields[2].upper()
    if system is None or not ACCOUNT_RE.match(account) or relationship not in RELATIONSHIPS:
        return None
    cert = fields[3] if len(fields) == 4 and CERT_RE.match(fields[3]) else None
    return AdsTxtRecord(system, account, relationship, cert)


def _variable(name: str, value: str, found: AdsTxtVariables) -> bool:
    """Add a variable to `found`; False when its value is not valid."""
    name = name.lower()
    if name == "contact":
        if value and len(found.contact) < MAX_VALUES:
            found.contact.append(value[:300])
        return bool(value)
    if name == "managerdomain":
        domain, _, country = (p.strip() for p in value.partition(","))
        host = _host(domain)
        if host is None or (country and not COUNTRY_RE.match(country)):
            return False
        manager = ManagerDomain(host, country.upper() or None)
        if manager.country not in {m.country for m in found.managers} and len(found.managers) < MAX_VALUES:
            found.managers.append(manager)  # one per country: the first
        return True
    host = _host(value)
    if host is None:
        return False
    if name == "ownerdomain":
        found.owner_domain = found.owner_domain or host  # only the first one counts
    else:
        values = found.subdomains if name == "subdomain" else found.inventory_partners
        if host not in values and len(values) < MAX_VALUES:
            values.append(host)
    return True


def _starts_as_html(text: str) -> bool:
    return bool(HTML_START_RE.match(text.lstrip(INVISIBLE)[:4096]))


def _html_type(content_type: str | None) -> bool:
    return (content_type or "").split(";", 1)[0].strip().lower() in ("text/html", "application/xhtml+xml")


def parse_adstxt(text: str, content_type: str | None = None) -> AdsTxtFile:
    """Records, variables and skipped lines of an ads.txt / app-ads.txt body (nothing from an HTML page);
    `content_type` is the server's Content-Type, when known."""
    if _starts_as_html(text):
        return AdsTxtFile(html=True)
    parsed = AdsTxtFile()
    seen: set[tuple[str, str, str]] = set()
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")  # CRLF, LF (or CR): nothing else ends one
    for number, raw in enumerate(lines, 1):
        if len(raw) > MAX_LINE:
            parsed.skipped.append(number)
            continue
        line = clean_text(raw).split("#", 1)[0].strip().strip(INVISIBLE).strip()
        if not line:
            continue
        variable = VARIABLE_RE.match(line)
        if variable:
            name, value = variable.group(1), variable.group(2).strip()
            if name.lower() in VARIABLES and not _variable(name, value, parsed.variables):
                parsed.skipped.append(number)
            continue
        record = _record(line)
        if record is None:
            parsed.skipped.append(number)
            continue
        key = (record.ad_system, record.account_id, record.relationship)
        if key not in seen:
            seen.add(key)
            parsed.records.append(record)
    if not parsed.records and _html_type(content_type):  # a page served as HTML, not one record in it
        return AdsTxtFile(html=True)
    return parsed


def ad_systems(parsed: AdsTxtFile) -> list[str]:
    """The ad-system domains whose sellers.json may name this file's sellers, DIRECT ones first, in file order:
    only domains under a suffix the Public Suffix List knows (`internal.corp` is never asked for)."""
    ordered = [r for r in parsed.records if r.relationship == "DIRECT"]
    ordered += [r for r in parsed.records if r.relationship != "DIRECT"]
    return list(dict.fromkeys(r.ad_system for r in ordered if public_registrable_domain(r.ad_system)))


def sellers(text: str, wanted: set[str] | None = None) -> dict[str, dict]:
    """seller_id -> {name, domain, seller_type} of a sellers.json body ({} when it is not one); only the
    sellers in `wanted`, when given."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return {}
    out = {}
    listed = data.get("sellers") if isinstance(data, dict) else None
    for entry in listed if isinstance(listed, list) else []:
        if not isinstance(entry, dict) or not isinstance(entry.get("seller_id"), str | int):
            continue
        seller_id = str(entry["seller_id"]).strip()
        if wanted is not None and seller_id not in wanted:
            continue
        out[seller_id] = {
            k: clean_text(str(entry[k]))[:300]
            for k in ("name", "domain", "seller_type")
            if isinstance(entry.get(k), str | int)
        }
    return out
