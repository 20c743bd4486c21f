"""What page code says once its usual disguises are taken off: the texts attribution reads for tag shapes and
publisher ids (inline scripts, the site's own script files, attribute values), with the variants that
anti-adblock tags and bundlers hide them in.

- JavaScript and JSON escapes decoded (`\\x70op`, `\\u0027`, `\\/`, `\\"` in a JSON-encoded component);
- HTML entities decoded (`&quot;siteId&quot;` in a data attribute or a template);
- string literals joined across `+` (`'//c1.pop' + 'ads.net'`);
- base64 literals decoded when they decode to text (`atob('Ly9jMS5wb3BhZHMubmV0')`);
- `String.fromCharCode(47, 47, ...)` decoded;
- a string literal reversed where the code reverses it (`'sj.pop'.split('').reverse().join('')`).

Pure text functions: nothing here runs page code."""

from __future__ import annotations

import base64
import binascii
import html
import re

MAX_TEXT = 512 * 1024  # characters of one text looked at
MAX_DECODED = 200  # literals decoded per text (base64, fromCharCode, reversed)

_ESCAPE = re.compile(r"\\(?:x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|u\{([0-9a-fA-F]{1,6})\}|([\\/'\"`]))")
_JOIN = re.compile(r"""(['"])\s*\+\s*(['"])""")
_LITERAL = re.compile(r"""(['"`])((?:\\.|(?!\1)[^\\\n]){16,4000})\1""")
_BASE64 = re.compile(r"^[A-Za-z0-9+/_-]{16,}={0,2}$")
_CHARCODES = re.compile(r"fromCharCode\(\s*((?:0x[0-9a-fA-F]+|\d+)(?:\s*,\s*(?:0x[0-9a-fA-F]+|\d+))*)\s*\)")
_REVERSED = re.compile(r"""(['"])([^'"\\\n]{4,400})\1\s*\.split\(\s*(['"])\3\s*\)\s*\.reverse\(\)""")


def _unescape(match: re.Match) -> str:
    hex2, hex4, braced, char = match.groups()
    code = hex2 or hex4 or braced
    if code is not None:
        try:
            return chr(int(code, 16))
        except (ValueError, OverflowError):
            return match.group(0)
    return char


def unescape_js(text: str) -> str:
    """JavaScript / JSON string escapes decoded (the quotes and slashes they protect come back)."""
    return _ESCAPE.sub(_unescape, text) if "\\" in text else text


def joined(text: str) -> str:
    """`'a' + 'b'` as `'ab'`: string literals concatenated in the code, joined."""
    return _JOIN.sub("", text) if "+" in text else text


def _printable(data: bytes) -> str | None:
    try:
        decoded = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not decoded or sum(c.isprintable() or c in "\n\r\t" for c in decoded) < 0.95 * len(decoded):
        return None
    return decoded


def decoded_literals(text: str) -> list[str]:
    """Text hidden in the code's string literals: base64 that decodes to text, char codes, reversed strings."""
    out: list[str] = []
    for match in _LITERAL.finditer(text):
        if len(out) >= MAX_DECODED:
            break
        value = match.group(2)
        if _BASE64.match(value):
            padded = value + "=" * (-len(value) % 4)
            try:
                raw = base64.b64decode(padded, altchars=b"-_" if ("-" in value or "_" in value) else None)
            except (binascii.Error, ValueError):
                continue
            found = _printable(raw)
            if found:
                out.append(found)
    if "fromCharCode" in text:
        for match in _CHARCODES.finditer(text):
            if len(out) >= MAX_DECODED:
                break
            try:
                out.append("".join(chr(int(c, 0)) for c in match.group(1).replace(" ", "").split(",")))
            except (ValueError, OverflowError):
                continue
    if ".reverse()" in text:
        out.extend(m.group(2)[::-1] for m in _REVERSED.finditer(text))
    return out


def variants(text: str) -> list[str]:
    """The text and what its disguises hide, each once: the text, its escapes decoded, its HTML entities
    decoded, its literals joined, and the decoded literals."""
    text = text[:MAX_TEXT]
    out = [text]
    plain = unescape_js(html.unescape(text)) if ("&" in text or "\\" in text) else text
    for candidate in (plain, joined(plain)):
        if candidate not in out:
            out.append(candidate)
    out.extend(decoded_literals(out[-1]))
    return out
