"""What a visit saw, as plain data: the boundary between the browser and everything after it.

Nothing here imports Playwright or Scrapy. An Observation is built by `crawler.recorder`, stored whole
(`to_dict`) by the store, read back (`from_dict`) by attribution and `reanalyze`. Times are seconds since
the visit started. Pages are numbered in the visit (0 = the page visited); frames likewise.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from dataclasses import dataclass, field

SCHEMA = 7  # 2: scripts, globals, workers tied to their requests, sockets and wasm; 3: a window's later ads
# as windows of their own (`WindowRecord.previous`), overlays; 4: cookie consent (`consent`, None before);
# 5: an ad frame's crop out of the page's screenshot (`AdFrame.crop`); 6: crops of the ads that are not frames
# (`AdLink.crop` of an injected link, with its place `x`, `y`; `Overlay.crop`); 7: which `--repeat` visit of
# its page a visit is (`repetition`, 0 before); the page just before each click (`Step.screenshot`).
# Older observations load as they were stored.


def clip(text: str | None, n: int) -> str:
    """`text` cut to `n` characters, saying how many more there were (every page-given string is bounded)."""
    text = text or ""
    return text if len(text) <= n else text[:n] + f"...[{len(text) - n} more]"


STATUSES = ("ok", "dead", "timeout", "crashed", "hostile")
CLICK_TRAP_AREA = 100_000  # CSS px^2: an empty box or a link this large over the page is a click trap, not an ad


@dataclass
class Step:
    n: int
    action: str  # load, scroll, click_player, click_centre, click_body, follow_ad
    at: float
    detail: str = ""
    screenshot: str | None = None  # the visited page just before this step's click (evidence of the ad it opened)


@dataclass
class RequestRecord:
    id: int
    url: str
    method: str
    resource_type: str
    page: int | None  # None: a worker's or service worker's request
    frame: int | None
    navigation: bool
    step: int
    started: float
    initiator: str | None = None  # the script URL Chromium names as the request's initiator
    initiator_type: str | None = None  # parser, script, preload, other...
    redirected_from: int | None = None  # id of the request this one is a 30x redirect of
    worker: int | None = None  # made by this worker of the visit (its index in `workers`), not by a frame
    status: int | None = None
    mime: str | None = None
    failure: str | None = None
    ended: float | None = None


@dataclass
class FrameRecord:
    id: int
    page: int
    parent: int | None
    url: str
    name: str = ""


@dataclass
class Hop:
    url: str
    via: str  # open (first URL), http (30x), meta (meta refresh), js (script navigation), form (form post), link
    method: str = "GET"
    status: int | None = None
    at: float | None = None


@dataclass
class WindowRecord:
    """One ad shown in a window: a page of the visit other than the one visited, or the visited one once it
    navigated away, from the navigation that brought the ad to its landing page. A window whose landing page
    had settled and that navigated again shows a new ad: a record of its own, `previous` pointing at the
    record of the ad it showed before (see crawler/recording/windows.py)."""

    page: int
    kind: str  # popup (a new window or tab), tabunder (the visited tab sent elsewhere), ad_link (followed)
    step: int  # the step during which it was opened (or, for a later ad, navigated again)
    opened_at: float
    opener_page: int | None = None
    chain: list[Hop] = field(default_factory=list)
    landing_url: str = ""
    landing_title: str = ""
    screenshot: str | None = None
    closed: bool = False  # closed by the page itself before the visit ended
    over_limit: bool = False  # opened beyond the popup limit: closed at once, chain not followed
    unsettled: bool = False  # the visit ended while the landing page was still sending the window on
    previous: int | None = None  # index in `windows` of the ad this window showed before this one


@dataclass
class WindowOpenCall:
    page: int | None
    frame_url: str
    url: str
    target: str
    caller: str | None  # the script URL on top of the stack
    step: int
    at: float
    user_gesture: bool | None = None
    stack: list[str] = field(default_factory=list)  # script URLs of the call stack, innermost first


@dataclass
class WebSocketRecord:
    url: str
    page: int | None
    opened_at: float
    sent: list[str] = field(default_factory=list)
    received: list[str] = field(default_factory=list)
    sent_count: int = 0
    received_count: int = 0
    closed: bool = False
    worker: int | None = None  # opened by this worker of the visit, not by a page


@dataclass
class WasmModule:
    sha256: str | None  # None when over the size limit
    size: int
    source: str  # network (a response body), compile, instantiate, module, streaming
    url: str | None = None  # where the bytes came from, if a response
    frame_url: str | None = None
    caller: str | None = None
    exports: list[str] = field(default_factory=list)
    imports: list[str] = field(default_factory=list)  # module.name
    worker: int | None = None  # compiled or fetched in this worker of the visit


@dataclass
class WorkerRecord:
    url: str  # resolved against its creator's document
    kind: str  # worker, shared_worker, service_worker
    page: int | None
    caller: str | None = None  # the script that created it
    at: float | None = None


@dataclass
class ScriptFile:
    """An external script of the visit whose text was kept (content-addressed: the text itself is stored once
    per content, beside the observation, and handed to attribution with it)."""

    url: str
    sha256: str
    size: int
    first_party: bool  # served from the visited site's own registrable domain
    worker: bool = False  # a worker's script


@dataclass
class InlineScript:
    sha256: str
    length: int
    excerpt: str
    frame_url: str
    type: str = ""  # its type attribute (application/json, application/ld+json...: data, not code)


@dataclass
class Element:
    """A tag of the visited page (scripts with src, iframes, ins, elements with ad-tag data attributes)."""

    tag: str
    attrs: dict[str, str] = field(default_factory=dict)


@dataclass
class AdFrame:
    frame: int
    url: str
    width: int
    height: int
    x: int
    y: int
    click_urls: list[str] = field(default_factory=list)
    crop: str | None = None  # the frame cut out of the page's screenshot, with a margin (crawler/crops.py)


@dataclass
class AdLink:
    url: str  # the link a visitor would follow (click URL)
    frame_url: str
    where: str  # frame (inside an ad frame) or injected (a third-party link a script added to the page)
    followed: bool = False
    width: int = 0  # its box in the page, CSS pixels (an invisible anchor over the page or player is large)
    height: int = 0
    x: int = 0  # where that box was in the viewport when the page's screenshot was taken (injected links)
    y: int = 0
    crop: str | None = None  # an injected link's box cut out of the page's screenshot (crawler/crops.py)


@dataclass
class Overlay:
    """A box a script laid over the visited page (an in-page push banner, an interstitial, a sticky ad, a
    transparent click trap): an element positioned fixed or absolute that a script created, as the visit
    found it. Its creator is the script Chromium names on the element's creation stack."""

    x: int  # its box in the page, CSS pixels
    y: int
    width: int
    height: int
    position: str  # fixed or absolute
    link: str = ""  # the http(s) link it holds (its own, or its first anchor's), if any
    frame_url: str = ""  # the URL of a frame it holds, if any
    text: str = ""  # its visible text (clipped)
    media: int = 0  # images, frames, videos and canvases it holds
    creator: str | None = None  # the script that created it (the creation stack's outermost script)
    stack: list[str] = field(default_factory=list)  # script URLs of its creation stack, innermost first
    at: float = 0.0  # when the visit found it
    step: int | None = None  # the step in which the visit clicked it (a box without a link), if it did
    crop: str | None = None  # its box cut out of the page's screenshot, with a margin (crawler/crops.py)

    def trap(self) -> bool:
        """A transparent click trap (a large box with nothing to show), not an ad of its own."""
        return self.width * self.height >= CLICK_TRAP_AREA and not self.text and not self.media


