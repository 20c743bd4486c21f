"""Downloading the filter lists (`moneytrail lists update`): EasyList, EasyPrivacy and NoCoin from their
canonical addresses into the cache that `moneytrail.attribution.lists` loads from."""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from pathlib import Path

from moneytrail.attribution.lists import MAX_LIST_BYTES, ListError, cache_dir

CANONICAL = {  # file name in the cache -> canonical address
    "easylist.txt": "https://easylist.to/easylist/easylist.txt",
    "easyprivacy.txt": "https://easylist.to/easylist/easyprivacy.txt",
    "nocoin.txt": "https://raw.githubusercontent.com/hoshsadiq/adblock-nocoin-list/master/nocoin.txt",
}


def update(directory: str | os.PathLike | None = None, timeout: float = 60.0, urls: dict | None = None) -> list[Path]:
    """Download the canonical lists into `directory` (default: the cache); each replaces its old copy only
    when complete. Raises ListError, naming the address, when one cannot be fetched."""
    root = Path(directory) if directory else cache_dir()
    root.mkdir(parents=True, exist_ok=True)
    written = []
    for name, url in (urls or CANONICAL).items():
        request = urllib.request.Request(url, headers={"User-Agent": "moneytrail (filter list update)"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                body = response.read(MAX_LIST_BYTES + 1)
        except urllib.error.HTTPError as exc:
            exc.close()  # an error answer holds its connection open
            raise ListError(f"could not download {url}: {exc}") from None
        except OSError as exc:
            raise ListError(f"could not download {url}: {exc}") from None
        if len(body) > MAX_LIST_BYTES:
            raise ListError(f"{url}: over {MAX_LIST_BYTES // (1024 * 1024)} MiB: not a filter list")
        if b"<html" in body[:2000].lower():
            raise ListError(f"{url}: answered with an HTML page, not a filter list")
        tmp = root / f".{name}.part"
        tmp.write_bytes(body)
        tmp.replace(root / name)
        written.append(root / name)
    return written
