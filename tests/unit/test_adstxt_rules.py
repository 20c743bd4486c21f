"""ads.txt and sellers.json as the IAB specifications describe them (crawler/adstxt.py, the one parser), the
redirect rule of their access method (crawler/adstxt_redirects.py) and the public-host rule of the plain
requests (crawler/addresses.py). The files here are made up, in the shapes real files have: comments,
blank lines, tabs, CRLF, a byte-order mark, trailing commas, upper-case domains, lower-case relationships,
duplicates, inline comments, extension fields, stray HTML."""

from __future__ import annotations

import asyncio

import pytest

from moneytrail.attribution.clusters import operators
from moneytrail.attribution.ids import adstxt_findings
from moneytrail.attribution.signatures import load
from moneytrail.crawler.addresses import address_refusal, host_refusal, namespaces, resolved_refusal
from moneytrail.crawler.adstxt import (
    AdsTxtRecord,
    ManagerDomain,
    ad_systems,
    clean_text,
    decode_body,
    parse_adstxt,
    sellers,
)
from moneytrail.crawler.adstxt_redirects import MAX_REDIRECTS, redirect_target


@pytest.fixture(scope="module")
def sigs():
    return load()


def records(text: str, content_type: str | None = None) -> list[tuple[str, str, str, str | None]]:
    return [(r.ad_system, r.account_id, r.relationship, r.cert_id) for r in parse_adstxt(text, content_type).records]


MESSY_LINES = [
    "# ads.txt of a streaming site, last edited by hand",
    "",
    "google.com, pub-1111222233334444, DIRECT, f08c47fec0942fa0",  # 3
    "<div class='notice'>Sorry, this page moved</div>",  # 4: a stray HTML fragment
    "Rubiconproject.COM,\t20931 ,  reseller , 0bfd66d529a55807   # our video partner",  # 5
    "popads.net, 991827, DIRECT,",  # 6: a trailing comma
    "popads.net, 991827, DIRECT",  # 7: the same account again
    "adsterra.com, a1b2c3_x-9, DIRECT; tier=gold; region=eu",  # 8: extension fields
    "exoclick.com, 4471 DIRECT",  # 9: a missing comma
    "pubmatic.com, 15662, PARTNER, 5d62403b186f2ace",  # 10: no such relationship
    "https://openx.com, 5379, RESELLER",  # 11: a URL is no ad system domain
    "openx.com, 5379, RESELLER, 6a698e2ec38604c6, extra",  # 12: five fields
    "B" * 9000,  # 13: a very long line
    "\u200bappnexus.com, 8812, RESELLER",  # 14: a zero-width space pasted in
    "\ufeffmgid.com, 553311, DIRECT",  # 15: a second byte-order mark (files pasted together)
    "juicyads.com, 77\x00123, DIRECT",  # 16: a NUL inside the account id
    "</body></html>",  # 17
    "criteo.com, 7788, RESELLER # agency\u2028deal, see\x85notes",  # 18: only CR and LF end a line
]
MESSY = "\ufeff" + "\r\n".join(MESSY_LINES) + "\r\n"


def test_valid_lines_are_kept_whatever_surrounds_them():
    parsed = parse_adstxt(MESSY)
    assert not parsed.html
    assert records(MESSY) == [
        ("google.com", "pub-1111222233334444", "DIRECT", "f08c47fec0942fa0"),
        ("rubiconproject.com", "20931", "RESELLER", "0bfd66d529a55807"),
        ("popads.net", "991827", "DIRECT", None),
        ("adsterra.com", "a1b2c3_x-9", "DIRECT", None),
        ("appnexus.com", "8812", "RESELLER", None),
        ("mgid.com", "553311", "DIRECT", None),
        ("juicyads.com", "77123", "DIRECT", None),
        ("criteo.com", "7788", "RESELLER", None),
    ]
    assert parsed.skipped == [4, 9, 10, 11, 12, 13, 17]
    # the same file as a server with LF line ends and no byte-order mark sends it
    assert records(MESSY.replace("\r\n", "\n").lstrip("\ufeff")) == records(MESSY)


