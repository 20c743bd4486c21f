"""The links of a page's HTML as served (crawler/served.py): those BeautifulSoup's "html.parser" found (a repeated
attribute read as a browser does: the first one kept), on markup made of what real pages hold; what a browser reads
where BeautifulSoup stopped; and hostile text read to its end, without BeautifulSoup's cost on pages of many
images."""

from __future__ import annotations

from bs4 import BeautifulSoup
from bs4.exceptions import ParserRejectedMarkup
from hypothesis import assume, given
from hypothesis import strategies as st

from moneytrail.crawler.domains import normal_url
from moneytrail.crawler.served import served_links

BASE = "https://piracy-site.example/film/1"

HREFS = st.sampled_from(
    [
        "/film/2",
        "https://ads.example/click?z=1&amp;s=2",
        "//cdn.example/x",
        "javascript:void(0)",
        "",
        "#top",
        "?page=2",
        "https://ads.example/c?q=&lt;&quot;",
        " https://spaced.example/ ",
        "https://xn--e1afmkfd.example/",
        "https://пример.example/путь",
    ]
)
FRAGMENTS = st.one_of(
    HREFS.map(lambda h: f'<a href="{h}">x</a>'),
    HREFS.map(lambda h: f"<A HREF='{h}' class=ad>"),
    HREFS.map(lambda h: f'<a href="/first" href="{h}">'),
    st.just("<a>no link</a>"),
    st.just("<a href>bare</a>"),
    st.just('<img src="/p.jpg" alt="poster">'),
    st.just("<br><input type=hidden value=1><hr/>"),
    st.just('<div class="item"><span>Film (2024)</span></div>'),
    st.just('<!-- <a href="/commented"> -->'),
    st.just('<script>var s = "<a href=/in-script>";</script>'),
    st.just("<style>a[href] { color: red }</style>"),
    st.just('<textarea><a href="/in-textarea"></textarea>'),
    st.just("<![if !IE]>"),
    st.just("<p>unclosed <b>tags"),
    st.just("&amp; &lt;a href=/escaped&gt;"),
    st.text(alphabet="<>\"'=/ a!-[]&;#", max_size=12),
)


def soup_links(html: str, base: str) -> set[str]:
    """What the crawler computed before: BeautifulSoup's tree of the page, every `a` with an href (here the first
    of repeated ones, as a browser keeps it)."""
    soup = BeautifulSoup(html, "html.parser", on_duplicate_attribute="ignore")
    return {normal_url(str(a.get("href", "")), base) for a in soup.find_all("a", href=True)}


@given(st.lists(FRAGMENTS, max_size=30).map("".join))
def test_the_links_are_those_beautifulsoup_found(html):
    # BeautifulSoup's tokenizer, without its character references converted, stops at a `&#` that starts none
    # and reads the rest as text (a browser goes on: see below); and gives up at an unknown marked section
    assume("&#" not in html)
    try:
        expected = soup_links(html, BASE)
    except ParserRejectedMarkup:
        return
    assert served_links(html, BASE) == expected


@given(st.text(max_size=300))
def test_any_text_is_read_to_its_end(text):
    assert served_links(text, BASE) is not None
    assert "https://piracy-site.example/x" in served_links("<a href=/x>" + text, BASE)


def test_where_beautifulsoup_stopped_the_links_are_what_a_browser_reads():
    """`<![foo[` stopped BeautifulSoup with an error, and the visit's snapshot with it; a `&#` starting no
    reference made it read the rest of the page as text. A browser reads `<![...` as a comment up to the next
    `>`, and `&#` as text."""
    html = '<p>x</p><![foo[ <a href="/hidden"> ]]><a href="https://ads.example/c">ad</a><![CDATA[x]]>'
    assert served_links(html, BASE) == {"https://ads.example/c"}
    assert served_links('<p>&#</p><a href="/film/2">x</a>', BASE) == {"https://piracy-site.example/film/2"}
    # inside an attribute `<![` is a value, not a section
    assert served_links('<a href="/x<![CDATA[y">', BASE) == {"https://piracy-site.example/x<![CDATA[y"}


def test_character_references_of_any_length():
    """Python refuses to make an int of more than 4,300 digits, and html.unescape raises on such a reference, in
    text or in a link: it is read as a browser reads it (a number past the last code point is U+FFFD)."""
    assert served_links('<a href="/a&#65;&#x42;&#0000067;">', BASE) == {"https://piracy-site.example/aABC"}
    long_zeros = "&#" + "0" * 5000 + "68;"
    too_big = "&#" + "9" * 5000 + ";"
    html = f'<p>{long_zeros}{too_big}</p><a href="/b{long_zeros}">b</a><a href="/c{too_big}">c</a>'
    assert served_links(html, BASE) == {"https://piracy-site.example/bD", "https://piracy-site.example/c\ufffd"}


def test_a_repeated_href_is_read_as_a_browser_reads_it():
    assert served_links('<a href="https://ads.example/x" href="/y">', BASE) == {"https://ads.example/x"}


def test_a_page_ending_in_a_tag_left_open_is_read_at_once():
    """Closing Python's tokenizer on `<a <a <a ...` is quadratic (32 CPU-s on 60 KB); it is never closed, and a
    browser finds no link in such an end either."""
    html = '<a href="/z">z</a>' + "<a " * 100_000
    assert served_links(html, BASE) == {"https://piracy-site.example/z"}


def test_a_page_of_thousands_of_posters_is_read_whole():
    row = '<div class="item"><a href="/film/{i}"><img src="/p/{i}.jpg" alt="Film {i}"></a><br></div>\n'
    html = "<html><body>" + "".join(row.format(i=i) for i in range(20_000)) + "</body></html>"
    links = served_links(html, BASE)
    assert len(links) == 20_000 and "https://piracy-site.example/film/19999" in links


def test_no_html_no_links():
    assert served_links(None, BASE) == set() and served_links("", BASE) == set()
