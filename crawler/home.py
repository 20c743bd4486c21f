"""Where moneytrail keeps its files (the default store, screenshots, cached filter lists, the pack-signing key)
when nothing names another place."""

from __future__ import annotations

import os
from pathlib import Path


def data_home() -> Path:
    """`MONEYTRAIL_HOME`, else `$XDG_DATA_HOME/moneytrail`, else `~/.local/share/moneytrail`."""
    explicit = os.environ.get("MONEYTRAIL_HOME")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME")
    return (Path(xdg).expanduser() if xdg else Path.home() / ".local" / "share") / "moneytrail"