def test_ads_txt_1_1_variables():
    text = (
        "contact=adops@streamvf.example\n"
        "CONTACT = https://streamvf.example/contact # a form\n"
        "OwnerDomain=Lumiere-Media.example\n"
        "OWNERDOMAIN=someone-else.example\n"  # only the first counts
        "MANAGERDOMAIN=salesnet.example\n"
        "managerdomain=ventes.example, fr\n"
        "MANAGERDOMAIN=other-sales.example, FR\n"  # one per country: the first
        "MANAGERDOMAIN=worldwide.example\n"  # one global: the first
        "MANAGERDOMAIN=bad.example, FRANCE\n"  # not a two-letter country: skipped
        "subdomain=m.streamvf.example\nSUBDOMAIN=kids.streamvf.example\n"
        "INVENTORYPARTNERDOMAIN=tvchannel.example\n"
        "ownerdomain=not a domain\n"  # skipped
        "favouritecolour=blue\n"  # not an ads.txt variable: ignored
        "google.com, pub-1, DIRECT\n"
    )
    parsed = parse_adstxt(text)
    v = parsed.variables
    assert v.contact == ["adops@streamvf.example", "https://streamvf.example/contact"]
    assert v.owner_domain == "lumiere-media.example"
    assert v.managers == [ManagerDomain("salesnet.example"), ManagerDomain("ventes.example", "FR")]
    assert v.subdomains == ["m.streamvf.example", "kids.streamvf.example"]
    assert v.inventory_partners == ["tvchannel.example"]
    assert parsed.skipped == [9, 13]
    assert parsed.records == [AdsTxtRecord("google.com", "pub-1", "DIRECT")]


def test_owner_domains_bind_an_operator_and_managers_do_not(sigs):
    files = {
        "streamvf.example": "OWNERDOMAIN=www.lumiere-media.co.uk\nMANAGERDOMAIN=salesnet.example\n",
        "filmzone.example": "ownerdomain=lumiere-media.co.uk\nMANAGERDOMAIN=salesnet.example\n",
        "foot.example": "OWNERDOMAIN=sportnet.example\nMANAGERDOMAIN=salesnet.example\n"
        "managerdomain=ventes.example,FR\n",
        "anime.example": "OWNERDOMAIN=otaku.example\nMANAGERDOMAIN=salesnet.example\n",
    }
    rows = []
    for site, text in files.items():
        hits, ids, _ = adstxt_findings(text, sigs)
        assert hits == []
        rows += [(site, i.id_type, i.id_value) for i in ids]
    assert ("streamvf.example", "adstxt_owner", "lumiere-media.co.uk") in rows  # the registrable domain
    assert ("foot.example", "adstxt_manager", "ventes.example:FR") in rows
    assert sigs.strong("adstxt_owner") and not sigs.strong("adstxt_manager")
    ops = operators(rows, sigs.strong)
    assert [c.sites for c in ops.clusters] == [["filmzone.example", "streamvf.example"]]
    assert ops.clusters[0].binding_ids == [("adstxt_owner", "lumiere-media.co.uk")]


def test_an_html_answer_is_no_ads_txt_but_a_stray_fragment_is_kept_around():
    page = "<!DOCTYPE html>\n<html><body><pre>\ngoogle.com, pub-9, DIRECT\n</pre></body></html>\n"
    assert parse_adstxt(page).html and parse_adstxt(page).records == []
    assert parse_adstxt("\n  <!-- cached -->\n<HTML lang=fr>\n<p>Film gratuit</p>").html
    # a site answering every path with its page, served as text/html: nothing in it is a record
    assert parse_adstxt("<div id=player></div>\n<p>Episode 4, saison 2, VF</p>", "text/html; charset=utf-8").html
    # a real file some server calls text/html keeps its records; a text file with HTML after line 1 too
    assert records("google.com, pub-9, DIRECT\n", "text/html") == [("google.com", "pub-9", "DIRECT", None)]
    assert not parse_adstxt("google.com, pub-9, DIRECT\n<html><body>oops</body></html>", "text/plain").html
    assert not parse_adstxt("# nothing here yet\n", "text/plain").html


