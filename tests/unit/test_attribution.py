"""Attribution rules, one by one, on small hand-made observations (including the deceptive cases)."""

from __future__ import annotations

import shutil

import pytest

from moneytrail.attribution.attribute import attribute
from moneytrail.attribution.clusters import operators
from moneytrail.attribution.ids import adstxt_findings
from moneytrail.attribution.lists import FilterLists
from moneytrail.attribution.signatures import DEFAULT_DIR, SignatureError, load
from moneytrail.crawler.adstxt import parse_adstxt, sellers
from moneytrail.crawler.observation import (
    AdLink,
    Element,
    FrameRecord,
    Hop,
    InlineScript,
    Notice,
    Observation,
    Overlay,
    RequestRecord,
    Step,
    WasmModule,
    WebSocketRecord,
    WindowOpenCall,
    WindowRecord,
    WorkerRecord,
)

SITE = "https://piracy.test/"


@pytest.fixture(scope="module")
def sigs():
    return load()


class Visit:
    """Builds an observation of piracy.test request by request."""

    def __init__(self):
        self.obs = Observation(
            "v", SITE, "piracy.test", "home", "2026-11-01T00:00:00+00:00", final_url=SITE, final_site="piracy.test"
        )
        self.obs.frames = [FrameRecord(0, 0, None, SITE)]
        self.request(SITE, "document", navigation=True)

    def request(
        self,
        url,
        rtype="script",
        *,
        page=0,
        frame=0,
        navigation=False,
        initiator=None,
        itype=None,
        redirected_from=None,
    ):
        r = RequestRecord(
            len(self.obs.requests),
            url,
            "GET",
            rtype,
            page,
            frame,
            navigation,
            1,
            0.1 * len(self.obs.requests),
            initiator=initiator,
            initiator_type=itype,
            redirected_from=redirected_from,
        )
        self.obs.requests.append(r)
        return r

    def popup(self, page, urls, vias, *, kind="popup", opened_at=5.0, landing_title="", step=3, previous=None):
        for url in urls:
            self.request(url, "document", page=page, frame=None, navigation=True)
        self.obs.windows.append(
            WindowRecord(
                page,
                kind,
                step,
                opened_at,
                0 if kind != "tabunder" else None,
                [Hop(u, v) for u, v in zip(urls, vias, strict=True)],
                landing_url=urls[-1],
                landing_title=landing_title,
                previous=previous,
            )
        )


def test_a_network_is_found_by_its_name_or_an_alias_in_any_case(sigs):
    assert sigs.network_named("PopAds") == sigs.network_named(" popads ") == "PopAds"
    assert sigs.network_named("MONETAG") == sigs.network_named("propeller ads") == "PropellerAds"
    assert sigs.network_named("Pop") is None and sigs.network_named("") is None


def test_a_network_host_and_its_subdomains(sigs):
    v = Visit()
    v.request("https://c1.popadscdn.net/pop.js")
    v.request("https://www.popads.net/x.gif", "image")
    found = attribute(v.obs, sigs)
    assert {(h.network, h.evidence, h.host) for h in found.networks} == {
        ("PopAds", "host", "c1.popadscdn.net"),
        ("PopAds", "host", "www.popads.net"),
    }


def test_a_throwaway_host_by_url_pattern_and_what_its_script_loads(sigs):
    v = Visit()
    tag = v.request("https://qwxyzabc12.com/a3f9c2e1d4b5/invoke.js", initiator=SITE, itype="parser")
    v.request("https://cdn-rotating-9.net/p.js", initiator=tag.url, itype="script")  # loaded by the network's script
    v.request(
        "https://cdn-rotating-9.net/img.gif", "image", initiator="https://cdn-rotating-9.net/p.js", itype="script"
    )
    v.request("https://unrelated-cdn.test/lib.js", initiator=SITE, itype="parser")
    found = attribute(v.obs, sigs)
    assert {(h.host, h.evidence) for h in found.networks if h.network == "Adsterra"} == {
        ("qwxyzabc12.com", "host"),
        ("cdn-rotating-9.net", "initiator"),
    }
    assert not any(h.host == "unrelated-cdn.test" for h in found.networks)
    assert ("adsterra_key", "a3f9c2e1d4b5") in {(i.id_type, i.id_value) for i in found.ids}


def test_a_popunder_from_the_handler_script_not_the_helper_it_borrowed(sigs):
    """Two tags share one pop-under helper (defined by whichever ran first): the window belongs to the
    network whose handler called it, the outermost network script of the stack."""
    v = Visit()
    v.request("https://a.exosrv.com/ad-provider.js")
    v.request("https://qwxyzabc12.com/a3f9c2e1d4b5/invoke.js")
    click = "https://qwxyzabc12.com/click?z=1"
    v.obs.window_opens.append(
        WindowOpenCall(
            0,
            SITE,
            click,
            "_blank",
            "https://a.exosrv.com/ad-provider.js",
            3,
            4.9,
            stack=["https://a.exosrv.com/ad-provider.js", "https://qwxyzabc12.com/a3f9c2e1d4b5/invoke.js"],
        )
    )
    v.obs.notices.append(Notice("focus", SITE, 0, "https://a.exosrv.com/ad-provider.js", 5.0))
    v.popup(
        1,
        [click, "https://trk.broker.test/r", "https://casino-winner.test/lp"],
        ["open", "http", "meta"],
        landing_title="Casino: 200 free spins",
    )
    (link,) = attribute(v.obs, sigs).links
    assert (link.network, link.advertiser, link.kind, link.category) == (
        "Adsterra",
        "casino-winner.test",
        "popunder",
        "gambling",
    )
    assert [h.role for h in link.chain] == ["network", "broker", "advertiser"] and link.brokers == ["broker.test"]


