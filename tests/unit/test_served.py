"""The links of a page's HTML as served (crawler/served.py): the same as BeautifulSoup's "html.parser" found, on
markup made of what real pages hold and on hostile text, without BeautifulSoup's cost on pages of many images."""

from __future__ import annotations

from bs4 import BeautifulSoup
from bs4.exceptions import ParserRejectedMarkup
from hypothesis import given
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
        "https://ads.example/c?q=&#x41;&lt;",
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
    """What the crawler computed before: BeautifulSoup's tree of the page, every `a` with an href."""
    soup = BeautifulSoup(html, "html.parser")
    return {normal_url(str(a.get("href", "")), base) for a in soup.find_all("a", href=True)}


@given(st.lists(FRAGMENTS, max_size=30).map("".join))
def test_the_links_are_those_beautifulsoup_found(html):
    try:
        expected = soup_links(html, BASE)
    except ParserRejectedMarkup:
        return  # BeautifulSoup gave up on the page (see the next test)
    assert served_links(html, BASE) == expected


@given(st.text(max_size=300))
def test_any_text_is_read_without_an_error(text):
    served_links(text, BASE)
    served_links("<a href=/x>" + text + "<a href=/y>", BASE)


def test_a_marked_section_hides_no_link():
    """`<![foo[` stopped BeautifulSoup with an error, and the visit's snapshot with it; a browser reads it as a
    comment up to the next `>`, and so does this."""
    html = '<p>x</p><![foo[ <a href="/hidden"> ]]><a href="https://ads.example/c">ad</a><![CDATA[x]]>'
    try:
        soup_links(html, BASE)
        raise AssertionError("BeautifulSoup accepted the page: this test no longer shows the difference")
    except ParserRejectedMarkup:
        pass
    assert served_links(html, BASE) == {"https://ads.example/c"}


def test_a_page_of_thousands_of_posters_is_read_whole():
    row = '<div class="item"><a href="/film/{i}"><img src="/p/{i}.jpg" alt="Film {i}"></a><br></div>\n'
    html = "<html><body>" + "".join(row.format(i=i) for i in range(20_000)) + "</body></html>"
    links = served_links(html, BASE)
    assert len(links) == 20_000 and "https://piracy-site.example/film/19999" in links


def test_no_html_no_links():
    assert served_links(None, BASE) == set() and served_links("", BASE) == set()
