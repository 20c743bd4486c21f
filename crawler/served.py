"""The links of a page's HTML as served, before any script ran: an ad link on the page that the served HTML
lacks was injected by a script.

Python's own HTML tokenizer, the one BeautifulSoup's "html.parser" builder runs, without building a tree: that
builder is quadratic in the void elements a page has (each `<img>` it closed is searched for at every end tag):
3.0-3.2 CPU-s on a 1.1 MB page of posters, and 37 on 4.5 MB even when it built the anchors alone, where this
takes 0.2 and 0.9."""

from __future__ import annotations

from html.parser import HTMLParser

from .domains import normal_url


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            given = [value for name, value in attrs if name == "href"]
            if given:
                self.hrefs.append(given[-1] or "")  # the last of repeated attributes, as BeautifulSoup kept it


def served_links(html: str | None, base: str) -> set[str]:
    """Every `<a href>` of `html`, made absolute against `base` (`crawler.domains.normal_url`)."""
    if not html:
        return set()
    parser = _Anchors()
    # A browser reads any `<![...` outside SVG and MathML as a comment that ends at the next `>`; the tokenizer
    # reads that shape for `<!x`, and stops with an error at a marked-section keyword it does not know
    # (`<![foo[`): a page must not hide its served links behind one.
    try:
        parser.feed(html.replace("<![", "<!x["))
        parser.close()
    except (AssertionError, ValueError):  # nothing known raises past the rewrite; what was read is kept
        pass
    return {normal_url(href, base) for href in parser.hrefs}