def test_a_window_without_focus_back_is_a_popup_and_brokers_are_not_the_networks(sigs):
    v = Visit()
    v.request("https://hilltopads.net/ht.js")
    click = "https://hilltopads.com/click?s=1"
    v.obs.window_opens.append(WindowOpenCall(0, SITE, click, "_blank", "https://hilltopads.net/ht.js", 3, 6.4))
    v.popup(
        1,
        [click, "https://go.tds.test/x", "https://fake-antivirus.test/"],
        ["open", "js", "http"],
        opened_at=6.5,
        landing_title="WARNING! Your computer is infected",
    )
    # the broker's and the landing page's requests are navigations from a document: never the network's
    v.obs.requests[-2].initiator, v.obs.requests[-2].initiator_type = click, "script"
    found = attribute(v.obs, sigs)
    (link,) = found.links
    assert (link.network, link.kind, link.category) == ("HilltopAds", "popup", "scam")
    assert all(h.host not in ("go.tds.test", "fake-antivirus.test") for h in found.networks)


def test_another_networks_focus_call_does_not_make_a_popup_a_popunder(sigs):
    """Two networks on one page: PopAds' pop-under calls focus() a moment after HilltopAds' delayed popup
    opened. The focus belongs to PopAds' window, not to HilltopAds'."""
    v = Visit()
    v.request("https://hilltopads.net/ht.js")
    v.request("https://c1.popads.net/pop.js")
    click = "https://hilltopads.com/click?s=1"
    v.obs.window_opens.append(WindowOpenCall(0, SITE, click, "_blank", "https://hilltopads.net/ht.js", 3, 6.4))
    v.obs.notices.append(Notice("focus", SITE, 0, "https://c1.popads.net/pop.js", 6.6))
    v.popup(1, [click, "https://fake-antivirus.test/"], ["open", "http"], opened_at=6.5)
    (link,) = attribute(v.obs, sigs).links
    assert (link.network, link.kind) == ("HilltopAds", "popup")
    v.obs.notices.append(Notice("focus", SITE, 0, "https://hilltopads.net/ht.js", 6.7))  # its own focus() call
    (link,) = attribute(v.obs, sigs).links
    assert (link.network, link.kind) == ("HilltopAds", "popunder")


def test_ad_frames_links_and_what_frames_load(sigs):
    v = Visit()
    v.obs.frames.append(FrameRecord(1, 0, 0, "https://syndication.exdynsrv.com/ads-iframe-display.php?idzone=77"))
    v.obs.frames.append(FrameRecord(2, 0, 1, "https://creatives.cdn.test/c.html"))
    v.request("https://syndication.exdynsrv.com/ads-iframe-display.php?idzone=77", "document", frame=1, navigation=True)
    v.request(
        "https://creatives.cdn.test/c.html",
        "document",
        frame=2,
        navigation=True,
        initiator="https://syndication.exdynsrv.com/ads-iframe-display.php?idzone=77",
        itype="parser",
    )
    v.request("https://creatives.cdn.test/banner.jpg", "image", frame=2)
    click = "https://syndication.exdynsrv.com/click?x=1"
    v.obs.ad_links.append(AdLink(click, "https://creatives.cdn.test/c.html", "frame", followed=True))
    v.popup(1, [click, "https://cams-adult.test/"], ["open", "http"], kind="ad_link", landing_title="Live cams 18+")
    found = attribute(v.obs, sigs)
    assert ("ExoClick", "initiator", "creatives.cdn.test") in {(h.network, h.evidence, h.host) for h in found.networks}
    (link,) = found.links
    assert (link.network, link.kind, link.category) == ("ExoClick", "display", "adult")
    # the creative's ids are another publisher's, never this site's: only the main frame's URLs count
    assert ("exoclick_zone", "77") not in {(i.id_type, i.id_value) for i in found.ids}


def test_injected_links_push_native_and_click_traps(sigs):
    v = Visit()
    v.request("https://propu.sh/pfe/current/tag.min.js")
    v.request("https://jsc.mgid.com/widget.js")
    v.request("https://cdn.popcash.net/show.js")
    v.obs.notices.append(Notice("notification_prompt", SITE, 0, "https://propu.sh/pfe/current/tag.min.js", 1.0))
    push, native, trap = (
        "https://oclaserver.com/click?z=5",
        "https://clck.mgid.com/c?i=2",
        "https://ct.popcash.net/click?u=3",
    )
    v.obs.ad_links += [
        AdLink(push, SITE, "injected", True, 320, 40),
        AdLink(native, SITE, "injected", True, 160, 110),
        AdLink(trap, SITE, "injected", False, 1280, 900),
    ]
    v.popup(1, [push, "https://crypto-pump.test/"], ["open", "http"], kind="ad_link", landing_title="Bitcoin 100x")
    v.popup(2, [native, "https://shop.test/"], ["open", "http"], kind="ad_link")
    v.popup(3, [trap, "https://dating-site.test/"], ["open", "http"], landing_title="Meet singles")
    kinds = {(link.network, link.kind) for link in attribute(v.obs, sigs).links}
    assert kinds == {("PropellerAds", "push"), ("MGID", "native"), ("PopCash", "popunder")}


