"""Reading the TOML files users give (profiles, signature data, CPM tables, sandbox worlds): one reader whose
every failure is a ValueError that names the file and says what is wrong (missing, unreadable, not UTF-8,
not TOML, nested too deep, too large), never a traceback."""

from __future__ import annotations

import tomllib
from pathlib import Path

MAX_BYTES = 64 * 1024 * 1024  # far above any real data file; a bigger one is a mistake


class TomlFileError(ValueError):
    """A TOML file that cannot be read: the message names the file."""


def read_toml(path: str | Path) -> dict:
    path = Path(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise TomlFileError(f"{path}: over {MAX_BYTES // (1024 * 1024)} MiB: not a data file")
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise TomlFileError(f"{path}: no such file") from None
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise TomlFileError(f"{path}: line {line}: not UTF-8 text (byte 0x{exc.object[exc.start]:02x})") from None
    except OSError as exc:
        raise TomlFileError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    try:
        return tomllib.loads(text.removeprefix("\ufeff"))
    except tomllib.TOMLDecodeError as exc:
        raise TomlFileError(f"{path}: not valid TOML: {exc}") from None
    except RecursionError:
        raise TomlFileError(f"{path}: nested too deep to be a data file") from None
