"""Consent-gated ad stacks: EU sites whose ad tags run only once the visitor accepted a consent platform's (CMP)
banner, behind CMPs in the shape of real ones (written for the sandbox, in `assets/consent/`):

- `quantcast`: a TCF v2.2 CMP shaped like Quantcast / InMobi Choice (`__tcfapi`, its stub in the head, the
  `#qc-cmp2-ui` banner with AGREE and DISAGREE); the site's ad loader listens through `__tcfapi` and writes the
  tags only on `useractioncomplete` (or `tcloaded`) with purpose 1 consented, as TCF-aware ad stacks do;
- `onetrust`: a banner shaped like OneTrust's (`#onetrust-banner-sdk`, Accept all, Reject all) with its script
  blocking: the tags are in the page as `<script type="text/plain" class="optanon-category-C0004">`, which the
  CMP turns into running scripts once the targeting group C0004 is consented.

Refusing, or not answering, shows no ad at all."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from .app import SandboxApp, VirtualHost
from .cloaking import INJECT_JS
from .http import Request, Response
from .networks import js_string
from .world import Site

ASSETS = Path(__file__).parent / "assets" / "consent"
SCRIPTS = {"quantcast": "tcf-choice.js", "onetrust": "onetrust-stub.js"}
TCF_STUB = (
    "<script>window.__tcfapi||(function(){var q=[];window.__tcfapi=function(){q.push(arguments)};"
    "window.__tcfapi.q=q})();</script>"
)
# the site's ad loader on a TCF site: the tags once purpose 1 is consented, their scripts made to run
TCF_LOADER = """<script>(function () {
  var tags = TAGS, slot = document.currentScript.parentNode, done = false;
  __tcfapi("addEventListener", 2, function (tc, ok) {
    if (done || !ok || !tc || !tc.purpose || !tc.purpose.consents[1]) return;
    if (tc.eventStatus !== "useractioncomplete" && tc.eventStatus !== "tcloaded") return;
    done = true;
    __tcfapi("removeEventListener", 2, function () {}, tc.listenerId);
    inject(slot, tags);
  });
  INJECT
})();</script>""".replace("INJECT", INJECT_JS)


@cache
def asset(name: str) -> str:
    return (ASSETS / SCRIPTS[name]).read_text(encoding="utf-8")


def head(site: Site) -> str:
    """What the CMP puts in the page's head."""
    if site.consent == "quantcast":
        return TCF_STUB + '\n<script async src="/cmp/choice.js"></script>'
    if site.consent == "onetrust":
        return (
            '<script src="/cmp/otSDKStub.js" data-domain-script="0190a5e1-5c7d-7b4e-9f3a-sandbox"></script>\n'
            "<script>function OptanonWrapper() {}</script>"
        )
    return ""


def gate(site: Site, tags: str) -> str:
    """The ad tags of a page of a consent-gated site, as the site writes them."""
    if site.consent == "quantcast":
        return TCF_LOADER.replace("TAGS", js_string(tags))
    if site.consent == "onetrust":
        return re.sub(r"<script\b", '<script type="text/plain" class="optanon-category-C0004"', tags)
    return tags


def register(app: SandboxApp, vhost: VirtualHost, site: Site) -> None:
    if site.consent:
        path = "/cmp/choice.js" if site.consent == "quantcast" else "/cmp/otSDKStub.js"
        app.http(vhost, path, lambda req, s=site: script(s, req))


def script(site: Site, req: Request) -> Response:
    return Response.js(asset(site.consent or ""))
