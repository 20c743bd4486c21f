"""Watchlist files: CSV (`url` or `domain`, optional `name`, `category`, `country`, `tags`,
`monthly_visits`) or plain text (one URL or domain a line, `#` comments).

Parsing never stops at a bad row: each one is reported with its line number and skipped, and rows that
name the same registrable domain are merged into one site (the first URL wins, the other fields fill in).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from .domains import ascii_host, registrable_domain

COLUMNS = ("url", "domain", "name", "category", "country", "tags", "monthly_visits")
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_TAG_SPLIT = re.compile(r"[;|]")
MAX_LINE = 4096


@dataclass
class Entry:
    url: str
    domain: str
    line: int
    name: str | None = None
    category: str | None = None
    country: str | None = None
    tags: list[str] = field(default_factory=list)
    monthly_visits: int | None = None

    def merge(self, other: Entry) -> None:
        for attr in ("name", "category", "country", "monthly_visits"):
            if getattr(self, attr) is None:
                setattr(self, attr, getattr(other, attr))
        self.tags += [t for t in other.tags if t not in self.tags]


@dataclass
class Problem:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass
class Parsed:
    entries: list[Entry]
    errors: list[Problem]  # rows skipped
    notices: list[Problem]  # rows merged into an earlier one of the same registrable domain, ignored columns


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # a NUL, which PostgreSQL refuses, among them


class RowError(ValueError):
    pass


def normalise_url(value: str) -> tuple[str, str]:
    """`Example.com` or `http://www.example.com/x` -> (URL, host). Raises RowError with a reason."""
    value = value.strip()
    if not value:
        raise RowError("empty url/domain")
    if len(value) > 2048:
        raise RowError("url longer than 2048 characters")
    if any(c.isspace() for c in value):
        raise RowError(f"spaces inside {value[:80]!r}")
    if _CONTROL.search(value):
        raise RowError(f"control character inside {value[:80]!r}")
    if "://" not in value:
        value = "https://" + value
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as exc:
        raise RowError(f"not a URL: {value[:80]!r} ({exc})") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise RowError(f"scheme {parts.scheme!r} is not http or https")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise RowError(f"no host in {value[:80]!r}")
    try:
        host = ascii_host(host)
    except ValueError as exc:
        raise RowError(str(exc)) from None
    labels = host.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels) or labels[-1].isdigit():
        raise RowError(f"invalid host name {host[:80]!r}")
    netloc = host if port is None else f"{host}:{port}"
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", parts.query, "")), host


def _entry(line: int, row: dict[str, str]) -> Entry:
    raw = (row.get("url") or "").strip() or (row.get("domain") or "").strip()
    row = {k: _CONTROL.sub("", v or "") for k, v in row.items() if k not in ("url", "domain")}  # names, tags
    url, host = normalise_url(raw)
    country = (row.get("country") or "").strip().upper() or None
    if country and not re.fullmatch(r"[A-Z]{2}", country):
        raise RowError(f"country {country[:20]!r} is not a two-letter code")
    visits_text = (row.get("monthly_visits") or "").strip().replace("_", "").replace(",", "")
    visits = None
    if visits_text:
        if not visits_text.isdigit():
            raise RowError(f"monthly_visits {visits_text[:20]!r} is not a whole number")
        visits = int(visits_text)
    tags = [t.strip() for t in _TAG_SPLIT.split(row.get("tags") or "") if t.strip()]
    return Entry(
        url=url,
        domain=registrable_domain(host),
        line=line,
        name=(row.get("name") or "").strip() or None,
        category=(row.get("category") or "").strip().lower() or None,
        country=country,
        tags=tags,
        monthly_visits=visits,
    )


def _looks_like_csv(first: str) -> bool:
    try:
        header = [h.strip().lower() for h in next(csv.reader([first]), [])]
    except csv.Error:  # a first line no CSV header is (a field over the csv module's limit): plain text
        return False
    return "url" in header or "domain" in header


def _rows(text: str):
    """(line number, row dict or error) for each data row; lines end at \n, \r\n or \r only (as editors count)."""
    lines = re.split(r"\r\n|\r|\n", text)
    first_index = next((i for i, line in enumerate(lines) if line.strip() and not line.lstrip().startswith("#")), None)
    if first_index is None:
        return
    if _looks_like_csv(lines[first_index]):
        # one row per line: a stray quote spoils its own row, not every row after it (no watchlist value
        # spans lines)
        header = None
        for line, physical in enumerate(lines, 1):
            try:
                record = next(csv.reader([physical]), [])
            except csv.Error as exc:  # a field over the csv module's limit, an unbalanced quote...
                yield line, RowError(f"unreadable row ({exc})")
                continue
            if not record or not any(cell.strip() for cell in record) or record[0].lstrip().startswith("#"):
                continue
            if header is None:
                header = [h.strip().lower() for h in record]
                unknown = [h for h in header if h and h not in COLUMNS]
                if unknown:
                    yield line, f"unknown column(s) ignored: {', '.join(unknown)}"
                continue
            if len(record) > len(header):
                yield line, RowError(f"{len(record)} fields, the header has {len(header)}")
                continue
            yield line, dict(zip(header, record + [""] * (len(header) - len(record)), strict=True))  # short: empty
    else:
        for number, line in enumerate(lines, 1):
            value = line.split("#", 1)[0].strip() if not line.lstrip().startswith("#") else ""
            if value:
                yield number, {"url": value}


def parse_text(text: str) -> Parsed:
    entries: dict[str, Entry] = {}
    errors, notices = [], []
    for line, row in _rows(text):
        if isinstance(row, str):
            notices.append(Problem(line, row))  # the rows are still read
            continue
        if isinstance(row, RowError):
            errors.append(Problem(line, str(row)))
            continue
        try:
            entry = _entry(line, row)
        except RowError as exc:
            errors.append(Problem(line, str(exc)))
            continue
        if entry.domain in entries:
            first = entries[entry.domain]
            first.merge(entry)
            notices.append(Problem(line, f"{entry.url} merged into line {first.line} ({entry.domain})"))
        else:
            entries[entry.domain] = entry
    return Parsed(list(entries.values()), errors, notices)


def parse_file(path: str | Path) -> Parsed:
    """Parse a watchlist file; undecodable bytes are replaced (and the row then fails validation)."""
    data = Path(path).read_bytes()
    text = data.decode("utf-8-sig", errors="replace")
    return parse_text(text)