def test_overlays_tabunders_and_first_party_windows(sigs):
    v = Visit()
    v.obs.frames.append(FrameRecord(1, 0, 0, "https://tsyndicate.com/iframes2/overlay.html?spot=9"))
    v.request("https://tsyndicate.com/iframes2/overlay.html?spot=9", "document", frame=1, navigation=True)
    v.obs.window_opens.append(
        WindowOpenCall(
            0,
            "https://tsyndicate.com/iframes2/overlay.html?spot=9",
            "https://tsyndicate.com/click",
            "_blank",
            None,
            3,
            4.0,
        )
    )
    v.popup(1, ["https://tsyndicate.com/click", "https://cams.test/"], ["open", "http"], opened_at=4.1)
    v.request("https://onclkds.com/tag.js")
    v.obs.window_opens.append(WindowOpenCall(0, SITE, SITE, "_blank", "https://onclkds.com/tag.js", 3, 4.0))
    v.popup(2, [SITE], ["open"])  # the page re-opened in a new tab: first party, no ad
    tab = v.request(
        "https://oclaserver.com/click?z=1",
        "document",
        navigation=True,
        initiator="https://onclkds.com/tag.js",
        itype="script",
    )
    v.request("https://bet-now.test/", "document", navigation=True, initiator=tab.url, itype="script")
    v.obs.windows.append(
        WindowRecord(
            0,
            "tabunder",
            3,
            4.2,
            None,
            [Hop(tab.url, "js"), Hop("https://bet-now.test/", "http")],
            landing_url="https://bet-now.test/",
        )
    )
    v.obs.window_opens.append(WindowOpenCall(0, SITE, "/share?u=1", "share", SITE, 3, 7.0))
    v.popup(3, ["https://piracy.test/share?u=1"], ["open"], opened_at=7.0)  # a first-party share box
    links = {(link.network, link.kind, link.advertiser) for link in attribute(v.obs, sigs).links}
    assert links == {("TrafficStars", "overlay", "cams.test"), ("PropellerAds", "tabunder", "bet-now.test")}


def test_an_unknown_network_is_named_by_its_first_hop(sigs):
    v = Visit()
    v.obs.window_opens.append(WindowOpenCall(0, SITE, "https://newadnet.test/c", "_blank", SITE, 3, 5.0))
    v.popup(1, ["https://newadnet.test/c", "https://deal-site.test/"], ["open", "http"])
    (link,) = attribute(v.obs, sigs).links
    assert (link.network, link.advertiser, link.category) == ("unknown:newadnet.test", "deal-site.test", "unclassified")


def _miner_ws(url, sent, received):
    return WebSocketRecord(url, 0, 1.0, sent=sent, received=received)


def test_miners_by_pool_protocol_with_key_or_wallet(sigs):
    v = Visit()
    v.request("https://coinhive.com/lib/coinhive.min.js")
    v.obs.inline_scripts.append(
        InlineScript("x", 60, 'new CoinHive.Anonymous("SiteKey123456789",{throttle:0}).start();', SITE)
    )
    v.obs.websockets.append(
        _miner_ws(
            "wss://ws014.coinhive.com/proxy",
            [
                '{"type":"auth","params":{"site_key":"SiteKey123456789","type":"anonymous"}}',
                '{"type":"submit","params":{"job_id":"1","nonce":"ab","result":"cd"}}',
            ],
            ['{"type":"job","params":{"job_id":"1","blob":"0707","target":"ffff"}}'],
        )
    )
    (miner,) = attribute(v.obs, sigs).miners
    assert (miner.service, miner.site_key) == ("Coinhive", "SiteKey123456789")
    assert {"pool_auth", "pool_job", "pool_submit", "miner_host", "inline_key"} <= set(miner.signals)

    v = Visit()  # self-hosted: no known host, stratum with a wallet, a cn wasm module
    wallet = "4" + "A" * 94
    v.obs.websockets.append(
        _miner_ws(
            "wss://node.metrics.test/socket",
            ['{"id":1,"jsonrpc":"2.0","method":"login","params":{"login":"' + wallet + '.rig1","pass":"x"}}'],
            [
                '{"id":1,"result":{"id":"w","job":{"blob":"0707","job_id":"1"},"status":"OK"}}',
                '{"jsonrpc":"2.0","method":"job","params":{"blob":"0808","job_id":"2"}}',
            ],
        )
    )
    v.obs.wasm.append(
        WasmModule(
            "ab" * 32, 900, "network", "https://piracy.test/static/cn.wasm", exports=["memory", "cn_init", "cn_hash"]
        )
    )
    found = attribute(v.obs, sigs)
    (miner,) = found.miners
    assert (miner.service, miner.wallet, miner.site_key) == ("unknown", wallet, None)
    assert {"pool_auth", "pool_job", "wasm"} <= set(miner.signals)
    assert ("miner_wallet", wallet) in {(i.id_type, i.id_value) for i in found.ids}


def test_decoys_are_not_miners(sigs):
    v = Visit()
    v.obs.websockets.append(
        _miner_ws(
            "wss://chat.piracy.test/socket",
            ['{"type":"join","room":"general","nick":"g1"}'],
            ['{"type":"msg","user":"sara","text":"stream is fine"}'],
        )
    )
    v.obs.wasm.append(
        WasmModule(
            "cd" * 32,
            300,
            "network",
            "https://piracy.test/static/wasm/thumbs.wasm",
            exports=["memory", "alloc", "decode_rle"],
        )
    )
    v.obs.workers.append(WorkerRecord("https://piracy.test/static/js/thumbs-worker.js", "worker", 0, SITE))
    assert attribute(v.obs, sigs).miners == []