def test_bodies_lose_control_characters_and_nothing_else():
    raw = "\ufeffgoogle.com, pub-5, DIRECT\x00\r\n\x07openx.com, 12\x1b, RESELLER\tx\n".encode() + b"\xff\xfe bad\n"
    text = decode_body(raw)
    assert "\x00" not in text and "\x07" not in text and "\x1b" not in text and not text.startswith("\ufeff")
    assert "\r\n" in text and "\t" in text and "\ufffd" in text  # line ends and tabs stay; bad bytes replaced
    assert records(text) == [("google.com", "pub-5", "DIRECT", None)]
    assert clean_text("a\x00b\x7fc\nd") == "abc\nd"


def test_sellers_json_is_asked_only_of_public_ad_systems_direct_ones_first():
    text = (
        "appnexus.com, 1, RESELLER\n"
        "ads.internal.corp, 7, DIRECT\n"  # an unknown suffix: never the "last two labels"
        "printer.local, 8, DIRECT\n"
        "10.0.0.7, 9, DIRECT\n"
        "cdn.sandboxed.test, 4, DIRECT\n"
        "c.amazon-adsystem.com, 3, DIRECT\n"
        "Google.com, pub-2, DIRECT\n"
        "google.com, pub-3, RESELLER\n"
    )
    assert ad_systems(parse_adstxt(text)) == ["c.amazon-adsystem.com", "google.com", "appnexus.com"]


def test_sellers_json_entries():
    body = (
        '{"version": "1.0", "sellers": ['
        '{"seller_id": "pub-1", "name": "LUMIERE MEDIA LTD", "domain": "lumiere.example", "seller_type": "PUBLISHER"},'
        '{"seller_id": 774, "seller_type": "both", "is_confidential": 1},'
        '{"seller_id": "x9", "name": "NUL\\u0000 SA", "seller_type": "INTERMEDIARY"},'
        '{"name": "no id"}, "junk"]}'
    )
    found = sellers(body)
    assert set(found) == {"pub-1", "774", "x9"} and found["774"] == {"seller_type": "both"}
    assert found["pub-1"]["name"] == "LUMIERE MEDIA LTD" and found["x9"]["name"] == "NUL SA"
    assert sellers(body, {"774"}) == {"774": {"seller_type": "both"}}
    assert sellers("<html>") == {} and sellers('{"sellers": 3}') == {} and sellers("[" * 5000) == {}


@pytest.mark.parametrize(
    "current,location,hops,expected",
    [
        ("https://site.example/ads.txt", "https://www.site.example/ads.txt", 0, "https://www.site.example/ads.txt"),
        ("http://site.example/ads.txt", "https://site.example/ads.txt", 0, "https://site.example/ads.txt"),
        ("https://www.site.example/ads.txt", "/files/ads.txt#top", 1, "https://www.site.example/files/ads.txt"),
        ("https://site.example/ads.txt", "https://cdn.adshost.example/site/ads.txt", 0, "delegated"),
        ("https://www.site.example/ads.txt", "https://cdn.adshost.example/site/ads.txt", 2, "delegated"),
        ("https://cdn.adshost.example/site/ads.txt", "https://cdn2.adshost.example/ads.txt", 1, None),
        ("https://cdn.adshost.example/site/ads.txt", "https://site.example/ads.txt", 1, None),  # back: refused too
        ("https://site.example/ads.txt", "https://www.site.example/ads.txt", MAX_REDIRECTS, None),
        ("https://site.example/ads.txt", "ftp://site.example/ads.txt", 0, None),
        ("https://site.example/ads.txt", "javascript:alert(1)", 0, None),
        ("https://site.example/ads.txt", "", 0, None),
        ("https://site.example/ads.txt", "http://[::1", 0, None),
    ],
)
def test_the_iab_redirect_rule(current, location, hops, expected):
    target, why_not = redirect_target("https://site.example/ads.txt", current, location, hops)
    if expected is None:
        assert target is None and why_not
    else:
        want = "https://cdn.adshost.example/site/ads.txt" if expected == "delegated" else expected
        assert (target, why_not) == (want, None)