@dataclass
class ConsentCmp:
    """A consent platform (CMP) autoconsent found in one frame of the visit, and what it did there. `outcome`:
    `done` (the action ran and the banner is gone), `failed` (the action did not succeed), `hidden` (only hidden
    by a cosmetic rule: no consent given), `no_popup` (the CMP is on the page but showed no banner), `pending`
    (still at work when the visit stopped waiting)."""

    name: str  # autoconsent's rule name (Onetrust, quantcast, ...), clipped
    page: int | None
    frame_url: str
    main_frame: bool
    detected_at: float
    step: int | None = None  # the `consent` step in which it acted, if it acted
    popup_at: float | None = None  # when its banner was found shown
    result: bool | None = None  # the opt-in / opt-out result autoconsent reported
    done_at: float | None = None
    cosmetic: bool = False
    clicks: int = 0
    outcome: str = "pending"


@dataclass
class Consent:
    """Cookie consent in the visit (crawler/consent.py): the action asked (`accept`, `reject`, `off`), the
    library that took it, each CMP found, how long the visit waited for them, and errors the library reported."""

    mode: str
    library: str = ""
    cmps: list[ConsentCmp] = field(default_factory=list)
    waited: float = 0.0  # seconds the visit spent on consent before its clicks (the banner, what it unlocked); 0: none
    errors: list[str] = field(default_factory=list)

    def outcome(self) -> str:
        """The visited page's consent in one word: `off`, `none` (no CMP), `accepted`, `rejected`, or the
        outcome of its main CMP (`failed`, `hidden`, `no_popup`, `pending`)."""
        if self.mode == "off":
            return "off"
        mine = [c for c in self.cmps if c.page == 0] or self.cmps
        if not mine:
            return "none"
        if any(c.outcome == "done" for c in mine):
            return "accepted" if self.mode == "accept" else "rejected"
        for outcome in ("failed", "hidden", "pending", "no_popup"):
            if any(c.outcome == outcome for c in mine):
                return outcome
        return mine[0].outcome

    def main_cmp(self) -> str | None:
        """The CMP the outcome is about (the visited page's first one answered, else its first found)."""
        mine = [c for c in self.cmps if c.page == 0] or self.cmps
        done = [c for c in mine if c.outcome == "done"]
        return (done or mine)[0].name if mine else None


