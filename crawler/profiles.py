"""Visitor profiles (TOML): device, locale, time zone, Accept-Language, country and proxy of the visitor a
crawl pretends to be. Secrets in a proxy URL are written `${ENV_VAR}` and read from the environment; what a
visit records of its profile (`Profile.record()`) never holds them.

The file is `--profiles FILE`, else `MONEYTRAIL_PROFILES`, else `<data home>/profiles.toml`, else the
project's example `data/profiles.toml`."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from moneytrail.data import DATA_DIR

from .consent import MODES as CONSENT_MODES
from .identity import Identity, default_timezone, identity
from .proxies import browser_proxy, redact_proxy
from .tomlfile import TomlFileError, read_toml

DATA = DATA_DIR
ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
FIELDS = ("device", "locale", "accept_language", "timezone", "country", "proxy", "user_agent", "consent")
OPERATING_SYSTEMS = ("linux", "android")
_NO_SAFARI = 'Safari cannot be shown by a Chromium engine (sites see Chromium\'s APIs); use device = "android"'
REMOVED_DEVICES = {"iphone": _NO_SAFARI, "ipad": _NO_SAFARI}


class ProfileError(ValueError):
    """A bad profile file or entry: the message names the file, the profile and the field."""


@dataclass(frozen=True)
class Device:
    name: str
    viewport: dict
    device_scale_factor: float
    is_mobile: bool
    has_touch: bool
    os: str = "linux"  # linux or android: what crawler/identity.py makes of it
    screen: dict | None = None
    model: str = ""
    os_version: str = ""


@dataclass(frozen=True)
class Profile:
    name: str
    device: Device
    locale: str | None = None
    accept_language: str | None = None
    timezone: str | None = None
    country: str | None = None
    proxy: str | None = field(default=None, repr=False)  # with its secrets: for the browser only
    proxy_template: str | None = None  # as written in the file (${VAR} unexpanded)
    user_agent: str | None = None
    consent: str | None = None  # what this visitor does with cookie-consent banners (else the crawl's --consent)

    def record(self) -> dict:
        """What a visit stores of its profile: no secret (the proxy as written, its password redacted)."""
        out = {"name": self.name, "device": self.device.name, "locale": self.locale or "en-US"}
        for key in ("accept_language", "timezone", "country", "consent"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        if self.proxy_template:
            out["proxy"] = redact_proxy(self.proxy_template)
        return out

    def identity(self, engine: str) -> Identity:
        """Who this visitor's browser says it is, on a Chromium of version `engine`."""
        device = self.device
        me = identity(device.os, engine, self.locale, device.model, device.os_version)
        return replace(me, accept_language=self.accept_language) if self.accept_language else me

    def context_options(self, engine: str) -> dict:
        """Playwright context options for a visit with this profile, on a Chromium of version `engine` (its
        user agent, without "Headless"; a time zone from the country or locale when the profile gives none)."""
        me = self.identity(engine)
        options = {
            "ignore_https_errors": True,
            "accept_downloads": False,
            "java_script_enabled": True,
            "viewport": dict(self.device.viewport),
            "device_scale_factor": self.device.device_scale_factor,
            "is_mobile": self.device.is_mobile,
            "has_touch": self.device.has_touch,
            "locale": self.locale or "en-US",
        }
        options["user_agent"] = self.user_agent or me.user_agent
        if self.device.screen:
            options["screen"] = dict(self.device.screen)
        timezone = self.timezone or default_timezone(self.country, self.locale or "en-US")
        if timezone:
            options["timezone_id"] = timezone
        options["extra_http_headers"] = {"Accept-Language": self.accept_language or me.accept_language}
        if self.proxy:
            options["proxy"] = browser_proxy(self.proxy)
        return options


def _read(path: Path) -> dict:
    try:
        return read_toml(path)
    except TomlFileError as exc:
        raise ProfileError(str(exc)) from None


