"""Brand lists: the advertisers whose ads count as mainstream (data/brands.toml, and the analyst's own lists
given to a report with `--brands FILE`). Each brand names its domains and the sources that put it on the list,
so a report can say which lists made its "mainstream" share."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .signatures import SignatureError, _Entry, _family, _read, _tables

DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


class BrandError(SignatureError):
    pass


@dataclass(frozen=True)
class Source:
    key: str
    title: str
    url: str
    checked: str  # the date the source was read (YYYY-MM-DD)


@dataclass(frozen=True)
class Brand:
    name: str
    domains: tuple[str, ...]
    sources: tuple[str, ...]


@dataclass(frozen=True)
class BrandList:
    path: Path
    brands: tuple[Brand, ...]
    sources: dict[str, Source]

    @classmethod
    def load(cls, path: str | Path) -> BrandList:
        """Read and check a brand list; a `BrandError` names the file and the entry at fault."""
        path = Path(path)
        try:
            data = _read(path)
            unknown = sorted(set(data) - {"sources", "brands"})
            if unknown:
                raise BrandError(f"{path}: unknown table(s) {', '.join(unknown)} (known: sources, brands)")
            raw_sources = data.get("sources", {})
            if not isinstance(raw_sources, dict):
                raise BrandError(f"{path}: sources: must be a table of [sources.KEY] tables")
            sources = {}
            for key, value in raw_sources.items():
                entry = _Entry(path, f"sources.{key}", value)
                entry.only("title", "url", "checked")
                checked = entry.str("checked", False) or ""
                if checked and not DATE_RE.fullmatch(checked):
                    entry.fail(f"{checked!r} is not a date (YYYY-MM-DD)", "checked")
                sources[key] = Source(key, entry.str("title"), entry.str("url", False) or "", checked)
            brands = []
            for entry in _tables(path, data, "brands"):
                entry.only("name", "domains", "sources")
                cited = entry.strings("sources")
                for key in cited:
                    if key not in sources:
                        entry.fail(f"{key!r} is not one of the [sources] of this file", "sources")
                brands.append(Brand(entry.str("name"), entry.hosts("domains", required=True), cited))
        except BrandError:
            raise
        except SignatureError as exc:
            raise BrandError(str(exc)) from None
        return cls(path, tuple(brands), sources)

    @property
    def domains(self) -> int:
        return sum(len(b.domains) for b in self.brands)


@dataclass(frozen=True)
class Brands:
    """Several brand lists read as one: the first list naming a domain gives its brand."""

    lists: tuple[BrandList, ...] = ()

    def __post_init__(self) -> None:
        index: dict[str, str] = {}
        for each in self.lists:
            for brand in each.brands:
                for domain in brand.domains:
                    index.setdefault(domain, brand.name)
        object.__setattr__(self, "_index", index)

    def brand_of(self, domain: str | None) -> str | None:
        """The brand whose domain `domain` is or is under, or None."""
        return _family(domain.lower().rstrip("."), self._index) if domain else None

    def domains(self) -> dict[str, str]:
        return dict(self._index)

    def plus(self, paths) -> Brands:
        """These lists and the ones in `paths` (read and checked)."""
        return Brands(self.lists + tuple(BrandList.load(p) for p in paths))

    def describe(self) -> list[str]:
        """One line per list: its file, how many brands and domains, and its sources (their addresses and
        dates are in the file)."""
        return [
            f"{each.path.name}: {len(each.brands)} brands, {each.domains} domains"
            + (f"; sources: {'; '.join(s.title for s in each.sources.values())}" if each.sources else "")
            for each in self.lists
        ]
