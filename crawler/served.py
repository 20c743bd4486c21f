"""The links of a page's HTML as served, before any script ran: an ad link on the page that the served HTML
lacks was injected by a script.

Python's own HTML tokenizer, the one BeautifulSoup's "html.parser" builder runs, without building a tree: that
builder is quadratic in the void elements a page has (each `<img>` it closed is searched for at every end tag):
3.0-3.2 CPU-s on a 1.1 MB page of posters, and 37 on 4.5 MB even when it built the anchors alone, where this
takes 0.2 and 0.9. The tokenizer is only fed, never closed: closing it on a construct left open at the end of
the page (`<a <a <a ...`) is quadratic too (32 CPU-s on 60 KB, CPython gh-135462), and a browser finds no link
in such an end either."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from .domains import normal_url

# a decimal character reference longer than Python turns into an int (4,300 digits, leading zeros counted) raises:
# its zeros are dropped, and from 8 digits on it is past the last code point, which a browser reads as U+FFFD, as
# html.unescape reads 1114112
DECIMAL_REFERENCE = re.compile(r"&#(?=[0-9])0*+([0-9]*+)")


def _short_reference(found: re.Match) -> str:
    digits = found[1] or "0"
    return "&#" + (digits if len(digits) < 8 else "1114112")


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            given = [value for name, value in attrs if name == "href"]
            if given:
                self.hrefs.append(given[0] or "")  # of repeated attributes a browser keeps the first

    def parse_html_declaration(self, i: int) -> int:
        # a browser reads any `<![...` outside SVG and MathML as a comment that ends at the next `>`; the
        # tokenizer reads marked sections, and stops with an error at a keyword it does not know (`<![foo[`)
        if self.rawdata.startswith("<![", i):
            return self.parse_bogus_comment(i)
        return super().parse_html_declaration(i)


def served_links(html: str | None, base: str) -> set[str] | None:
    """Every `<a href>` of `html`, made absolute against `base` (`crawler.domains.normal_url`); None when the
    HTML could not be read to its end (then no link can be called injected)."""
    if not html:
        return set()
    parser = _Anchors()
    try:
        parser.feed(DECIMAL_REFERENCE.sub(_short_reference, html))
    except (AssertionError, ValueError):  # none known past the two rules above
        return None
    return {normal_url(href, base) for href in parser.hrefs}
