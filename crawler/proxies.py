"""Proxy URLs: as Playwright takes them (credentials apart), and without their secret for anything printed or
stored."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from .redaction import redact_url


def browser_proxy(url: str) -> dict:
    """`http://user:password@host:port` as Playwright's proxy option; ValueError when it is not a proxy URL."""
    parts = urlsplit(url)
    if not parts.scheme or not parts.hostname:
        raise ValueError("a proxy is a URL such as http://host:port or http://user:password@host:port")
    server = f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    proxy = {"server": server}
    if parts.username:
        proxy["username"] = unquote(parts.username)
        proxy["password"] = unquote(parts.password or "")
    return proxy


def redact_proxy(url: str | None) -> str | None:
    """The proxy URL without its secrets, for logs and stored run records (a lone user name may be a token)."""
    return redact_url(url, lone_user_is_secret=True)
