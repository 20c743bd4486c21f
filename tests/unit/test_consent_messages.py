"""Cookie consent without a browser: autoconsent's messages turned into the Observation's record, the init
script built from the installed package, and the crawl option."""

from __future__ import annotations

import json

import pytest

from moneytrail.crawler.config import ConfigError, CrawlConfig
from moneytrail.crawler.consent import MODES, ConsentUnavailable, ConsentWatch, autoconsent_config, init_script, library
from moneytrail.crawler.observation import Consent


class Clock:
    def __init__(self):
        self.t, self.steps = 0.0, []

    def now(self) -> float:
        self.t += 0.5
        return self.t

    def step(self, action: str, detail: str) -> int:
        self.steps.append((action, detail))
        return len(self.steps)


def watch(mode: str = "accept") -> tuple[ConsentWatch, Clock]:
    clock = Clock()
    return ConsentWatch(Consent(mode), clock.now, clock.step), clock


def test_a_banner_answered_is_recorded_with_its_step():
    w, clock = watch()
    main, ad = object(), object()
    where = {"page": 0, "frame_url": "https://site.test/", "main_frame": True}
    w.on_message({"type": "cmpDetected", "cmp": "quantcast"}, frame=main, **where)
    assert w.pending() and not w.acted()
    w.on_message({"type": "popupFound", "cmp": "quantcast"}, frame=main, **where)
    w.on_message({"type": "optInResult", "cmp": "quantcast", "result": True}, frame=main, **where)
    done = {"type": "autoconsentDone", "cmp": "quantcast", "isCosmetic": False, "totalClicks": 1}
    w.on_message(done, frame=main, **where)
    (cmp,) = w.record.cmps
    assert (cmp.name, cmp.outcome, cmp.result, cmp.clicks, cmp.step) == ("quantcast", "done", True, 1, 1)
    assert cmp.detected_at < cmp.popup_at < cmp.done_at
    assert clock.steps == [("consent", "quantcast: accept")]
    assert not w.pending() and w.acted() and w.record.outcome() == "accepted"
    # another frame's CMP is its own record, and does not hold the visited page's wait
    found = {"type": "cmpDetected", "cmp": "Sourcepoint-frame"}
    w.on_message(found, frame=ad, page=0, frame_url="https://x", main_frame=False)
    assert len(w.record.cmps) == 2 and w.pending()


def test_a_cmp_without_a_banner_or_that_fails_ends_the_wait():
    w, _ = watch("reject")
    frame = object()
    where = {"page": 0, "frame_url": "https://site.test/", "main_frame": True}
    w.on_message({"type": "cmpDetected", "cmp": "Onetrust"}, frame=frame, **where)
    w.on_message({"type": "mtDetectionEnded", "found": False}, frame=frame, **where)
    assert not w.pending() and w.record.outcome() == "no_popup"
    w2, _ = watch("reject")
    w2.on_message({"type": "popupFound", "cmp": "Onetrust"}, frame=frame, **where)
    w2.on_message({"type": "optOutResult", "cmp": "Onetrust", "result": False}, frame=frame, **where)
    assert not w2.pending() and not w2.acted() and w2.record.outcome() == "failed"
    w3, _ = watch("reject")
    w3.on_message({"type": "popupFound", "cmp": "cosmetic-x"}, frame=frame, **where)
    w3.on_message({"type": "autoconsentDone", "cmp": "cosmetic-x", "isCosmetic": True}, frame=frame, **where)
    assert w3.record.outcome() == "hidden" and not w3.acted()


def test_page_strings_are_bounded_and_junk_is_ignored():
    w, _ = watch()
    frame = object()
    where = {"page": 0, "frame_url": "https://site.test/" + "a" * 9000, "main_frame": True}
    for junk in (None, "x", [], {"type": 3}, {"type": "cmpDetected"}, {"type": "cmpDetected", "cmp": ""}):
        w.on_message(junk, frame=frame, **where)
    assert w.record.cmps == []
    w.on_message({"type": "cmpDetected", "cmp": "<b>" * 100}, frame=frame, **where)
    w.on_message({"type": "autoconsentDone", "cmp": "<b>" * 100, "totalClicks": 10**9}, frame=frame, **where)
    (cmp,) = w.record.cmps
    assert len(cmp.name) < 120 and len(cmp.frame_url) < 4200 and cmp.clicks == 0
    for n in range(100):
        w.on_message({"type": "cmpDetected", "cmp": f"c{n}"}, frame=frame, **where)
        w.on_message({"type": "autoconsentError", "details": "e" * 1000}, frame=frame, **where)
    assert len(w.record.cmps) == 20 and len(w.record.errors) == 5 and all(len(e) < 400 for e in w.record.errors)


def test_outcome_of_a_visit():
    assert Consent("off").outcome() == "off" and Consent("accept").outcome() == "none"


def test_the_init_script_holds_the_installed_library_and_its_rules():
    lib = library()
    assert lib.name.startswith("@duckduckgo/autoconsent ") and len(lib.top_rules) > 100_000
    assert 0 < len(lib.frame_rules) < len(lib.top_rules) / 5  # an ad frame parses a small part
    patterns = json.loads(lib.patterns)
    assert len(patterns) == len(lib.site_rules) > 300  # site-specific rules: handed to a frame only on a match
    i = next(n for n, p in enumerate(patterns) if "csu" in p)
    assert [r["name"] for r in lib.rules_for([i, i, "x", -1, 10**6])] == ["csu-landtag-de"]
    assert lib.rules_for("junk") == [] and len(lib.rules_for(list(range(100)))) == 20
    script = init_script("reject", "__mtcabc", lib)
    assert len(script) < 400_000  # the library and the generic rules, not the site-specific ones
    assert lib.code in script and '"autoAction": "optOut"' in script and '"__mtcabc"' in script
    assert autoconsent_config("accept")["autoAction"] == "optIn"
    assert autoconsent_config("accept")["enableHeuristicDetection"] is False
    with pytest.raises(ValueError):
        init_script("off", "__mtcabc", lib)


def test_a_missing_package_says_to_run_make_npm(tmp_path):
    with pytest.raises(ConsentUnavailable, match="make npm"):
        library(tmp_path)


def test_the_crawl_option():
    assert CrawlConfig("w").consent == "accept" and MODES == ("accept", "reject", "off")
    with pytest.raises(ConfigError, match="consent"):
        CrawlConfig("w", consent="yes")
    assert "--consent" in CrawlConfig("w", consent="off").args()
    assert CrawlConfig.from_record(CrawlConfig("w").record()).consent == "accept"
    assert CrawlConfig.from_record({"watchlist": "w"}).consent == "off"  # recorded before the option: as crawled


def test_the_crawl_summary_says_what_was_done_with_banners():
    from moneytrail.cli.crawling import consent_line

    counts = {"consent_accepted": 3, "consent_none": 9, "consent_pending": 1, "cmp_quantcast": 2}
    counts["cmp_Onetrust\x1b[2J"] = 1
    line = consent_line(counts, "accept")
    assert line.startswith("cookie consent (accept): a banner answered on 3 visit(s) (Onetrust?[2J 1, quantcast 2)")
    assert line.endswith("; not answered: pending 1") and "\x1b" not in line
    assert consent_line({}, "off") == "cookie consent: off (banners left unanswered)"