def test_publisher_ids_from_tags_of_the_site_only(sigs):
    v = Visit()
    v.obs.inline_scripts.append(InlineScript("a", 90, "var _pop = _pop || [];_pop.push(['siteId', 4412331]);", SITE))
    v.obs.inline_scripts.append(
        InlineScript("b", 60, "gtag('config','G-LUM3R1E42X');ga('create','UA-88123456-1','auto');", SITE)
    )
    v.obs.inline_scripts.append(InlineScript("c", 40, "var id='UA-99999999-1';", "https://ad-creative.test/frame.html"))
    v.request("https://pagead2.googlesyndication.com/pagead/js/adsbygoogle.js?client=ca-pub-4213377201944519")
    v.request("https://propu.sh/pfe/current/tag.min.js")
    v.request("https://jsc.mgid.com/site/123456.js")  # MGID's loader: its widget div is MGID's (not Adskeeper's)
    v.obs.elements = [
        Element("ins", {"class": "adsbygoogle", "data-ad-client": "ca-pub-4213377201944519"}),
        Element("script", {"src": "https://propu.sh/pfe/current/tag.min.js", "data-zone": "3502240"}),
        Element("script", {"src": "https://own-cdn.test/x.js", "data-zone": "111111"}),  # not a network's
        Element("div", {"data-type": "_mgwidget", "data-widget-id": "5566778"}),
    ]
    found = attribute(v.obs, sigs)
    ids = {(i.id_type, i.id_value) for i in found.ids}
    assert ids == {
        ("popads_site_id", "4412331"),
        ("ga4", "G-LUM3R1E42X"),
        ("ua", "UA-88123456-1"),
        ("adsense", "ca-pub-4213377201944519"),
        ("propeller_zone", "3502240"),
        ("mgid_widget", "5566778"),
        ("mgid_site", "123456"),
    }
    assert {"PopAds", "MGID"} <= {h.network for h in found.networks if h.evidence == "inline"}


def test_adstxt_lines_are_read_as_the_iab_spec_says(sigs):
    text = (
        "\ufeffgoogle.com, pub-4213377201944519, DIRECT, f08c47fec0942fa0\r\n<html><p>Oops, not found, sorry</p>\r\n"
        "contact=ops@x.test\r\npopads.net, 1\r\nexoclick.com, 99, DIRECTE\r\npubmatic.com; 1; RESELLER\r\n"
        "openx.com, 5, RESELLER # a comment\r\n" + "A" * 20000 + "\r\n"
    )
    parsed = parse_adstxt(text)
    assert [(r.ad_system, r.account_id, r.relationship) for r in parsed.records] == [
        ("google.com", "pub-4213377201944519", "DIRECT"),
        ("openx.com", "5", "RESELLER"),
    ]
    assert parsed.skipped == [2, 4, 5, 6, 8]
    hits, ids, _ = adstxt_findings(text, sigs)
    assert [(h.network, h.evidence) for h in hits] == [("Google AdSense", "adstxt")]
    assert [i.id_value for i in ids] == ["google.com:pub-4213377201944519"]  # RESELLER lines bind nothing
    assert sellers('{"sellers":[{"seller_id":"pub-1","name":"LUMIERE MEDIA LTD","seller_type":"PUBLISHER"}]}') == {
        "pub-1": {"name": "LUMIERE MEDIA LTD", "seller_type": "PUBLISHER"}
    }
    assert sellers("<html>") == {} and sellers('{"sellers": 3}') == {}


def test_operator_clusters_and_pooled_ids(sigs):
    rows = [
        ("a.test", "adsense", "ca-pub-1"),
        ("b.test", "adsense", "ca-pub-1"),
        ("b.test", "ga4", "G-B"),
        ("c.test", "ga4", "G-B"),
        ("d.test", "ua", "UA-1-1"),  # d alone
        ("e.test", "gtm", "GTM-E"),
        ("f.test", "gtm", "GTM-E"),
        ("g.test", "gtm", "GTM-G"),
        ("h.test", "gtm", "GTM-G"),
        ("x.test", "exoclick_zone", "5"),
        ("y.test", "exoclick_zone", "5"),
    ]  # a slot id: never binds
    # one id on three groups other ids already bind: pooled, binds nothing
    rows += [(s, "adstxt_account", "bigexchange.com:1") for s in ("a.test", "e.test", "g.test")]
    ops = operators(rows, sigs.strong)
    assert [c.sites for c in ops.clusters] == [
        ["a.test", "b.test", "c.test"],
        ["e.test", "f.test"],
        ["g.test", "h.test"],
    ]
    assert ops.clusters[0].binding_ids == [("adsense", "ca-pub-1"), ("ga4", "G-B")]
    assert ops.pooled == {("adstxt_account", "bigexchange.com:1"): ["a.test", "e.test", "g.test"]}
    # an operator's id joining single sites to one group is not pooled
    ops = operators(
        [
            ("a.test", "ua", "U-1"),
            ("b.test", "ua", "U-1"),
            ("c.test", "ua", "U-1"),
            ("a.test", "gtm", "G"),
            ("b.test", "gtm", "G"),
        ],
        sigs.strong,
    )
    assert not ops.pooled and [c.sites for c in ops.clusters] == [["a.test", "b.test", "c.test"]]


def test_filter_lists_name_unknown_networks_only(sigs, tmp_path):
    (tmp_path / "easylist.txt").write_text(
        "[Adblock Plus 2.0]\n! test list\n||adnet-new.test^\n||popads.net^\n/banners/*\n"
    )
    (tmp_path / "easyprivacy.txt").write_text("||tracker.test^\n")
    lists = FilterLists.load(tmp_path)
    v = Visit()
    v.request("https://adnet-new.test/tag.js")
    v.request("https://c1.popads.net/pop.js")  # named by signatures: the list adds nothing
    v.request("https://tracker.test/t.gif", "image")  # a tracker, not an ad network
    v.request("https://piracy.test/banners/top.gif", "image")  # first party: not a network
    found = attribute(v.obs, sigs, lists)
    assert {(h.network, h.evidence) for h in found.networks} == {("unknown:adnet-new.test", "list"), ("PopAds", "host")}


def test_categories_from_data_and_landing_page(sigs):
    from moneytrail.attribution.popups import category

    assert category(sigs, "luckyspin-casino.test", "", "https://luckyspin-casino.test/") == "gambling"
    assert category(sigs, "x.test", "Hot singles near you (18+)", "") == "adult"
    assert category(sigs, "x.test", "MeetLocal - find singles in your town", "") == "dating"
    assert category(sigs, "x.test", "Congratulations! You have been selected", "") == "scam"
    assert category(sigs, "x.test", "FreshBrew coffee subscriptions", "") == "unclassified"


