"""The stealth benchmark's bookkeeping (benchmarks/stealth): what a page may post, counts, leads, the table."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

from stealth.catalogue import CHECKS  # noqa: E402
from stealth.detector import PAGE_DIR, clean_results  # noqa: E402
from stealth.report import leads, table  # noqa: E402


def run(name: str, kind: str, bots: set[str], status: str = "ok") -> dict:
    checks = {n: {"bot": n in bots, "detail": ""} for n in CHECKS}
    return {
        "runner": name,
        "kind": kind,
        "about": name,
        "status": status,
        "why": "",
        "checks": checks,
        "flagged": len(bots),
        "unknown": 0,
    }


def test_a_posted_report_keeps_only_well_formed_checks():
    posted = [
        {"name": "botd", "bot": True, "detail": "headless_chrome"},
        {"name": "timezone_utc", "bot": "yes", "detail": 3},  # not a boolean: undecided
        {"name": "", "bot": True},
        {"bot": True},
        "botd",
        {"name": "speech_voices", "bot": False, "detail": "x" * 5000},
    ]
    out = clean_results(posted)
    assert out["botd"] == {"bot": True, "detail": "headless_chrome"}
    assert out["timezone_utc"] == {"bot": None, "detail": "3"}
    assert len(out["speech_voices"]["detail"]) < 5000
    assert set(out) == {"botd", "timezone_utc", "speech_voices"}
    assert clean_results({"botd": True}) == {}


def test_leads_compare_each_moneytrail_run_with_plain_playwright():
    names = list(CHECKS)
    records = [
        run("moneytrail-a", "moneytrail", set(names[:3])),
        run("moneytrail-b", "moneytrail", set(names[:20])),
        run("moneytrail-c", "moneytrail", set(), status="failed"),
        run("playwright", "playwright", set(names[:14])),
        run("patchright", "anchor", set(names[:2])),
    ]
    assert leads(records) == [
        {"runner": "moneytrail-a", "flagged": 3, "playwright": 14, "lead": 11, "target_met": True, "undecided": 0},
        {"runner": "moneytrail-b", "flagged": 20, "playwright": 14, "lead": -6, "target_met": False, "undecided": 0},
    ]
    assert leads([r for r in records if r["kind"] != "playwright"]) == []


def test_the_table_marks_each_check_of_each_runner():
    records = [run("moneytrail", "moneytrail", {"botd"}), run("playwright", "playwright", {"botd", "timezone_utc"})]
    records[0]["checks"]["speech_voices"]["bot"] = None
    records[0]["unknown"] = 1
    records.append({"runner": "patchright", "kind": "anchor", "about": "", "status": "skipped", "why": "not installed"})
    text = table(records)
    rows = {
        line.split()[0]: line.split()[2:] for line in text.splitlines() if line.split() and line.split()[0] in CHECKS
    }
    assert set(rows) == set(CHECKS)
    assert rows["botd"] == ["BOT", "BOT"]
    assert rows["timezone_utc"] == [".", "BOT"]
    assert rows["speech_voices"] == ["?", "."]
    assert "patchright" in text and "skipped: not installed" in text
    assert "ahead by 1 (target: ahead by 10 or more; 1 check(s) undecided" in text


def test_every_catalogued_check_is_reported_by_the_page_or_the_server():
    page = " ".join(p.read_text() for p in PAGE_DIR.glob("*.js"))
    server = (ROOT / "benchmarks" / "stealth" / "detector.py").read_text()
    missing = [name for name in CHECKS if f'"{name}"' not in page and f'"{name}"' not in server]
    assert missing == []
