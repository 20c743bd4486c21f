"""Optional ABP-syntax filter lists (EasyList, EasyPrivacy, NoCoin...) through Brave's `adblock` engine.

They are never committed: `moneytrail lists update` (moneytrail/services/lists.py) downloads them into the
cache (`<data home>/lists`), or `--lists DIR` points at local copies (every `*.txt` in DIR). A list's kind
comes from its file name: `*privacy*` lists trackers, `*coin*` / `*miner*` lists miners, any other lists ads.
A request one of the ad lists matches and no signature names becomes `unknown:<host>` (evidence `list`)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import adblock

MAX_LIST_BYTES = 32 * 1024 * 1024


class ListError(RuntimeError):
    pass


def kind_of(name: str) -> str:
    name = name.lower()
    if "privacy" in name:
        return "tracking"
    if "coin" in name or "miner" in name:
        return "miner"
    return "ads"


def cache_dir() -> Path:
    from moneytrail.crawler.home import data_home

    return data_home() / "lists"


def list_files(directory: str | os.PathLike) -> list[Path]:
    root = Path(directory)
    if not root.is_dir():
        raise ListError(f"{root}: not a directory of filter lists")
    files = sorted(p for p in root.glob("*.txt") if p.is_file())
    if not files:
        raise ListError(f"{root}: no *.txt filter list in it")
    return files


@dataclass
class FilterLists:
    """One engine per kind of list that attribution asks: ads (unknown networks), miner (a weak miner signal).
    Tracking lists name trackers, not ad networks: they are listed but not loaded."""

    engines: dict[str, adblock.Engine]
    files: list[Path]
    rules: dict[str, int]  # kind -> rules loaded

    @classmethod
    def load(cls, directory: str | os.PathLike) -> FilterLists:
        files = list_files(directory)
        sets: dict[str, adblock.FilterSet] = {}
        rules: dict[str, int] = {}
        for path in files:
            if path.stat().st_size > MAX_LIST_BYTES:
                raise ListError(f"{path}: over {MAX_LIST_BYTES // (1024 * 1024)} MiB: not a filter list")
            kind = kind_of(path.name)
            if kind == "tracking":
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            sets.setdefault(kind, adblock.FilterSet()).add_filter_list(text)
            rules[kind] = rules.get(kind, 0) + sum(
                1 for line in text.splitlines() if line.strip() and not line.startswith(("!", "["))
            )
        return cls({kind: adblock.Engine(filter_set=fs, optimize=True) for kind, fs in sets.items()}, files, rules)

    def check(self, url: str, source_url: str, resource_type: str) -> str | None:
        """The kind of list (ads, then miner) that blocks this request, or None."""
        for kind in ("ads", "miner"):
            engine = self.engines.get(kind)
            if engine is None:
                continue
            try:
                result = engine.check_network_urls(url, source_url, resource_type or "other")
            except ValueError:  # an URL the engine cannot parse
                continue
            if result.matched and not result.exception:
                return kind
        return None


def load_default(directory: str | os.PathLike | None = None) -> FilterLists | None:
    """The lists of `directory`, else of the cache if `lists update` filled it, else None (no lists)."""
    if directory:
        return FilterLists.load(directory)
    cached = cache_dir()
    if cached.is_dir() and any(cached.glob("*.txt")):
        return FilterLists.load(cached)
    return None