@pytest.mark.parametrize(
    "file, old, new, message",
    [
        (
            "networks.toml",
            'formats = ["popunder", "popup"]',
            'formats = ["popunder", "banner"]',
            "networks[0] (PopAds).formats: unknown format 'banner'",
        ),
        (
            "networks.toml",
            'hosts = [\n  "popcash.net",',
            'hosts = [\n  "popads.net",',
            "networks[1] (PopCash).hosts: host 'popads.net' already belongs to PopAds",
        ),
        (
            "networks.toml",
            'urls = [\n  "^https?://[^/]+/[0-9a-f]{12,32}/invoke',
            'urls = [\n  "^https?://([^/]+/[0-9a-f]{12,32}/invoke',
            "networks[3] (Adsterra).urls[0]: bad regular expression",
        ),
        ("networks.toml", 'type = "popcash_uid"', 'type = "popcash_id"', "unknown id type 'popcash_id'"),
        (
            "networks.toml",
            'hosts = ["juicyads.com",',
            'hosts = ["juicy ads.com",',
            "networks[5] (JuicyAds).hosts: 'juicy ads.com' is not a host name",
        ),
        (
            "networks.toml",
            'kind = "copyright form", address = "https://www.exoclick.com/copyrightform/"',
            'kind = "fax", address = "https://www.exoclick.com/copyrightform/"',
            "networks[4] (ExoClick).contacts[0].kind: unknown kind 'fax'",
        ),
        (
            "networks.toml",
            'address = "https://www.exoclick.com/copyrightform/", source = "https://www.exoclick.com/copyrightform/"',
            'address = "the compliance team", source = "https://www.exoclick.com/copyrightform/"',
            "networks[4] (ExoClick).contacts[0].address: 'the compliance team' is neither a URL nor an email",
        ),
        (
            "networks.toml",
            'source = "https://www.exoclick.com/copyrightform/", checked = "2026-11-27"',
            'source = "their site", checked = "2026-11-27"',
            "networks[4] (ExoClick).contacts[0].source: 'their site': the page that publishes the contact",
        ),
        (
            "miners.toml",
            'key_type = "miner_wallet"',
            'key_type = "wallet"',
            "protocols[1] (stratum).key_type: unknown id type",
        ),
        (
            "categories.toml",
            'high_risk = true\nlabel = "adult content"',
            'high_risk = "yes"\nlabel = "adult content"',
            "categories[1] (adult).high_risk: must be true or false",
        ),
        (
            "ids.toml",
            '[[types]]\ntype = "adsense"',
            '[[types]]\ntype = "adsense"\nweight = 3',
            "types[0] (adsense): unknown field(s) weight",
        ),
        ("ids.toml", 'text = "\\\\b(UA-[0-9]{4,10}-[0-9]{1,4})\\\\b"', 'text = "UA-[0-9]+"', "needs a capture group"),
    ],
)
def test_bad_signature_data_is_named(tmp_path, file, old, new, message):
    data = tmp_path / "data"
    shutil.copytree(DEFAULT_DIR, data)
    text = (data / file).read_text()
    assert old in text, old
    (data / file).write_text(text.replace(old, new, 1))
    with pytest.raises(SignatureError) as info:
        load(data)
    assert str(data / file) in str(info.value) and message in str(info.value), str(info.value)


def test_signature_data_is_not_valid_toml(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DEFAULT_DIR, data)
    (data / "miners.toml").write_text("[[services]\nname = 1")
    with pytest.raises(SignatureError, match="miners.toml: not valid TOML"):
        load(data)


def test_lists_update_downloads_whole_lists_or_says_why_not(tmp_path):
    """`moneytrail lists update` against a local server standing in for easylist.to (no internet here)."""
    import http.server
    import threading

    from moneytrail.attribution.lists import ListError
    from moneytrail.services.lists import update

    served = tmp_path / "www"
    served.mkdir()
    (served / "easylist.txt").write_text("[Adblock Plus 2.0]\n||adnet-new.test^\n")
    (served / "page.html").write_text("<html><body>captive portal</body></html>")
    handler = lambda *a, **k: http.server.SimpleHTTPRequestHandler(*a, directory=str(served), **k)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        cache = tmp_path / "cache"
        (written,) = update(cache, urls={"easylist.txt": f"{base}/easylist.txt"})
        assert written.read_text().endswith("||adnet-new.test^\n") and FilterLists.load(cache).rules == {"ads": 1}
        with pytest.raises(ListError, match="HTML page"):
            update(cache, urls={"easylist.txt": f"{base}/page.html"})
        with pytest.raises(ListError, match="could not download .*/missing.txt"):
            update(cache, urls={"easylist.txt": f"{base}/missing.txt"})
        assert written.read_text().endswith("||adnet-new.test^\n")  # a failed update keeps the old copy
    finally:
        server.shutdown()
        server.server_close()
    with pytest.raises(ListError, match="no \\*.txt filter list"):
        FilterLists.load(tmp_path)  # folders, no list


def test_page_text_cannot_become_a_spreadsheet_formula(sigs, tmp_path):
    """A miner key is whatever the page sends its pool: one shaped like a formula is no key, and CSV cells
    that would start a formula are defused."""
    import pandas as pd

    from moneytrail.reports.exports import write

    v = Visit()
    v.obs.websockets.append(
        _miner_ws(
            "wss://pool.test/",
            [
                '{"type":"auth","params":{"site_key":"=HYPERLINK(\\"http://x\\")"}}',
                '{"type":"submit","params":{"job_id":"1","nonce":"1","result":"ab"}}',
            ],
            [],
        )
    )
    (miner,) = attribute(v.obs, sigs).miners
    assert miner.site_key is None and "pool_submit" in miner.signals
    write(pd.DataFrame([{"site": "a.test", "site_key": "=1+1", "n": 3}]), "csv", tmp_path / "x.csv")
    assert (tmp_path / "x.csv").read_text() == "site,site_key,n\na.test,'=1+1,3\n"


