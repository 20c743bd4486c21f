"""Overlays: boxes a script laid over the visited page after it loaded. In-page push banners (a fake
notification in a corner, often shown once a notification prompt was refused or could not show), interstitials,
sticky ads and transparent click traps all take that shape: an element positioned fixed or absolute, made by
a script, holding a link to a click URL, a frame, or a click handler that opens one.

The page is read (the candidate boxes, from the last element of the document back: scripts append their
boxes at the end) and each candidate's creator comes from Chromium itself: with node stack traces on (CDP
`DOM.setNodeStackTracesEnabled`, set on the visited page's session before it loaded), every element made by a
script carries the stack that created it, which no page can rewrite; elements the HTML parser made carry none.
Kept: boxes made by a script of another site, or holding another site's link or frame. The visit turns
their links into ad links and clicks those without one (crawler/visit.py)."""

from __future__ import annotations

from playwright.async_api import Error as PlaywrightError

from moneytrail.crawler.domains import site_of
from moneytrail.crawler.observation import Overlay

from .log import VisitLog, clip
from .unseen import isolated_context

CANDIDATES = 60  # positioned boxes read from the page per look
SCANNED = 4000  # elements looked at, from the end of the document
GROUP = "mt-overlays"  # the CDP object group the look's handles live in (released after)

FIND_JS = """(() => {
  const vw = innerWidth, vh = innerHeight, all = document.querySelectorAll('body *'), boxes = [];
  const inside = (el, sel) => (el.matches(sel) ? el : el.querySelector(sel)) ||
    (el.shadowRoot ? el.shadowRoot.querySelector(sel) : null);
  const count = (el, sel) => el.querySelectorAll(sel).length + (el.matches(sel) ? 1 : 0) +
    (el.shadowRoot ? el.shadowRoot.querySelectorAll(sel).length : 0);
  for (let i = all.length - 1; i >= 0 && i >= all.length - SCANNED && boxes.length < CANDIDATES; i--) {
    const el = all[i], st = getComputedStyle(el);
    if (st.position !== 'fixed' && st.position !== 'absolute') continue;
    if (st.display === 'none' || st.visibility === 'hidden') continue;
    const r = el.getBoundingClientRect();
    if (r.width < 24 || r.height < 16 || r.bottom <= 0 || r.right <= 0 || r.top >= vh || r.left >= vw) continue;
    const a = inside(el, 'a[href]'), f = inside(el, 'iframe');
    const link = a && /^https?:/i.test(a.href) ? a.href : '';
    const text = String((el.shadowRoot ? el.shadowRoot.textContent : '') + ' ' + (el.innerText || ''));
    const x = Math.min(Math.max(r.left + r.width / 2, 1), vw - 1);
    const y = Math.min(Math.max(r.top + r.height / 2, 1), vh - 1);
    const hit = document.elementFromPoint(x, y);
    boxes.push({el: el, inner: a || f || null, d: [Math.round(r.left), Math.round(r.top), Math.round(r.width),
      Math.round(r.height), st.position, link.slice(0, 4096), f ? String(f.src || '').slice(0, 4096) : '',
      text.replace(/\\s+/g, ' ').trim().slice(0, 300), count(el, 'img, iframe, video, canvas, picture'),
      hit && (hit === el || el.contains(hit)) ? 1 : 0, Math.round(x), Math.round(y), -1]});
  }
  for (let i = 0; i < boxes.length; i++) {  // the nearest candidate each one lies in
    let best = -1;
    for (let j = 0; j < boxes.length; j++)
      if (j !== i && boxes[j].el.contains(boxes[i].el) && (best < 0 || boxes[best].el.contains(boxes[j].el))) best = j;
    boxes[i].d[12] = best;
  }
  return {d: boxes.map(b => b.d), e: [].concat(...boxes.map(b => [b.el, b.inner]))};
})()""".replace("SCANNED", str(SCANNED)).replace("CANDIDATES", str(CANDIDATES))


def stack_urls(trace: dict | None) -> list[str]:
    """The distinct script URLs of a CDP stack trace (its async parents included), innermost first."""
    urls: list[str] = []
    while trace:
        for frame in trace.get("callFrames") or []:
            url = frame.get("url") or ""
            if url and url not in urls:
                urls.append(url)
        trace = trace.get("parent")
    return urls[:8]