@pytest.mark.parametrize(
    "host,reason",
    [
        ("google.com", None),
        ("c.amazon-adsystem.com", None),
        ("8.8.8.8", None),
        ("127.0.0.1", "loopback"),
        ("127.1", "loopback"),
        ("2130706433", "loopback"),
        ("0x7f.0.0.1", "loopback"),
        ("[::1]", "loopback"),
        ("[::ffff:10.1.2.3]", "private"),
        ("[2002:a9fe:a9fe::]", "link-local"),  # 6to4 carrying 169.254.169.254
        ("[64:ff9b::7f00:1]", "loopback"),  # NAT64 carrying 127.0.0.1
        ("169.254.169.254", "link-local"),
        ("10.20.30.40", "private"),
        ("192.168.1.1", "private"),
        ("100.64.0.1", "non-public"),
        ("224.0.0.251", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("localhost", "single-label"),
        ("api.localhost", "special-use"),
        ("nas.local", "special-use"),
        ("vault.internal", "special-use"),
        ("router.home.arpa", "special-use"),
        ("1.0.0.127.in-addr.arpa", "special-use"),
        ("hidden.onion", "special-use"),
        ("streamvf.test", "special-use"),
        ("internal.corp", "no public suffix"),
        ("intranet", "single-label"),
        ("bad_host name.com", "not a host name"),
        ("", "no host"),
    ],
)
def test_the_public_host_rule(host, reason):
    got = host_refusal(host)
    assert (got is None) if reason is None else (got is not None and reason in got), got


def test_names_under_the_watchlists_own_suffix_are_the_analysts_choice():
    allowed = namespaces(["streamvf.test", "www.filmzone.test", "real-site.com", "10.0.0.1"])
    assert allowed == frozenset({"test"})
    assert host_refusal("cdn.adshost.test", allowed) is None
    assert host_refusal("internal.corp", allowed) and host_refusal("127.0.0.1", allowed)
    assert host_refusal("localhost", allowed) and host_refusal("x.localhost", allowed)
    assert namespaces(["real-site.com", "another.co.uk"]) == frozenset()


def test_addresses_and_names_resolved_here():
    assert address_refusal("::ffff:8.8.8.8") is None and "private" in address_refusal("fd00::1")
    assert "loopback" in asyncio.run(resolved_refusal("localhost"))  # /etc/hosts: a real lookup
    assert asyncio.run(resolved_refusal("no-such-name.invalid")) is None  # unknown here: the proxy decides


def test_what_a_page_chose_is_opened_only_on_public_hosts_or_the_visited_sites_own():
    import asyncio

    from moneytrail.crawler.addresses import page_chosen_refusal

    def refusal(url, *sites):
        return asyncio.run(page_chosen_refusal(url, sites))

    assert refusal("http://127.0.0.2:8080/admin", "streamvf-hd.test") == "loopback address 127.0.0.2"
    assert refusal("http://[::ffff:10.1.2.3]/", "example.com")  # a mapped private address
    assert refusal("http://router.local/", "example.com") and refusal("https://intranet.corp/", "example.com")
    assert refusal("https://ads.adnet.test/click", "streamvf-hd.test") is None  # the watchlist's own namespace
    assert refusal("http://127.0.0.1:9000/next", "127.0.0.1") is None  # the visited site itself
    assert refusal("chrome-error://chromewebdata/", "example.com") is None  # the browser's own page
