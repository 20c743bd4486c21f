"""Cloaking: ad tags a site writes only for the visitors it takes for people, as piracy sites and their ad
networks do to hide from crawlers and reviewers.

- `webdriver`: the tags are written only when `navigator.webdriver` is false;
- `detectors`: the tags are injected only once real detector libraries from the npm registry say "a person":
  BotD (@fingerprintjs/botd: `load()`, then `detect()` must not say bot), devtools-detect (DevTools must not
  be open), disable-devtool (none of its detectors may fire in its first rounds: console timing and getters
  a protocol client with Runtime.enable sets off, debugger pauses, size); and it logs an Error whose `name`
  getter counts its reads, as anti-bot vendors do (a DevTools protocol client with Runtime.enable reads it a
  second time). Loaded from the CDN as sites load them (sandbox/thirdparty.py);
- `identity`: the tags are written only for a browser whose identity holds together, as ad servers and
  fingerprinting scripts check it. On the server, from the page request's headers: a User-Agent without
  "Headless", and client hints (`Sec-CH-UA*`, which Chromium sends on HTTPS) that name the User-Agent's Chrome
  version, device class and operating system. In the page: `navigator.userAgent` and `appVersion` as the
  header said, `userAgentData` brands, `mobile` and `platform` agreeing with the User-Agent, a
  `navigator.platform` of the User-Agent's system (Win32, MacIntel, Linux x86_64, Linux arm* on Android), touch
  points on a phone, and a screen no smaller than the window. Browsers other than Chromium's (no client hints,
  no `userAgentData`) are served.

`INJECT_JS` is how late tags are put in the page with their scripts running (a template's scripts are inert:
each is replaced by a new one); the consent-gated sites use it too (sandbox/consent.py)."""

from __future__ import annotations

import json
import re

from .networks import js_string
from .thirdparty import cdn_url
from .world import Site

INJECT_JS = """function inject(slot, tags) {
  var t = document.createElement("template");
  t.innerHTML = tags;
  t.content.querySelectorAll("script").forEach(function (old) {
    var s = document.createElement("script");
    for (var i = 0; i < old.attributes.length; i++) s.setAttribute(old.attributes[i].name, old.attributes[i].value);
    if (!old.src) s.text = old.text;
    old.parentNode.replaceChild(s, old);
  });
  slot.appendChild(t.content);
}"""

DETECTORS_LOADER = """<div id="cloaked-slot"></div><script src="DISABLE_DEVTOOL"></script><script type="module">
import { load } from "BOTD";
import devtools from "DEVTOOLS";
INJECT
let devtoolSeen = false, nameReads = 0;
try { DisableDevtool({ ondevtoolopen() { devtoolSeen = true; } }); } catch (e) { devtoolSeen = true; }
const probe = new Error("probe");  // the anti-bot vendors' test: Chromium reads the name once, a client again
Object.defineProperty(probe, "name", { get() { nameReads++; return "Error"; } });
console.debug(probe);
const result = await (await load()).detect();
await new Promise((done) => setTimeout(done, 1200));  // disable-devtool's checks run every 500 ms
const client = nameReads > 1;
document.documentElement.dataset.cloaking = [result.bot && "botd", devtools.isOpen && "devtools-detect",
  devtoolSeen && "disable-devtool", client && "protocol-client"].filter(Boolean).join(" ") || "person";
if (!result.bot && !devtools.isOpen && !devtoolSeen && !client) inject(document.getElementById("cloaked-slot"), TAGS);
</script>"""


# the operating system a User-Agent names: (its words in the User-Agent, Sec-CH-UA-Platform, navigator.platform)
SYSTEMS = (
    ("Android", "Android", r"^Linux (arm|aarch)"),
    ("Windows NT", "Windows", r"^Win32$"),
    ("Macintosh", "macOS", r"^MacIntel$"),
    ("X11; Linux", "Linux", r"^Linux x86_64$"),
    ("CrOS", "Chrome OS", r"^Linux "),
)

IDENTITY_CHECK = """<script>(function () {
  var ua = navigator.userAgent, data = navigator.userAgentData, mobile = /Mobile/.test(ua);
  var version = /Chrome\\/(\\d+)/.exec(ua), system = SYSTEMS.filter(function (s) { return ua.indexOf(s[0]) >= 0; })[0];
  var chromium = version ? !!data && data.mobile === mobile && (!system || data.platform === system[1])
    && data.brands.some(function (b) { return b.brand === "Chromium" && b.version === version[1]; }) : !data;
  var holds = ua === HEADER_UA && navigator.appVersion === ua.replace(/^Mozilla\\//, "") && chromium
    && (!system || new RegExp(system[2]).test(navigator.platform)) && (!mobile || navigator.maxTouchPoints > 0)
    && screen.width >= innerWidth && screen.height >= innerHeight;
  document.documentElement.dataset.cloaking = holds ? "person" : "inconsistent identity";
  if (holds) document.write(TAGS);
})();</script>"""


def identity_holds(headers: dict[str, str]) -> bool:
    """Do a page request's User-Agent and client hints tell one story (what an ad server checks before it
    serves)? `headers` with lower-case names. Browsers other than Chromium's send no client hints."""
    ua = headers.get("user-agent", "")
    version = re.search(r"Chrome/(\d+)", ua)
    system = next((s for s in SYSTEMS if s[0] in ua), None)
    if "Headless" in ua or not ua:
        return False
    if not version:
        return "sec-ch-ua" not in headers
    return (
        f'"Chromium";v="{version[1]}"' in headers.get("sec-ch-ua", "")
        and headers.get("sec-ch-ua-mobile") == ("?1" if "Mobile" in ua else "?0")
        and (system is None or headers.get("sec-ch-ua-platform") == f'"{system[1]}"')
    )


def gate(site: Site, tags: str, headers: dict[str, str] | None = None) -> str:
    """The ad tags of a page of `site`, as its cloaking writes them (unchanged without cloaking) for a page
    request with these `headers` (lower-case names)."""
    if "identity" in site.cloaking:
        if not identity_holds(headers or {}):
            return ""
        return (
            IDENTITY_CHECK.replace("SYSTEMS", json.dumps(SYSTEMS))
            .replace("TAGS", js_string(tags))
            .replace("HEADER_UA", js_string(headers["user-agent"]))
        )
    if "detectors" in site.cloaking:
        return (
            DETECTORS_LOADER.replace("BOTD", cdn_url("@fingerprintjs/botd", "dist/botd.esm.js"))
            .replace("DEVTOOLS", cdn_url("devtools-detect", "index.js"))
            .replace("DISABLE_DEVTOOL", cdn_url("disable-devtool", "disable-devtool.min.js"))
            .replace("INJECT", INJECT_JS)
            .replace("TAGS", js_string(tags))
        )
    if "webdriver" in site.cloaking:
        return f"<script>if (!navigator.webdriver) {{ document.write({js_string(tags)}); }}</script>"
    return tags
