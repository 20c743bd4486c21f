"""Cookie consent in real crawls: `moneytrail crawl` (Scrapy, scrapy-playwright, Chromium, DuckDuckGo's
autoconsent from npm) over the sandbox's consent-gated EU sites (a TCF CMP shaped like Quantcast Choice, a
banner shaped like OneTrust's with its script blocking) and a site without a CMP, with consent handling
(the default, `accept`), with `--consent reject` and with `--consent off`; and hostile fake CMPs served
beside the sandbox, which must neither hang a visit nor make autoconsent click anything but a CMP's button."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from helpers import run_cli
from moneytrail.crawler.domains import site_of
from moneytrail.crawler.store import open_store
from moneytrail.crawler.store.schema import FindingLink, Visit
from moneytrail.crawler.store.visits import load_observations
from moneytrail.sandbox.scoring import applicable

pytestmark = [pytest.mark.timeout(900)]
CMP_NAMES = {"quantcast": "quantcast", "onetrust": "Onetrust"}  # the sandbox's CMP shape -> autoconsent's rule
NO_CMP = "kinoflix-de.test"  # an EU site whose ads need no consent


@pytest.fixture(scope="module")
def gated(truth):
    return [s for s in truth["sites"] if s["consent"]]


@pytest.fixture(scope="module")
def crawls(sandbox, truth, gated, tmp_path_factory):
    """The same sites crawled three times: consent accepted (the default), rejected, off."""
    plain = next(s for s in truth["sites"] if s["domain"] == NO_CMP)
    out = {}
    for mode in ("accept", "reject", "off"):
        home = tmp_path_factory.mktemp(f"consent-{mode}")
        watchlist = home / "sites.txt"
        watchlist.write_text("".join(f"{s['url']}\n" for s in [*gated, plain]))
        db = f"sqlite:///{home / 'store.db'}"
        flags = [] if mode == "accept" else ["--consent", mode]
        result = run_cli(
            "crawl", "-w", watchlist, "--db", db, "--proxy", sandbox.address, "--pages", "0", "--no-adstxt",
            "--no-progress", "--log", home / "crawl.log", *flags, env={"MONEYTRAIL_HOME": str(home)},
        )  # fmt: skip
        assert result.returncode == 0, result.stderr[-3000:]
        store = open_store(db, home / "shots")
        with store.session() as s:
            links = {(f.site, f.network, f.advertiser) for f in s.scalars(select(FindingLink))}
            columns = {v.final_site: (v.consent, v.consent_cmp) for v in s.scalars(select(Visit))}
        visits = {obs.final_site: obs for obs in load_observations(store)}
        out[mode] = {"visits": visits, "links": links, "columns": columns, "stdout": result.stdout}
    return out


def gated_hosts(site) -> set[str]:
    return {r["host"] for r in site["requests"] if "home" in r["pages"]}


def expected_links(site, consent: str) -> set[tuple]:
    return {
        (site["domain"], link["network"], link["advertiser"])
        for link in site["links"]
        if "home" in link["pages"] and applicable(link["when"], consent=consent)
    }


def test_the_truth_says_the_gated_ads_need_consent(gated):
    assert {s["consent"] for s in gated} == set(CMP_NAMES)
    for site in gated:
        assert site["links"] and all(link["when"] == {"consent": "accept"} for link in site["links"])
        assert site["requests"] and all(r["when"] == {"consent": "accept"} for r in site["requests"])
        assert expected_links(site, "accept") and not expected_links(site, "reject") | expected_links(site, "off")


def test_with_consent_accepted_the_gated_ads_are_recorded_and_attributed(crawls, gated):
    run = crawls["accept"]
    for site in gated:
        obs = run["visits"][site["domain"]]
        assert gated_hosts(site) <= obs.hosts(), site["domain"]
        assert expected_links(site, "accept") <= run["links"], site["domain"]


def test_without_consent_handling_or_with_consent_refused_they_are_not(crawls, gated):
    for mode in ("off", "reject"):
        run = crawls[mode]
        for site in gated:
            obs = run["visits"][site["domain"]]
            assert obs.status == "ok" and not gated_hosts(site) & obs.hosts(), (mode, site["domain"])
            assert not {link for link in run["links"] if link[0] == site["domain"]}, (mode, site["domain"])
            assert not [w for w in obs.windows if w.kind == "ad_link"]


def test_the_observation_says_which_cmp_and_what_was_done(crawls, gated):
    for mode, outcome in (("accept", "accepted"), ("reject", "rejected")):
        run = crawls[mode]
        for site in gated:
            obs, name = run["visits"][site["domain"]], CMP_NAMES[site["consent"]]
            consent = obs.consent
            assert consent.mode == mode and consent.library.startswith("@duckduckgo/autoconsent ")
            assert consent.outcome() == outcome and consent.errors == []
            cmp = next(c for c in consent.cmps if c.page == 0 and c.main_frame)
            assert (cmp.name, cmp.outcome, cmp.result, cmp.clicks) == (name, "done", True, 1)
            # the visit waits only for a CMP found by the time it reaches its consent step; one found a moment
            # later (a loaded machine) is answered without that wait, still before the visit's clicks (below)
            assert cmp.detected_at <= cmp.popup_at <= cmp.done_at
            steps = {s.n: s for s in obs.steps}
            assert steps[cmp.step].action == "consent" and steps[cmp.step].detail == f"{name}: {mode}"
            first_click = min(s.n for s in obs.steps if s.action.startswith("click"))
            assert cmp.step < first_click  # the banner was answered before the visit's clicks
            assert run["columns"][site["domain"]] == (outcome, name)
    for site in gated:
        off = crawls["off"]["visits"][site["domain"]].consent
        assert (off.mode, off.outcome(), off.cmps, off.library) == ("off", "off", [], "")
        assert crawls["off"]["columns"][site["domain"]] == ("off", None)


def test_a_page_without_a_cmp_waits_for_none(crawls):
    for mode in ("accept", "reject"):
        obs = crawls[mode]["visits"][NO_CMP]
        assert obs.consent.outcome() == "none" and obs.consent.cmps == [] and obs.consent.waited == 0
        assert "consent" not in {s.action for s in obs.steps}
        assert crawls[mode]["columns"][NO_CMP] == ("none", None)
    # its ads are the same whatever the mode
    hosts = {mode: crawls[mode]["visits"][NO_CMP].hosts() for mode in crawls}
    assert hosts["accept"] & {"c1.popadscdn.net"} == hosts["off"] & {"c1.popadscdn.net"} == {"c1.popadscdn.net"}


def test_the_crawl_summary_says_what_was_done(crawls, gated):
    names = ", ".join(sorted(f"{CMP_NAMES[s['consent']]} 1" for s in gated))
    said = f"cookie consent (accept): a banner answered on {len(gated)} visit(s) ({names})"
    assert said in crawls["accept"]["stdout"]
    assert "cookie consent: off (banners left unanswered)" in crawls["off"]["stdout"]


# --- hostile fake CMPs -------------------------------------------------------------------------------------
BANNER = """<div id="qc-cmp2-container"><div class="qc-cmp2-main"><div id="qc-cmp2-ui" role="dialog"
style="position:fixed;left:0;right:0;bottom:0;height:160px;background:#fff;z-index:99">We value your privacy
<div class="qc-cmp2-summary-buttons"><button mode="secondary">MORE OPTIONS</button><button mode="secondary">DISAGREE
</button><button mode="primary" id="agree">AGREE</button></div></div></div></div>"""
TRAPS = {
    # the AGREE button's handler never returns: the page stops answering
    "/spin": BANNER + "<script>document.getElementById('agree').onclick = function () { for (;;) {} };</script>",
    # the banner comes back after every answer, and an ad dressed as a consent button waits beside it
    "/again": '<a id="decoy" href="https://ads.cmp-trap.test/click" style="position:fixed;top:0;right:0">'
    "Accept all cookies</a>"
    + BANNER
    + """<script>
      var banner = document.getElementById('qc-cmp2-container').outerHTML;
      document.addEventListener('click', function again(e) {
        if (e.target.id !== 'agree') return;
        setTimeout(function () { document.body.insertAdjacentHTML('beforeend', banner); }, 50);
      }, true);</script>""",
    # a CMP autoconsent knows only by a global of the page (Cookiebot: its rule's snippet `!!window.Cookiebot`,
    # evaluated in the page's world while the library itself runs in an isolated one)
    "/cookiebot": '<div id="CybotCookiebotDialog"><button id="CybotCookiebotDialogBodyButtonAccept">OK</button>'
    "</div><script>window.Cookiebot = {hasResponse: false, dialog: {visible: true}, declined: false};"
    "document.getElementById('CybotCookiebotDialogBodyButtonAccept').onclick = function () {"
    "  Cookiebot.hasResponse = true; Cookiebot.dialog.visible = false;"
    "  document.getElementById('CybotCookiebotDialog').remove(); };</script>",
}


@pytest.fixture(scope="module")
def trap_sandbox(world, tmp_path_factory):
    from moneytrail.sandbox.build import build_app
    from moneytrail.sandbox.http import Response
    from moneytrail.sandbox.server import SandboxServer, SandboxThread

    app = build_app(world)
    asked = []
    for path, body in TRAPS.items():
        app.http("cmp-trap.test", path, lambda req, b=body: Response.html(f"<title>trap</title><body>{b}</body>"))
    app.http("ads.cmp-trap.test", "/*", lambda req: asked.append(req.path) or Response.html("<title>ad</title>"))
    with SandboxThread(SandboxServer(app, tmp_path_factory.mktemp("trap"))) as running:
        yield running, asked


async def _visit(proxy: str, chromium_path: str, url: str):
    from playwright.async_api import async_playwright

    from moneytrail.crawler.browser import QUIET_ARGS
    from moneytrail.crawler.visit import visit_url

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium_path, args=list(QUIET_ARGS), proxy={"server": proxy})
        try:
            return (await visit_url(browser, url, visit_id="trap", site=site_of(url), consent="accept")).result
        finally:
            await browser.close()


def test_a_cmp_that_never_lets_go_does_not_hang_the_visit(trap_sandbox, chromium_path):
    running, _ = trap_sandbox
    obs = asyncio.run(asyncio.wait_for(_visit(running.address, chromium_path, "https://cmp-trap.test/spin"), 300))
    (cmp,) = obs.consent.cmps
    assert cmp.name == "quantcast" and cmp.popup_at is not None and cmp.outcome == "pending"
    assert obs.status == "hostile" and "unresponsive" in obs.hostile  # the page's own loop, recorded as such


def test_autoconsent_clicks_only_the_cmps_own_button(trap_sandbox, chromium_path):
    running, asked = trap_sandbox
    obs = asyncio.run(asyncio.wait_for(_visit(running.address, chromium_path, "https://cmp-trap.test/again"), 300))
    assert obs.status == "ok" and obs.consent.outcome() == "accepted"
    assert [c.clicks for c in obs.consent.cmps] == [1]  # answered once; the banner put back is left alone
    assert asked == [] and "ads.cmp-trap.test" not in obs.hosts()  # the decoy "Accept all cookies" ad: never


def test_a_cmp_known_by_a_page_global_is_answered(trap_sandbox, chromium_path):
    running, _ = trap_sandbox
    obs = asyncio.run(asyncio.wait_for(_visit(running.address, chromium_path, "https://cmp-trap.test/cookiebot"), 300))
    (cmp,) = obs.consent.cmps
    assert cmp.name.lower() == "cybotcookiebot" and cmp.outcome == "done" and cmp.clicks >= 1, cmp
