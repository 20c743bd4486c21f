"""A report as plain numbers, before any rendering: headline figures (with the previous period's), tables
(pandas DataFrames), charts (which table and columns to draw) and notes (assumptions, what was monitored).
Every format (HTML, PDF, CSV, XLSX, JSON) renders this one object, so they all carry the same numbers."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from .i18n import number, percent


@dataclass
class Figure:
    key: str
    label: str
    value: float | int | str | None
    previous: float | int | str | None = None
    unit: str = ""  # "%" (value is a share 0..1), a currency code (money: an estimate), "" (a count or a ratio)

    @property
    def money(self) -> bool:
        return len(self.unit) == 3 and self.unit.isalpha()

    def text(self, value=None) -> str:
        value = self.value if value is None else value
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "n/a"
        if self.unit == "%":
            return percent(value)
        if self.money:
            return f"{number(value)} {self.unit}"
        if isinstance(value, float):
            return number(value, 2)
        return number(value) if isinstance(value, int) else str(value)


@dataclass
class Chart:
    key: str
    title: str
    kind: str  # bar, barh, line, pie, flow (stages x and y[:-1], weight y[-1]: reports/flow.py)
    table: str
    x: str
    y: list[str]


@dataclass
class Report:
    kind: str  # exposure, network, advertiser
    name: str  # file-name stem: exposure-2026-Q4, network-PopAds, advertiser-ShopMart
    title: str
    subtitle: str = ""
    meta: dict[str, str] = field(default_factory=dict)
    figures: list[Figure] = field(default_factory=list)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)  # table -> heading
    charts: list[Chart] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    contacts: list = field(default_factory=list)  # a network report's: where its notice pack goes (Contact)
    facts: dict[str, str] = field(default_factory=dict)  # what it is about, in no language (notice packs read it)
    organisation: str = ""  # who publishes the report (`--organisation`), shown in its header
    logo: tuple[str, str] | None = None  # (media type, base64) of the publisher's logo (`--logo`), PNG or JPEG

    def table(self, key: str, title: str, frame: pd.DataFrame) -> pd.DataFrame:
        self.tables[key], self.titles[key] = frame.reset_index(drop=True), title
        return frame

    def figure_table(self) -> pd.DataFrame:
        return pd.DataFrame(
            [{"figure": f.label, "value": f.value, "previous": f.previous, "unit": f.unit} for f in self.figures],
            columns=["figure", "value", "previous", "unit"],
        )

    def to_dict(self) -> dict:
        def records(frame: pd.DataFrame) -> list[dict]:
            return [{k: _plain(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]

        return {
            "kind": self.kind,
            "title": self.title,
            "organisation": self.organisation or None,
            "subtitle": self.subtitle,
            "meta": self.meta,
            "figures": [
                {
                    "key": f.key,
                    "label": f.label,
                    "value": _plain(f.value),
                    "previous": _plain(f.previous),
                    "unit": f.unit,
                }
                for f in self.figures
            ],
            "tables": {k: records(v) for k, v in self.tables.items()},
            "notes": self.notes,
        }


def _plain(value):
    if value is None:
        return None
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value


def file_stem(name: str) -> str:
    """A file-name stem from a network or brand name (never a path); names that had to be changed get a
    short digest of the name, so `Pop Ads` and `Pop/Ads` do not overwrite each other."""
    import hashlib

    stem = (
        "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "-" for c in name).strip("-_.")[:80] or "unnamed"
    )
    return stem if stem == name else f"{stem}-{hashlib.sha1(name.encode()).hexdigest()[:6]}"


def filtered_stem(stem: str, filters) -> str:
    """A report's file-name stem with its visit filters (a `Scope`): `exposure-2026-10-watchlist-main-country-FR`,
    so a filtered report never overwrites the whole one."""
    parts = (("watchlist", filters.watchlist), ("profile", filters.profile), ("country", filters.country))
    return stem + "".join(f"-{key}-{file_stem(value)}" for key, value in parts if value is not None)