def test_hostile_shapes_from_review(sigs):
    """Cases a review found: deep JSON, a chat that says "submit", other pages' ids, loose URL spellings."""
    v = Visit()
    v.obs.websockets.append(
        _miner_ws(
            "wss://chat.piracy.test/",
            ["[" * 3000, '{"method":"submit","params":{"text":"hi"}}'],
            ['{"params":{"blob":"not a job"}}'],
        )
    )
    assert attribute(v.obs, sigs).miners == []  # no crash, and chat words are no pool protocol
    assert sellers("[" * 3000) == {}

    v = Visit()  # a tab-under: the advertiser's page and its analytics are not the site's
    v.request("https://www.googletagmanager.com/gtag/js?id=G-SITE1234")
    v.request("https://oclaserver.com/click?z=1", "document", navigation=True)
    v.request("https://bet-now.test/", "document", navigation=True)
    v.request("https://www.googletagmanager.com/gtag/js?id=G-ADVERT12")
    v.obs.inline_scripts.append(InlineScript("b", 40, "ga('create','UA-11111111-1');", "about:blank"))
    v.obs.elements = [Element("script", {"src": "//propu.sh/pfe/current/tag.min.js", "data-zone": "3502240"})]
    v.request("https://propu.sh/pfe/current/tag.min.js")
    ids = {(i.id_type, i.id_value) for i in attribute(v.obs, sigs).ids}
    assert ids == {("ga4", "G-SITE1234"), ("propeller_zone", "3502240")}

    v = Visit()  # window.open("https://Adv-Shop.test") lands as https://adv-shop.test/ ; relative URLs resolve
    v.request("https://c1.popadscdn.net/pop.js")
    v.obs.window_opens.append(
        WindowOpenCall(0, SITE, "https://Adv-Shop.test", "_blank", "https://c1.popadscdn.net/pop.js", 3, 5.0)
    )
    v.popup(1, ["https://adv-shop.test/"], ["open"])
    v.obs.window_opens.append(WindowOpenCall(0, SITE, "lp?id=1", "_blank", SITE, 3, 6.0))  # first party, relative
    v.popup(2, ["https://piracy.test/lp?id=1"], ["open"], opened_at=6.0)
    found = attribute(v.obs, sigs)
    assert [(link.network, link.advertiser) for link in found.links] == [("PopAds", "adv-shop.test")]
    assert not any(h.host == "adv-shop.test" for h in found.networks)  # the advertiser is no host of PopAds


def test_category_keywords_do_not_overreach(sigs):
    from moneytrail.attribution.popups import category

    assert category(sigs, "wetter.test", "Wetter heute", "https://wetter.test/") == "unclassified"
    assert category(sigs, "shop.test", "Deals", "https://shop.test/?q=nov+18+deals") == "unclassified"
    assert category(sigs, "news.test", "The Nobel Prize in Physics", "") == "unclassified"
    assert category(sigs, "x.test", "Wettkoenig - 100% Wettbonus", "") == "gambling"


def test_literal_hints_are_never_wrong():
    import re

    from moneytrail.attribution.signatures import literal_hint

    assert literal_hint(re.compile(r"[?&]idzone=([0-9]+)")) == "idzone="
    assert literal_hint(re.compile(r"[?&](?i:IDZONE)=([0-9]+)")) is None  # a case-blind group
    assert literal_hint(re.compile(r"(?i)casino")) is None
    assert literal_hint(re.compile(r"(?:ab|cd)ef")) == "ef"


def test_a_chain_that_had_not_landed_names_no_advertiser(sigs):
    v = Visit()
    v.request("https://hilltopads.net/ht.js")
    click = "https://hilltopads.com/click?s=1"
    v.obs.window_opens.append(WindowOpenCall(0, SITE, click, "_blank", "https://hilltopads.net/ht.js", 3, 6.4))
    v.popup(1, [click, "https://trk.broker.test/verify"], ["open", "js"], opened_at=6.5)
    v.obs.windows[-1].unsettled = True  # the visit ended while the broker's form was posting on
    assert attribute(v.obs, sigs).links == []


def test_a_miner_carrying_its_wasm_inside_a_worker_script(sigs):
    """A worker compiles a module its own script carries (base64, or a byte array): no request, no hook
    needed: the worker script's text is kept with the visit and the module read out of it."""
    import base64
    import hashlib

    from moneytrail.crawler.observation import ScriptFile
    from moneytrail.sandbox.wasm import module_bytes

    module = module_bytes("cryptonight")
    for code in (
        f"const m = Uint8Array.from(atob('{base64.b64encode(module).decode()}'), c => c.charCodeAt(0));",
        f"const m = new Uint8Array([{', '.join(map(str, module))}]); WebAssembly.compile(m);",
    ):
        v = Visit()
        worker_js = "https://cdn.jsdelivr.test/npm/webminer/worker.js"
        v.request(worker_js)
        v.obs.workers.append(WorkerRecord(worker_js, "worker", 0, SITE, 1.0))
        sha = hashlib.sha256(code.encode()).hexdigest()
        v.obs.scripts.append(ScriptFile(worker_js, sha, len(code), first_party=False, worker=True))
        (miner,) = attribute(v.obs, sigs, None, {sha: code}).miners
        assert miner.service == "unknown" and "wasm" in miner.signals
    assert attribute(v.obs, sigs).miners == []  # without the script's text nothing shows it