def load_devices(path: Path = DATA / "devices.toml") -> dict[str, Device]:
    devices = {}
    for name, entry in _read(path).items():
        try:
            viewport = {"width": int(entry["viewport"]["width"]), "height": int(entry["viewport"]["height"])}
            screen = entry.get("screen")
            devices[name] = Device(
                name,
                viewport,
                float(entry.get("device_scale_factor", 1)),
                bool(entry.get("is_mobile", False)),
                bool(entry.get("has_touch", False)),
                str(entry.get("os", "linux")),
                {"width": int(screen["width"]), "height": int(screen["height"])} if screen else None,
                str(entry.get("model", "")),
                str(entry.get("os_version", "")),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ProfileError(f"{path}: [{name}]: needs viewport = {{width, height}} and numbers ({exc})") from None
        if devices[name].os not in OPERATING_SYSTEMS:
            raise ProfileError(f"{path}: [{name}].os: {devices[name].os!r} (known: {', '.join(OPERATING_SYSTEMS)})")
    return devices


def profiles_file(path: str | os.PathLike | None = None) -> Path:
    if path:
        return Path(path)
    if os.environ.get("MONEYTRAIL_PROFILES"):
        return Path(os.environ["MONEYTRAIL_PROFILES"])
    from .home import data_home

    home = data_home() / "profiles.toml"
    return home if home.is_file() else DATA / "profiles.toml"


def load_profiles(path: str | os.PathLike | None = None, environ: dict | None = None) -> dict[str, Profile]:
    """Every profile of the file, validated; `${VAR}` in proxies read from `environ` (default os.environ)."""
    path, environ = profiles_file(path), os.environ if environ is None else environ
    devices = load_devices()
    table = _read(path).get("profiles")
    if not isinstance(table, dict) or not table:
        raise ProfileError(f"{path}: no [profiles.NAME] table")
    out = {}
    for name, entry in table.items():
        where = f"{path}: [profiles.{name}]"
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,59}", name):
            raise ProfileError(f"{where}: a profile name is letters, digits, '-', '_' or '.'")
        if not isinstance(entry, dict):
            raise ProfileError(f"{where}: must be a table")
        unknown = sorted(set(entry) - set(FIELDS))
        if unknown:
            raise ProfileError(f"{where}: unknown field(s) {', '.join(unknown)} (known: {', '.join(FIELDS)})")
        for key, value in entry.items():
            if not isinstance(value, str) or not value.strip():
                raise ProfileError(f"{where}.{key}: must be a non-empty string")
        device = entry.get("device", "desktop")
        if device in REMOVED_DEVICES:
            raise ProfileError(f"{where}.device: {device!r} is no longer offered: {REMOVED_DEVICES[device]}")
        if device not in devices:
            raise ProfileError(f"{where}.device: unknown device {device!r} (known: {', '.join(devices)})")
        country = entry.get("country")
        if country is not None and not re.fullmatch(r"[A-Z]{2}", country):
            raise ProfileError(f"{where}.country: an ISO 3166 alpha-2 code such as FR, not {country!r}")
        locale = entry.get("locale")
        if locale is not None and not re.fullmatch(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*", locale):
            raise ProfileError(f"{where}.locale: a language tag such as fr-FR, not {locale!r}")
        timezone = entry.get("timezone")
        if timezone is not None:
            try:
                ZoneInfo(timezone)
            except (ZoneInfoNotFoundError, ValueError):
                raise ProfileError(
                    f"{where}.timezone: {timezone!r} is no IANA time zone (such as Europe/Paris)"
                ) from None
        consent = entry.get("consent")
        if consent is not None and consent not in CONSENT_MODES:
            raise ProfileError(f"{where}.consent: one of {', '.join(CONSENT_MODES)}, not {consent!r}")
        accept = entry.get("accept_language")
        if accept is not None and not re.fullmatch(r"[A-Za-z0-9*,;=.\- ]{1,200}", accept):
            raise ProfileError(f'{where}.accept_language: an Accept-Language value such as "fr-FR,fr;q=0.9"')
        template = entry.get("proxy")
        proxy = None
        if template:
            missing = [v for v in ENV.findall(template) if v not in environ]
            if missing:
                raise ProfileError(f"{where}.proxy: environment variable(s) {', '.join(missing)} not set")
            proxy = ENV.sub(lambda m: quote(environ[m.group(1)], safe=""), template)  # a secret's / or # stays its own
            try:
                parts = urlsplit(proxy)
                parts.port  # noqa: B018 - raises on a bad port
                browser_proxy(proxy)
            except ValueError:  # never echo the URL: it holds the secret
                raise ProfileError(
                    f"{where}.proxy: not a proxy URL such as http://user:${{PASSWORD}}@host:port"
                ) from None
        out[name] = Profile(
            name,
            devices[device],
            locale,
            entry.get("accept_language"),
            entry.get("timezone"),
            country,
            proxy,
            template,
            entry.get("user_agent"),
            consent,
        )
    return out


def choose(names: list[str], path: str | os.PathLike | None = None) -> list[Profile]:
    profiles = load_profiles(path)
    unknown = [n for n in names if n not in profiles]
    if unknown:
        raise ProfileError(
            f"{profiles_file(path)}: no profile {', '.join(map(repr, unknown))} (there: {', '.join(profiles)})"
        )
    return [profiles[n] for n in dict.fromkeys(names)]


def profile_names(path: str | os.PathLike | None = None) -> list[str]:
    """The names of the profiles in the file, without reading their secrets from the environment."""
    table = _read(profiles_file(path)).get("profiles")
    return list(table) if isinstance(table, dict) else []


def check_profiles(names, path: str | os.PathLike | None = None) -> None:
    """ProfileError unless every one of `names` is a profile of the profiles file (secrets are not checked)."""
    if not names:
        return
    known = profile_names(path)
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ProfileError(f"no profile {', '.join(unknown)} (there: {', '.join(known)})")


def visitors(names: list[str] | tuple[str, ...], path: str | os.PathLike | None = None, locale: str | None = None):
    """The visitors of a crawl: its named profiles (every site once per profile), else one default desktop
    visitor with this locale."""
    if names:
        return choose(list(names), path)
    return [Profile("default", load_devices()["desktop"], locale)]


def run_profile(visitors: list[Profile]) -> dict:
    """A run's profile record: the one visitor's, else {"profiles": [each]}."""
    return visitors[0].record() if len(visitors) == 1 else {"profiles": [v.record() for v in visitors]}
