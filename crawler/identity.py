"""Who the browser says it is: a real Chrome identity derived from the engine's own version, the same in the
User-Agent header, `navigator`, the client hints (`Sec-CH-UA*`, `navigator.userAgentData`), workers and the
plain requests (ads.txt, sellers.json), per device:

- desktop: Chrome on Linux x86_64, what the engine is (no claim a GPU-less Linux engine cannot back up);
- android: Chrome for Android on the engine's version (reduced user agent `Android 10; K`, as Chrome sends
  since its user-agent reduction; the real model and Android version only in high-entropy hints), touch.

"HeadlessChrome" never appears. Languages come from the profile's locale in Chrome's own shape
(`fr-FR,fr;q=0.9,en-US;q=0.8,en;q=0.7`); the time zone, when a profile gives none, from its country or locale.
iOS devices are not offered: Safari cannot be shown by a Chromium engine (sites see Chromium APIs)."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from functools import lru_cache

# Chromium's GREASE brand (components/embedder_support/user_agent_utils): seeded by the major version
_GREASE_CHARS = (" ", "(", ":", "-", ".", "/", ")", ";", "=", "?", "_")
_GREASE_VERSIONS = ("8", "99", "24")
WEBKIT = "AppleWebKit/537.36 (KHTML, like Gecko)"

# a country's most populous time zone: the one a visitor from there most likely has
COUNTRY_TIMEZONES = {
    "US": "America/New_York", "CA": "America/Toronto", "MX": "America/Mexico_City", "BR": "America/Sao_Paulo",
    "AR": "America/Argentina/Buenos_Aires", "CO": "America/Bogota", "CL": "America/Santiago", "PE": "America/Lima",
    "GB": "Europe/London", "IE": "Europe/Dublin", "FR": "Europe/Paris", "BE": "Europe/Brussels",
    "NL": "Europe/Amsterdam", "LU": "Europe/Luxembourg", "DE": "Europe/Berlin", "AT": "Europe/Vienna",
    "CH": "Europe/Zurich", "IT": "Europe/Rome", "ES": "Europe/Madrid", "PT": "Europe/Lisbon",
    "PL": "Europe/Warsaw", "CZ": "Europe/Prague", "SK": "Europe/Bratislava", "HU": "Europe/Budapest",
    "RO": "Europe/Bucharest", "BG": "Europe/Sofia", "GR": "Europe/Athens", "SE": "Europe/Stockholm",
    "NO": "Europe/Oslo", "DK": "Europe/Copenhagen", "FI": "Europe/Helsinki", "TR": "Europe/Istanbul",
    "UA": "Europe/Kyiv", "RU": "Europe/Moscow", "IL": "Asia/Jerusalem",
    "MA": "Africa/Casablanca", "DZ": "Africa/Algiers", "TN": "Africa/Tunis", "EG": "Africa/Cairo", "NG": "Africa/Lagos",
    "ZA": "Africa/Johannesburg", "IN": "Asia/Kolkata", "PK": "Asia/Karachi", "ID": "Asia/Jakarta",
    "PH": "Asia/Manila", "VN": "Asia/Ho_Chi_Minh", "TH": "Asia/Bangkok", "MY": "Asia/Kuala_Lumpur",
    "SG": "Asia/Singapore", "CN": "Asia/Shanghai", "JP": "Asia/Tokyo", "KR": "Asia/Seoul", "AU": "Australia/Sydney",
    "NZ": "Pacific/Auckland", "SA": "Asia/Riyadh", "AE": "Asia/Dubai",
}  # fmt: skip


@dataclass(frozen=True)
class Identity:
    user_agent: str
    platform: str  # navigator.platform
    accept_language: str  # the header, and navigator.languages
    metadata: dict  # CDP userAgentMetadata: what the client hints say

    def cdp_override(self) -> dict:
        """Parameters of CDP `Emulation.setUserAgentOverride` (and `Network.setUserAgentOverride`). Its
        language is the first of Accept-Language only: CDP makes `navigator.languages` of it as written (q-values
        included), and workers take theirs from the context's locale, so page and worker say the same."""
        return {
            "userAgent": self.user_agent,
            "acceptLanguage": self.accept_language.split(",")[0].split(";")[0].strip(),
            "platform": self.platform,
            "userAgentMetadata": self.metadata,
        }

    def headers(self) -> dict[str, str]:
        """What Chrome sends with a top-level request it is asked to load: for plain (non-browser) requests."""
        brands = ", ".join(f'"{b["brand"]}";v="{b["version"]}"' for b in self.metadata["brands"])
        return {
            "User-Agent": self.user_agent,
            "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,"
            "*/*;q=0.8,application/signed-exchange;v=b3;q=0.7",
            "Accept-Language": self.accept_language,
            "Sec-CH-UA": brands,
            "Sec-CH-UA-Mobile": "?1" if self.metadata["mobile"] else "?0",
            "Sec-CH-UA-Platform": f'"{self.metadata["platform"]}"',
            "Sec-Fetch-Dest": "document",
            "Sec-Fetch-Mode": "navigate",
            "Sec-Fetch-Site": "none",
            "Sec-Fetch-User": "?1",
            "Upgrade-Insecure-Requests": "1",
        }