def test_what_is_not_the_sites_network(sigs):
    """A YouTube trailer's frame requests doubleclick.net (YouTube's own ads); an advertiser's Campaign Manager
    click tracker sits in a chain; a Taboola advertiser pixel and an ad-blocker's probe of adsbygoogle.js: none
    of them is a network serving the site."""
    v = Visit()
    v.obs.frames.append(FrameRecord(1, 0, 0, "https://www.youtube-nocookie.com/embed/Kp2r8TqW0aE"))
    v.request("https://www.youtube-nocookie.com/embed/Kp2r8TqW0aE", "document", frame=1, navigation=True)
    v.request("https://googleads.g.doubleclick.net/pagead/id", "xhr", frame=1)
    v.request("https://cdn.taboola.com/libtrc/unip/1234567/tfa.js")
    v.request("https://pagead2.googlesyndication.com/pagead/js/adsbygoogle.js", "fetch")
    click = "https://ad.doubleclick.net/ddm/trackclk/N1234.5678/B2468;dc_trk_aid=1"
    v.popup(1, [click, "https://shop.example/landing"], ["open", "http"])
    found = attribute(v.obs, sigs)
    assert not {"Google AdSense", "Taboola"} & found.network_names(), found.networks
    (link,) = found.links
    assert link.network == "unknown:ad.doubleclick.net" or not link.network.startswith("Google")


def test_a_network_named_by_the_globals_its_code_defined(sigs):
    """Adcash's library, copied to the site's own host under a random name, still defines `aclib`."""
    v = Visit()
    v.request("https://piracy.test/k7q2x9.js")
    v.obs.globals = ["siteConfig", "aclib", "jQuery"]
    assert "Adcash" in attribute(v.obs, sigs).network_names()
    v.obs.globals = ["siteConfig", "jQuery"]
    assert "Adcash" not in attribute(v.obs, sigs).network_names()


def test_a_windows_later_ad_is_an_ad_of_its_own(sigs):
    """A pop-under lands on a "you won" page that later sends the window on: the recorder cut it into two
    windows. The second ad keeps the pop-under's network and kind; the first advertiser is no broker of it,
    and the second is none of the first's. A later ad through another network's click server is that
    network's."""
    v = Visit()
    v.request("https://c1.popadscdn.net/pop.js")
    click = "https://serve.popads.net/click?z=1"
    v.obs.window_opens.append(WindowOpenCall(0, SITE, click, "_blank", "https://c1.popadscdn.net/pop.js", 3, 4.9))
    v.obs.notices.append(Notice("focus", SITE, 0, "https://c1.popadscdn.net/pop.js", 5.0))
    v.popup(1, [click, "https://go.tds-route.test/r", "https://prize-claim.test/lp"], ["open", "http", "meta"])
    v.popup(1, ["https://trk.offer-hop.test/go", "https://crypto-boost.test/lp"], ["js", "http"], previous=0)
    v.popup(1, ["https://hilltopads.com/click?s=9", "https://fake-antivirus.test/"], ["js", "http"], previous=1)
    links = {link.advertiser: link for link in attribute(v.obs, sigs).links}
    won, boost, scare = links["prize-claim.test"], links["crypto-boost.test"], links["fake-antivirus.test"]
    assert (won.network, won.kind, won.brokers) == ("PopAds", "popunder", ["tds-route.test"])
    assert (boost.network, boost.kind, boost.brokers) == ("PopAds", "popunder", ["offer-hop.test"])
    assert [h.host for h in boost.chain] == ["trk.offer-hop.test", "crypto-boost.test"]
    assert (scare.network, scare.kind, scare.brokers) == ("HilltopAds", "popunder", [])


def test_a_named_window_opened_again_is_named_by_the_call_that_reopened_it(sigs):
    """Two tags share a window name: HilltopAds' call reopened the window PopAds' call had opened."""
    v = Visit()
    v.request("https://c1.popadscdn.net/pop.js")
    v.request("https://hilltopads.net/ht.js")
    first, second = "https://serve.popads.net/click?z=1", "https://hilltopads.com/click?s=1"
    v.obs.window_opens += [
        WindowOpenCall(0, SITE, first, "pu_77", "https://c1.popadscdn.net/pop.js", 3, 4.9),
        WindowOpenCall(0, SITE, second, "pu_77", "https://hilltopads.net/ht.js", 4, 7.9),
    ]
    v.popup(1, [first, "https://spin-palace.test/lp"], ["open", "http"])
    v.popup(1, [second, "https://vpn-shield.test/lp"], ["open", "http"], opened_at=8.0, step=4, previous=0)
    found = sorted(
        (link.network, link.advertiser, link.kind, tuple(link.brokers)) for link in attribute(v.obs, sigs).links
    )
    assert found == [("HilltopAds", "vpn-shield.test", "popup", ()), ("PopAds", "spin-palace.test", "popup", ())]


def _overlay(stack, step=None, *, link="", frame_url="", box=(940, 790, 320, 90), text="New message", media=1, at=2.0):
    x, y, w, h = box
    return Overlay(x, y, w, h, "fixed", link, frame_url, text, media, stack[0] if stack else None, stack, at, step)


