"""The tag corpus (tests/corpus/tags/*.toml): how real sites deploy each network's tags, written in our own
words (no copied snippet), and the Observation a visit of such a page records, built here statically the way
the recorder records a page (crawler/visit.py's snapshot: inline scripts, the elements crawler/elements.py
keeps; the requests the
tags make; the site's own script files, kept as texts). See tests/corpus/README.md for the format."""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin

from bs4 import BeautifulSoup

from moneytrail.crawler.elements import MAX_VALUE, keep
from moneytrail.crawler.limits import Limits
from moneytrail.crawler.observation import (
    Element,
    FrameRecord,
    InlineScript,
    Observation,
    RequestRecord,
    ScriptFile,
    clip,
)

CORPUS = Path(__file__).parent / "corpus" / "tags"
SITE = "fixture-site.test"
PAGE = f"https://www.{SITE}/watch/film-123"
SITE_JS = f"https://www.{SITE}/assets/app.js"
INLINE_EXCERPT = Limits().max_inline_chars  # as crawler/visit.py keeps them


@dataclass
class Shape:
    id: str
    network: str  # "" for a negative: nothing must be found
    seen: str
    html: str
    file: str
    requests: list = field(default_factory=list)
    site_js: str | None = None
    ids: list[tuple[str, str]] = field(default_factory=list)
    known_gap: str | None = None  # why moneytrail does not recognise it yet (the test checks it still does not)
    also: list[str] = field(default_factory=list)  # other networks the page really carries too


def load_corpus(root: Path = CORPUS) -> list[Shape]:
    shapes, seen_ids = [], set()
    for path in sorted(root.glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        network = data.get("network", "")
        for raw in data.get("shapes", []):
            shape = Shape(
                id=raw["id"],
                network=raw.get("network", network),
                seen=raw.get("seen", ""),
                html=raw.get("html", ""),
                file=path.name,
                requests=list(raw.get("requests", [])),
                site_js=raw.get("site_js"),
                ids=[tuple(pair) for pair in raw.get("ids", [])],
                known_gap=raw.get("known_gap"),
                also=list(raw.get("also", [])),
            )
            if shape.id in seen_ids:
                raise ValueError(f"{path.name}: shape id {shape.id!r} is used twice in the corpus")
            seen_ids.add(shape.id)
            shapes.append(shape)
    return shapes


def observe(shape: Shape) -> tuple[Observation, dict[str, str]]:
    """The Observation (and the kept script texts) of a visit of a page carrying this shape."""
    obs = Observation("corpus", PAGE, SITE, "inner", "2026-11-01T00:00:00+00:00", final_url=PAGE, final_site=SITE)
    obs.frames = [FrameRecord(0, 0, None, PAGE)]
    texts: dict[str, str] = {}

    def request(url: str, rtype: str = "script", initiator: str | None = PAGE, frame: int = 0, nav: bool = False):
        obs.requests.append(
            RequestRecord(
                len(obs.requests),
                url,
                "GET",
                rtype,
                0,
                frame,
                nav,
                1,
                0.01 * len(obs.requests),
                initiator=initiator,
                initiator_type="parser" if initiator == PAGE else "script",
            )  # fmt: skip
        )

    request(PAGE, "document", None, nav=True)
    soup = BeautifulSoup(shape.html, "html.parser")
    for noscript in soup.find_all("noscript"):  # a browser running scripts does not parse what is inside
        noscript.decompose()
    for script in soup.find_all("script"):
        if script.get("src"):
            request(urljoin(PAGE, script["src"]))
        else:
            text = script.string or script.get_text() or ""
            digest = hashlib.sha256(text.encode()).hexdigest()
            excerpt = clip(" ".join(text.split()), INLINE_EXCERPT)
            obs.inline_scripts.append(InlineScript(digest, len(text), excerpt, PAGE, script.get("type") or ""))
    tags = [
        (t.name, {k: " ".join(v) if isinstance(v, list) else str(v) for k, v in t.attrs.items()})
        for t in soup.find_all(True)
    ]
    obs.elements = [Element(tag, {k: clip(v, MAX_VALUE) for k, v in attrs.items()}) for tag, attrs in keep(tags)]
    for tag in soup.find_all(True):
        if tag.name == "iframe" and tag.get("src"):
            url = urljoin(PAGE, tag["src"])
            obs.frames.append(FrameRecord(len(obs.frames), 0, 0, url))
            request(url, "document", None, frame=len(obs.frames) - 1, nav=True)
    if shape.site_js is not None:
        request(SITE_JS)
        digest = hashlib.sha256(shape.site_js.encode()).hexdigest()
        obs.scripts.append(ScriptFile(SITE_JS, digest, len(shape.site_js), first_party=True))
        texts[digest] = shape.site_js
    for item in shape.requests:
        item = {"url": item} if isinstance(item, str) else dict(item)
        request(urljoin(PAGE, item["url"]), item.get("type", "script"), item.get("by", PAGE))
    return obs, texts
