"""Cookie consent: EU sites gate their ad stacks behind a consent platform (CMP), and a visitor that never
answers its banner sees a clean site. A visit runs DuckDuckGo's autoconsent (the npm package
`@duckduckgo/autoconsent`, installed by `make npm` into the checkout's `node_modules/`, loaded from there at
run time, never vendored) in every frame of the visited page before the page's scripts; it recognises a CMP
by its rules (some 800: OneTrust, Quantcast, Didomi, Cookiebot, TCF banners...) and clicks that CMP's own
accept (`accept`) or reject (`reject`) buttons. Heuristic detection (clicking any button that reads "accept")
is left off: on a piracy page such a button may be an ad.

The mode is a crawl option (`moneytrail crawl --consent accept|reject|off`, CrawlConfig.consent); `accept` is
the default because ad stacks load fully only after consent, and recording them is the point. What the library
reported is turned into the Observation's `consent` (crawler/observation.py: `Consent`, `ConsentCmp`) here,
with no browser object: `ConsentWatch.on_message` is plain data in, plain data out."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from .observation import Consent, ConsentCmp, clip

MODES = ("accept", "reject", "off")
DEFAULT_MODE = "accept"
PACKAGE = "@duckduckgo/autoconsent"
CHECKOUT = Path(__file__).resolve().parent.parent
MAX_CMPS = 20  # CMPs recorded per visit (every frame of every page counts)
MAX_ERRORS = 5
LOGS = ("lifecycle", "rulesteps", "detectionsteps", "evals", "errors", "messages", "waits")  # all off
WRAPPER_JS = resources.files("moneytrail.crawler").joinpath("consent.js").read_text()


class ConsentUnavailable(RuntimeError):
    """The autoconsent package is not installed: the message says to run `make npm`."""


@dataclass(frozen=True)
class Library:
    """autoconsent's code and rules, split so that a frame's script stays small: the generic rules (a CMP's shape,
    whatever the site) are in every frame's script, as JSON text, those for a top frame and those for a child
    frame apart; a site-specific rule (three in four: OneTrust on one airline's site...) is handed to a frame only
    when the frame's URL matches its `urlPattern` (the frame asks for it through the binding: `rules_for`)."""

    version: str
    code: str  # dist/autoconsent.cjs.js
    top_rules: str  # generic rules that run in a top frame, JSON text
    frame_rules: str  # generic rules that run in a child frame (a CMP's own frame), JSON text
    patterns: str  # the site-specific rules' `urlPattern`s, JSON text (a list: a rule's index is its place)
    site_rules: tuple[str, ...] = ()  # the site-specific rules, each as JSON text

    def rules_for(self, indexes) -> list[dict]:
        """The site-specific rules a frame asked for (at most 20, by index; anything else is ignored)."""
        if not isinstance(indexes, list):
            return []
        wanted = [i for i in indexes[:20] if isinstance(i, int) and 0 <= i < len(self.site_rules)]
        return [json.loads(self.site_rules[i]) for i in dict.fromkeys(wanted)]

    @property
    def name(self) -> str:
        return f"{PACKAGE} {self.version}"


def node_modules() -> Path:
    """The node_modules/ folder: `$MONEYTRAIL_NODE_MODULES`, else the checkout's."""
    return Path(os.environ.get("MONEYTRAIL_NODE_MODULES") or CHECKOUT / "node_modules")


@cache
def library(folder: Path | None = None) -> Library:
    """autoconsent's CommonJS build and its rules, read once (ConsentUnavailable when missing)."""
    root = (folder or node_modules()) / PACKAGE
    try:
        version = json.loads((root / "package.json").read_text(encoding="utf-8"))["version"]
        code = (root / "dist" / "autoconsent.cjs.js").read_text(encoding="utf-8")
        rules = json.loads((root / "rules" / "rules.json").read_text(encoding="utf-8"))["autoconsent"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConsentUnavailable(
            f"cookie consent needs the npm package {PACKAGE} in {root.parent.parent} ({type(exc).__name__}): "
            "install it with `make npm` from the checkout (or crawl with --consent off)"
        ) from None
    if not isinstance(rules, list) or not all(isinstance(r, dict) for r in rules) or "module.exports" not in code:
        raise ConsentUnavailable(f"{root} does not hold autoconsent's build and rules: reinstall with `make npm`")

    def where(rule: dict) -> dict:  # a rule's runContext, as the library reads it (default: top frames only)
        return rule.get("runContext") if isinstance(rule.get("runContext"), dict) else {}

    def text(value) -> str:
        return json.dumps(value, separators=(",", ":"))

    generic = [r for r in rules if not isinstance(where(r).get("urlPattern"), str)]
    specific = [r for r in rules if isinstance(where(r).get("urlPattern"), str)]
    top = [r for r in generic if where(r).get("main", True) is not False]
    frame = [r for r in generic if where(r).get("frame", False) is True]
    patterns = [where(r)["urlPattern"] for r in specific]
    return Library(str(version), code, text(top), text(frame), text(patterns), tuple(text(r) for r in specific))


def autoconsent_config(mode: str) -> dict:
    """autoconsent's configuration (its `Config` type, lib/types.ts) for a mode other than `off`."""
    return {
        "enabled": True,
        "autoAction": "optIn" if mode == "accept" else "optOut",
        "disabledCmps": [],
        "enablePrehide": True,
        "enableCosmeticRules": True,
        "enableGeneratedRules": True,
        "enableHeuristicDetection": False,
        "heuristicMode": "off",
        "detectRetries": 20,
        "isMainWorld": False,  # it runs in an isolated world: its rules' snippets are sent to Python (`eval`)
        "prehideTimeout": 2000,
        "enablePopupMutationObserver": False,
        "visualTest": False,
        "logs": dict.fromkeys(LOGS, False),
    }


def init_script(mode: str, binding: str, lib: Library | None = None) -> str:
    """The script added to a visit's context (it runs in every frame before the page's own scripts)."""
    if mode not in MODES or mode == "off":
        raise ValueError(f"no consent script for mode {mode!r}")
    lib = lib or library()
    settings = {
        "binding": binding,
        "config": autoconsent_config(mode),
        # JSON text: a frame parses its own only
        "rules": {"top": lib.top_rules, "frame": lib.frame_rules, "patterns": lib.patterns},
    }
    return (
        "(() => {\n"
        f"const __MTC = {json.dumps(settings)};\n"
        f"function __mtAutoconsent(module, exports) {{\n{lib.code}\n}}\n"
        f"{WRAPPER_JS}\n"
        "})();\n"
    )


class ConsentWatch:
    """Turns autoconsent's messages from the visit's frames into the Observation's `Consent`.

    `clock()` is the visit's time, `begin_step(action, detail)` numbers a step (a CMP's banner found and acted
    on is the `consent` step: what its buttons unlock follows it), `url(text)` bounds a URL."""

    def __init__(
        self,
        record: Consent,
        clock: Callable[[], float],
        begin_step: Callable[[str, str], int],
        url: Callable[[str], str] = lambda u: clip(u, 4096),
    ):
        self.record, self.clock, self.begin_step, self.url = record, clock, begin_step, url
        self.by_frame: dict[tuple[object, str], ConsentCmp] = {}

    def on_message(self, message, *, frame: object, page: int | None, frame_url: str, main_frame: bool) -> None:
        """One message of the autoconsent instance of `frame` (any object naming the frame's document)."""
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            return
        kind, rec = message["type"], self.record
        if kind == "autoconsentError":
            if len(rec.errors) < MAX_ERRORS:
                rec.errors.append(clip(str(message.get("details", "")), 300))
            return
        if kind == "mtDetectionEnded":
            for (owner, _), cmp in self.by_frame.items():
                if owner is frame and cmp.outcome == "pending" and cmp.popup_at is None:
                    cmp.outcome = "no_popup"
            return
        name = message.get("cmp")
        if not isinstance(name, str) or not name:
            return
        cmp = self.by_frame.get((frame, name))
        if cmp is None:
            if len(rec.cmps) >= MAX_CMPS:
                return
            cmp = ConsentCmp(clip(name, 80), page, self.url(frame_url), main_frame, self.clock())
            rec.cmps.append(cmp)
            self.by_frame[(frame, name)] = cmp
        if kind == "popupFound" and cmp.popup_at is None:
            cmp.popup_at = self.clock()
            cmp.step = self.begin_step("consent", f"{cmp.name}: {rec.mode}")
        elif kind in ("optInResult", "optOutResult"):
            cmp.result = message.get("result") is True
            if cmp.outcome in ("pending", "no_popup"):
                cmp.outcome = "done" if cmp.result else "failed"
        elif kind == "autoconsentDone":
            cmp.done_at = self.clock()
            cmp.cosmetic = message.get("isCosmetic") is True
            clicks = message.get("totalClicks")
            cmp.clicks = clicks if isinstance(clicks, int) and 0 <= clicks < 10_000 else 0
            cmp.outcome = "hidden" if cmp.cosmetic else "done"

    def pending(self, page: int = 0) -> bool:
        """A CMP of that page is still at work (found, its banner not yet handled)."""
        return any(c.page == page and c.outcome == "pending" for c in self.record.cmps)

    def acted(self, page: int = 0) -> bool:
        """A CMP of that page had its banner answered (consent given or refused)."""
        return any(c.page == page and c.outcome == "done" for c in self.record.cmps)