def test_ads_from_boxes_laid_over_the_page(sigs):
    """An in-page push banner the visit clicked (its click handler in an inline helper: the box's creator names
    the network), push when its network asked for notification permission, overlay otherwise; a link followed
    out of a box or out of a frame a box holds; another network's pop-under opened by the same click; a
    transparent trap the visit's centre click went through."""
    push_tag = "https://richinfo.co/richpartners/in-page/js/richads-ob.js?pubid=12345&siteid=67890"
    v = Visit()
    v.request(push_tag)
    v.request("https://a.exosrv.com/ad-provider.js")
    v.request("https://c1.popadscdn.net/pop.js")
    v.obs.steps = [Step(5, "click_centre", 4.0, "640,450"), Step(6, "click_overlay", 8.0, "1100,835")]
    v.obs.notices.append(Notice("notification_prompt", SITE, 0, push_tag, 1.0))
    v.obs.overlays = [
        _overlay([push_tag], step=6),
        _overlay(
            ["https://a.exosrv.com/ad-provider.js"],
            box=(960, 60, 300, 250),
            link="https://syndication.exdynsrv.com/click?c=6",
        ),
        _overlay(
            ["https://a.exosrv.com/ad-provider.js"],
            box=(20, 60, 300, 250),
            frame_url="https://syndication.exdynsrv.com/ifr?z=2",
        ),
        _overlay(["https://c1.popadscdn.net/pop.js"], box=(0, 0, 1280, 900), text="", media=0),
    ]
    v.obs.window_opens += [
        WindowOpenCall(0, SITE, "https://go.richads.com/click?c=5", "_blank", SITE, 6, 8.1),
        WindowOpenCall(
            0, SITE, "https://serve.popads.net/click?z=4", "_blank", "https://c1.popadscdn.net/pop.js", 6, 8.1
        ),
        WindowOpenCall(
            0, SITE, "https://serve.popads.net/click?z=3", "_blank", "https://c1.popadscdn.net/pop.js", 5, 4.1
        ),
    ]
    v.popup(1, ["https://go.richads.com/click?c=5", "https://dating-match.test/lp"], ["open", "http"], step=6)
    v.popup(2, ["https://serve.popads.net/click?z=4", "https://spin-palace.test/lp"], ["open", "http"], step=6)
    v.popup(3, ["https://serve.popads.net/click?z=3", "https://vpn-shield.test/lp"], ["open", "http"], step=5)
    v.obs.frames.append(FrameRecord(1, 0, 0, "https://syndication.exdynsrv.com/ifr?z=2"))
    v.obs.frames.append(FrameRecord(2, 0, 1, "https://creatives.cdn.test/c.html"))
    v.obs.ad_links += [
        AdLink("https://syndication.exdynsrv.com/click?c=6", SITE, "injected", True, 300, 250),
        AdLink("https://syndication.exdynsrv.com/click?c=7", "https://creatives.cdn.test/c.html", "frame", True),
    ]
    v.popup(
        4, ["https://syndication.exdynsrv.com/click?c=6", "https://cam-show.test/lp"], ["open", "http"], kind="ad_link"
    )
    v.popup(
        5, ["https://syndication.exdynsrv.com/click?c=7", "https://meet-now.test/lp"], ["open", "http"], kind="ad_link"
    )
    found = {link.advertiser: (link.network, link.kind) for link in attribute(v.obs, sigs).links}
    assert found == {
        "dating-match.test": ("RichAds", "push"),  # the box's creator, who asked for notifications
        "spin-palace.test": ("PopAds", "popup"),  # PopAds' own pop-under on the same click: not the box's
        "vpn-shield.test": ("PopAds", "popup"),  # through a transparent trap: a pop-under's, not an overlay
        "cam-show.test": ("ExoClick", "overlay"),
        "meet-now.test": ("ExoClick", "overlay"),  # a link in the frame a box holds: not a display ad
    }
    v.obs.notices.clear()  # without the prompt, RichAds' box is still push: it has no overlay format
    assert {link.advertiser: link.kind for link in attribute(v.obs, sigs).links}["dating-match.test"] == "push"
    del v.obs.overlays[0]  # no box: a window of an inline call, its chain's network's pop-under
    assert {link.advertiser: link.kind for link in attribute(v.obs, sigs).links}["dating-match.test"] == "popunder"


def test_a_prebid_build_on_the_sites_host_names_no_network_by_the_urls_it_holds(sigs):
    """Every Prebid.js build holds Xandr's Prebid Server endpoint (the core's default) and its adapters'
    endpoints: served as the site's own file, those URLs name no network of the site. The bidders the page
    configures do (tag shape, ids), and so do those it requests. The same URL in the site's other code still
    names Xandr."""
    import hashlib

    from moneytrail.crawler.observation import InlineScript, ScriptFile

    core = 'var s={SRC:"s2s",DEFAULT_ENDPOINT:"https://prebid.adnxs.com/pbs/v1/openrtb2/auction"};'
    config = "pbjs.addAdUnits([{code: 'slot', bids: [{bidder: 'pubmatic', params: {publisherId: '156209'}}]}]);"
    builds = {
        "release banner": "/* prebid.js v11.36.0\nUpdated: 2026-11-01\nModules: pubmaticBidAdapter */\n" + core,
        "creative comment": core + "c=d.createComment(`Creative ${id} served by ${b.bidder} Prebid.js Header Bidding`)",
        "not a library": core + "var f=document.createElement('script');f.src=s.DEFAULT_ENDPOINT;",
    }
    for kind, code in builds.items():
        v = Visit()
        url = "https://piracy.test/assets/js/prebid.js"
        v.request(url)
        v.request("https://hbopenbid.pubmatic.com/translator?source=prebid-client", "xhr", initiator=url)
        sha = hashlib.sha256(code.encode()).hexdigest()
        v.obs.scripts.append(ScriptFile(url, sha, len(code), first_party=True))
        v.obs.inline_scripts.append(InlineScript("c", len(config), config, SITE))
        found = attribute(v.obs, sigs, None, {sha: code})
        assert ("Xandr" in found.network_names()) == (kind == "not a library"), kind
        assert "PubMatic" in found.network_names()
        assert ("pubmatic_publisher", "156209") in {(i.id_type, i.id_value) for i in found.ids}