@lru_cache(maxsize=8)
def engine_version(executable: str) -> str:
    """The full version of a Chromium executable (`156.0.8078.108`), read from `--version` (no browser
    started); "" when it does not say."""
    try:
        out = subprocess.run([executable, "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return ""
    found = re.search(r"(\d+)\.(\d+)\.(\d+)\.(\d+)", out)
    return found.group(0) if found else ""


def brands(version: str, full: bool = False) -> list[dict]:
    """The brand list Chromium of `version` reports: its GREASE brand and Chromium, in the engine's order."""
    major = int(version.split(".")[0])
    grease = "Not" + _GREASE_CHARS[major % 11] + "A" + _GREASE_CHARS[(major + 1) % 11] + "Brand"
    grease_version = _GREASE_VERSIONS[major % 3]
    listed = [
        {"brand": grease, "version": f"{grease_version}.0.0.0" if full else grease_version},
        {"brand": "Chromium", "version": version if full else str(major)},
    ]
    return listed if major % 2 == 0 else listed[::-1]


def accept_language(locale: str | None) -> str:
    """Chrome's Accept-Language for a UI language: `fr-FR` -> `fr-FR,fr;q=0.9,en-US;q=0.8,en;q=0.7`."""
    locale = locale or "en-US"
    base = locale.split("-")[0]
    tags = [locale] + ([base] if base != locale else [])
    tags += [t for t in ("en-US", "en") if t not in tags]
    return ",".join(tag if i == 0 else f"{tag};q={1 - i / 10:.1f}" for i, tag in enumerate(tags))


def default_timezone(country: str | None, locale: str | None) -> str | None:
    """The time zone of a visitor from `country` (else the locale's region), or None when neither tells."""
    region = country or (locale.split("-")[1].upper() if locale and "-" in locale else None)
    return COUNTRY_TIMEZONES.get(region or "")


def identity(os_name: str, version: str, locale: str | None, model: str = "", os_version: str = "") -> Identity:
    """The identity of a device running `os_name` ("linux" or "android") on a Chromium of `version`."""
    major = version.split(".")[0]
    metadata = {
        "brands": brands(version),
        "fullVersionList": brands(version, full=True),
        "fullVersion": version,
        "architecture": "x86" if os_name == "linux" else "",
        "bitness": "64" if os_name == "linux" else "",
        "wow64": False,
    }
    if os_name == "android":
        ua = f"Mozilla/5.0 (Linux; Android 10; K) {WEBKIT} Chrome/{major}.0.0.0 Mobile Safari/537.36"
        metadata |= {
            "platform": "Android",
            "platformVersion": os_version or "14.0.0",
            "model": model,
            "mobile": True,
            "formFactors": ["Mobile"],
        }
        platform = "Linux armv81"
    elif os_name == "linux":
        ua = (
            f"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{major}.0.0.0 Safari/537.36"
        )
        metadata |= {
            "platform": "Linux",
            "platformVersion": "",
            "model": "",
            "mobile": False,
            "formFactors": ["Desktop"],
        }
        platform = "Linux x86_64"
    else:
        raise ValueError(f"no identity for the operating system {os_name!r} (linux or android)")
    return Identity(ua, platform, accept_language(locale), metadata)
