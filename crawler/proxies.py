"""Proxy URLs: as Playwright takes them (credentials apart), and without their secret for anything printed or
stored."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit


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
    """The proxy URL without its password, for logs and stored run records."""
    if not url:
        return url
    parts = urlsplit(url)
    if parts.username is None:
        return url
    user = f"{parts.username}:***" if parts.password is not None else "***"  # a lone user name may be a token
    netloc = f"{user}@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return parts._replace(netloc=netloc).geturl()
