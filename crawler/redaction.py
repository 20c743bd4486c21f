"""Secrets kept out of everything printed or stored: one rule for every URL that can carry one (database,
Redis, proxy) and for error texts that may quote such a URL.

A URL's secret is the password of its user info (a lone user name too, where it is a token: proxies), and the
value of every query parameter whose name says it holds one (`password`, `sslpassword`, `passfile`, `token`,
`secret`, `api_key`...). Redacted values read `***`; the rest of the URL stays as written, so the message still
says which server was meant."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, unquote, urlsplit

HIDDEN = "***"
SECRET_PARAM = re.compile(r"pass|pwd|secret|token|auth|credential|key|sig", re.I)
_USERINFO = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*://)(?P<userinfo>[^@/?#]*)@")


def redact_url(url: str | None, lone_user_is_secret: bool = False) -> str | None:
    """`url` with its secrets replaced by `***` (None and '' as given). Never raises: text that is not a URL
    comes back with anything after a scheme's `user:` up to `@` hidden."""
    if not url:
        return url
    out = url
    match = _USERINFO.match(out)
    if match:
        user, colon, _password = match["userinfo"].partition(":")
        if colon:
            shown = f"{user}:{HIDDEN}"
        else:
            shown = HIDDEN if lone_user_is_secret else user
        out = match["scheme"] + shown + "@" + out[match.end() :]
    try:
        query = urlsplit(out).query
    except ValueError:
        return out
    for name, value in parse_qsl(query, keep_blank_values=True):
        if value and SECRET_PARAM.search(name):
            for written in {value, quote(value, safe=""), quote(value)}:
                out = out.replace(f"={written}", f"={HIDDEN}")
    return out


def secrets_of(url: str | None) -> list[str]:
    """The secret values a URL carries (decoded and as written), longest first: to scrub them from any text."""
    if not url:
        return []
    found: set[str] = set()
    match = _USERINFO.match(url)
    if match:
        user, colon, password = match["userinfo"].partition(":")
        found |= {password, unquote(password)} if colon else set()
    try:
        query = urlsplit(url).query
    except ValueError:
        query = ""
    for name, value in parse_qsl(query, keep_blank_values=True):
        if value and SECRET_PARAM.search(name):
            found |= {value, quote(value, safe="")}
    return sorted((s for s in found if len(s) >= 2), key=len, reverse=True)


def scrub(text: str, *urls: str | None) -> str:
    """`text` (an error message) with every secret of `urls` replaced by `***`."""
    for url in urls:
        for secret in secrets_of(url):
            text = text.replace(secret, HIDDEN)
    return text