@dataclass
class Dialog:
    type: str
    message: str
    step: int
    page: int | None


@dataclass
class DownloadRecord:
    url: str
    suggested_filename: str
    step: int
    page: int | None


@dataclass
class Notice:
    """A console error, a notification-permission prompt, a beforeunload handler, a page crash..."""

    kind: str
    text: str
    page: int | None = None
    caller: str | None = None
    at: float | None = None


@dataclass
class Observation:
    visit_id: str
    url: str
    site: str  # registrable domain of the watchlist entry
    page_kind: str  # home or inner
    started_at: str  # ISO 8601, UTC
    repetition: int = 0  # which of the crawl's `--repeat` visits of the page this is (0: the first)
    profile: dict = field(default_factory=dict)
    status: str = "ok"
    error: str | None = None
    http_status: int | None = None
    final_url: str = ""
    final_site: str = ""  # registrable domain after redirects (mirrors)
    title: str = ""
    duration: float = 0.0
    screenshot: str | None = None
    steps: list[Step] = field(default_factory=list)
    requests: list[RequestRecord] = field(default_factory=list)
    frames: list[FrameRecord] = field(default_factory=list)
    windows: list[WindowRecord] = field(default_factory=list)
    window_opens: list[WindowOpenCall] = field(default_factory=list)
    websockets: list[WebSocketRecord] = field(default_factory=list)
    wasm: list[WasmModule] = field(default_factory=list)
    workers: list[WorkerRecord] = field(default_factory=list)
    inline_scripts: list[InlineScript] = field(default_factory=list)
    scripts: list[ScriptFile] = field(default_factory=list)  # external scripts whose text was kept
    globals: list[str] = field(default_factory=list)  # window globals the page's scripts defined
    ad_frames: list[AdFrame] = field(default_factory=list)
    ad_links: list[AdLink] = field(default_factory=list)
    overlays: list[Overlay] = field(default_factory=list)  # boxes scripts laid over the visited page
    elements: list[Element] = field(default_factory=list)  # ad-tag-like elements of the visited page
    page_links: list[str] = field(default_factory=list)  # same-site links of the visited page, in page order
    dialogs: list[Dialog] = field(default_factory=list)
    downloads: list[DownloadRecord] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    hostile: list[str] = field(default_factory=list)  # what the page did to the visitor (dialog_storm, ...)
    limits: dict[str, int] = field(default_factory=dict)  # what went over a limit and by how much
    consent: Consent | None = None  # cookie consent handling (None: recorded before schema 4)
    schema: int = SCHEMA

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Observation:
        return _build(cls, data)

    # small conveniences for readers of observations
    def hosts(self) -> set[str]:
        from .domains import host_of

        return {host_of(r.url) for r in self.requests}

    def window(self, page: int) -> WindowRecord | None:
        """The first ad shown in that page (its later ones point back to it through `previous`)."""
        return next((w for w in self.windows if w.page == page), None)

    def cropped(self) -> list[AdFrame | AdLink | Overlay]:
        """The ads cut out of the page's screenshot (each with its `crop`): frames, injected links, overlays."""
        return [ad for ad in (*self.ad_frames, *self.ad_links, *self.overlays) if ad.crop]


def _build(cls, data):
    """Rebuild a dataclass (and the dataclasses in its list fields) from plain data."""
    kwargs = {}
    for name, item, single in _fields(cls):
        if name not in data:
            continue
        value = data[name]
        if item is not None and value is not None:
            value = [_build(item, v) for v in value]
        elif single is not None and isinstance(value, dict):
            value = _build(single, value)
        kwargs[name] = value
    return cls(**kwargs)


@functools.cache
def _fields(cls) -> tuple[tuple[str, type | None, type | None], ...]:
    """Each field of dataclass `cls`: its name, the dataclass of its items if it is a list of them, the dataclass
    it holds if it holds one. Worked out once per class (reading the type hints costs more than the rest of a
    rebuild)."""
    hints = typing.get_type_hints(cls)
    return tuple(
        (f.name, _list_item_dataclass(hints[f.name]), _dataclass_of(hints[f.name])) for f in dataclasses.fields(cls)
    )


def _dataclass_of(hint):
    """The dataclass of a field typed `X` or `X | None`."""
    if dataclasses.is_dataclass(hint):
        return hint
    if isinstance(hint, types.UnionType):
        return next((arg for arg in typing.get_args(hint) if dataclasses.is_dataclass(arg)), None)
    return None


def _list_item_dataclass(hint):
    if typing.get_origin(hint) is list:
        (arg,) = typing.get_args(hint)
        if dataclasses.is_dataclass(arg):
            return arg
    if isinstance(hint, types.UnionType):
        for arg in typing.get_args(hint):
            found = _list_item_dataclass(arg)
            if found:
                return found
    return None