class OverlayFinder:
    def __init__(self, log: VisitLog):
        self.log = log

    async def find(self, page) -> list[tuple[Overlay, tuple[int, int] | None]]:
        """The overlays the visited page shows now, each recorded once (a box found again is the same
        record), with the point a click on it lands on (None when something else lies on top)."""
        log = self.log
        session = log.sessions.get(0)
        if session is None or page.is_closed():
            return []
        try:
            found = await self._read(session)
        except PlaywrightError:
            return []
        finally:
            try:
                await session.send("Runtime.releaseObjectGroup", {"objectGroup": GROUP})
            except PlaywrightError:
                pass
        site = log.obs.final_site or log.obs.site
        boxes: list[tuple[bool, int, Overlay, tuple[int, int] | None] | None] = []
        for row, stack in found:
            try:
                x, y, width, height, position, link, frame, text, media, hit, cx, cy, parent = row
                overlay = Overlay(
                    int(x), int(y), int(width), int(height), clip(str(position), 20), log.url(str(link)),
                    log.url(str(frame)), clip(str(text), 200), int(media), stack[0] if stack else None,
                    [log.url(u) for u in stack], log.now(),
                )  # fmt: skip
                point = (int(cx), int(cy)) if hit else None
                parent = int(parent)
            except (TypeError, ValueError):
                boxes.append(None)
                continue
            # a script made it (the parser made the box: it holds what a script made), and it is not the site's
            theirs = bool(stack) and (
                any(site_of(u) != site for u in stack) or any(u and site_of(u) != site for u in (link, frame))
            )
            boxes.append((theirs, parent, overlay, point))
        out = []
        for box in boxes:
            if box is None or not box[0] or self._within_kept(boxes, box[1]):
                continue  # the site's own box, or one inside a kept box
            kept = self._keep(box[2])
            if kept is not None:
                out.append((kept, box[3]))
        return out

    @staticmethod
    def _within_kept(boxes: list, parent: int) -> bool:
        seen = 0
        while 0 <= parent < len(boxes) and seen < len(boxes):
            box = boxes[parent]
            if box is None:
                return False
            if box[0]:
                return True
            parent, seen = box[1], seen + 1
        return False

    async def _read(self, session) -> list[tuple[object, list[str]]]:
        """(description, creation stack) of each candidate box, in the page's order. A box the parser made
        has no stack of its own: the stack of the link or frame it holds stands for it."""
        result = await session.send(  # in an isolated world: the page's own DOM methods never see the read
            "Runtime.evaluate",
            {
                "expression": FIND_JS,
                "objectGroup": GROUP,
                "returnByValue": False,
                "contextId": await isolated_context(session),
            },
        )
        handle = (result.get("result") or {}).get("objectId")
        if not handle or result.get("exceptionDetails"):
            return []
        described = await session.send(
            "Runtime.callFunctionOn",
            {"objectId": handle, "functionDeclaration": "function () { return this.d; }", "returnByValue": True},
        )
        rows = (described.get("result") or {}).get("value")
        if not isinstance(rows, list):
            return []
        elements = await session.send(
            "Runtime.callFunctionOn",
            {"objectId": handle, "functionDeclaration": "function () { return this.e; }", "objectGroup": GROUP},
        )
        listed = await session.send(
            "Runtime.getProperties",
            {"objectId": (elements.get("result") or {}).get("objectId", ""), "ownProperties": True},
        )
        handles: dict[int, str | None] = {}
        for prop in listed.get("result") or []:
            if str(prop.get("name", "")).isdigit():
                handles[int(prop["name"])] = (prop.get("value") or {}).get("objectId")
        await session.send("DOM.getDocument", {"depth": 0})
        out = []
        for i, row in enumerate(rows[:CANDIDATES]):
            own = await self._stack(session, handles.get(2 * i))
            out.append((row, own or await self._stack(session, handles.get(2 * i + 1))))
        return out

    async def _stack(self, session, handle: str | None) -> list[str]:
        if not handle:
            return []
        try:
            node = await session.send("DOM.requestNode", {"objectId": handle})
            traces = await session.send("DOM.getNodeStackTraces", {"nodeId": node["nodeId"]})
        except (PlaywrightError, KeyError, TypeError):
            return []
        return stack_urls(traces.get("creation") if isinstance(traces, dict) else None)

    def _keep(self, overlay: Overlay) -> Overlay | None:
        """The record of this overlay: the one found before if it is the same box, else a new one (None past
        the limit)."""
        obs, limits = self.log.obs, self.log.limits
        same = (overlay.creator, overlay.link, overlay.frame_url, overlay.position)
        for known in obs.overlays:
            if (known.creator, known.link, known.frame_url, known.position) == same:
                known.x, known.y, known.width, known.height = overlay.x, overlay.y, overlay.width, overlay.height
                return known
        if len(obs.overlays) >= limits.max_overlays:
            self.log.over("overlays")
            return None
        obs.overlays.append(overlay)
        return overlay
