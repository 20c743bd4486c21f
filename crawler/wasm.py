"""Reading a WebAssembly module's interface (import and export names) from its bytes, without running it."""

from __future__ import annotations

import hashlib

MAGIC = b"\0asm"


class _Reader:
    def __init__(self, data: bytes, pos: int = 0, end: int | None = None):
        self.data, self.pos, self.end = data, pos, len(data) if end is None else end

    def byte(self) -> int:
        if self.pos >= self.end:
            raise ValueError("truncated")
        self.pos += 1
        return self.data[self.pos - 1]

    def uleb(self) -> int:
        result = shift = 0
        while True:
            b = self.byte()
            result |= (b & 0x7F) << shift
            if not b & 0x80:
                return result
            shift += 7
            if shift > 63:
                raise ValueError("LEB128 too long")

    def name(self) -> str:
        size = self.uleb()
        if self.pos + size > self.end:
            raise ValueError("truncated name")
        self.pos += size
        return self.data[self.pos - size : self.pos].decode("utf-8", "replace")

    def limits(self) -> None:
        flags = self.byte()
        self.uleb()
        if flags & 1:
            self.uleb()


def _import_desc(r: _Reader) -> None:
    kind = r.byte()
    if kind == 0:
        r.uleb()
    elif kind == 1:
        r.byte()
        r.limits()
    elif kind == 2:
        r.limits()
    elif kind == 3:
        r.byte()
        r.byte()
    elif kind == 4:
        r.byte()
        r.uleb()
    else:
        raise ValueError(f"unknown import kind {kind}")


def interface(data: bytes, limit: int = 1000) -> tuple[list[str], list[str]]:
    """(export names, import names as `module.name`) of a module; what could be read if it is malformed."""
    exports: list[str] = []
    imports: list[str] = []
    if not data.startswith(MAGIC) or len(data) < 8:
        return exports, imports
    r = _Reader(data, 8)
    try:
        while r.pos < r.end:
            section, size = r.byte(), r.uleb()
            body = _Reader(data, r.pos, min(r.pos + size, len(data)))
            if section == 2:
                for _ in range(min(body.uleb(), limit)):
                    imports.append(f"{body.name()}.{body.name()}")
                    _import_desc(body)
            elif section == 7:
                for _ in range(min(body.uleb(), limit)):
                    exports.append(body.name())
                    body.byte()
                    body.uleb()
            r.pos += size
    except ValueError:
        pass
    return exports, imports


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
