"""Cloaking: ad tags a site writes only for the visitors it takes for people, as piracy sites and their ad
networks do to hide from crawlers and reviewers.

- `webdriver`: the tags are written only when `navigator.webdriver` is false;
- `detectors`: the tags are injected only once real detector libraries from the npm registry say "a person":
  BotD (@fingerprintjs/botd: `load()`, then `detect()` must not say bot), devtools-detect (DevTools must not
  be open), disable-devtool (none of its detectors may fire in its first rounds: console timing and getters
  a protocol client with Runtime.enable sets off, debugger pauses, size); and it logs an Error whose `name`
  getter counts its reads, as anti-bot vendors do (a DevTools protocol client with Runtime.enable reads it a
  second time). Loaded from the CDN as sites load them (sandbox/thirdparty.py).

`INJECT_JS` is how late tags are put in the page with their scripts running (a template's scripts are inert:
each is replaced by a new one); the consent-gated sites use it too (sandbox/consent.py)."""

from __future__ import annotations

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


def gate(site: Site, tags: str) -> str:
    """The ad tags of a page of `site`, as its cloaking writes them (unchanged without cloaking)."""
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
