"""The benchmark's output: a table of checks x runners, the count of checks that see a bot per runner, how far
each moneytrail profile is ahead of plain Playwright, and the JSON record of it all."""

from __future__ import annotations

from .catalogue import CHECKS

TARGET_LEAD = 10  # the stealth issue is done when moneytrail is ahead of plain Playwright by this many checks
MARKS = {True: "BOT", False: ".", None: "?"}


def flagged(record: dict) -> list[str]:
    """The checks that saw a bot in one runner's record."""
    return [name for name, check in record.get("checks", {}).items() if check.get("bot") is True]


def leads(records: list[dict]) -> list[dict]:
    """For each moneytrail run: plain Playwright's count minus its own (positive: moneytrail is seen less)."""
    plain = next((r for r in records if r["kind"] == "playwright" and r["status"] == "ok"), None)
    out = []
    for record in records:
        if record["kind"] != "moneytrail" or record["status"] != "ok" or plain is None:
            continue
        lead = plain["flagged"] - record["flagged"]
        out.append(
            {
                "runner": record["runner"],
                "flagged": record["flagged"],
                "playwright": plain["flagged"],
                "lead": lead,
                "target_met": lead >= TARGET_LEAD,
                "undecided": record.get("unknown", 0) + plain.get("unknown", 0),  # either run, not counted
            }
        )
    return out


def table(records: list[dict]) -> str:
    """Checks x runners ("BOT" sees a bot, "." does not, "?" could not tell), then counts and leads."""
    shown = [r for r in records if r["status"] != "skipped"]
    lines = ["runners:"]
    for n, record in enumerate(shown, 1):
        state = "" if record["status"] == "ok" else f"  [{record['status']}: {record['why']}]"
        lines.append(f"  {n:>2} {record['runner']:<22} {record['about']}{state}")
    for record in records:
        if record["status"] == "skipped":
            lines.append(f"   - {record['runner']:<22} skipped: {record['why']}")
    width = max(len(name) for name in CHECKS) + 2
    head = "".join(f"{n:>5}" for n in range(1, len(shown) + 1))
    lines += ["", f"{'check':<{width}}{'group':<12}{head}"]
    for name, (group, _) in CHECKS.items():
        cells = "".join(f"{MARKS[r['checks'].get(name, {}).get('bot')]:>5}" for r in shown)
        lines.append(f"{name:<{width}}{group:<12}{cells}")
    lines.append(f"{'sees a bot':<{width}}{'':<12}" + "".join(f"{r.get('flagged', 0):>5}" for r in shown))
    lines.append(f"{'could not tell':<{width}}{'':<12}" + "".join(f"{r.get('unknown', 0):>5}" for r in shown))
    lines.append(f"\n{len(CHECKS)} checks.")
    for lead in leads(records):
        verdict = "target met" if lead["target_met"] else f"target: ahead by {TARGET_LEAD} or more"
        if lead["undecided"]:
            verdict += f"; {lead['undecided']} check(s) undecided in one of the two runs: run again"
        lines.append(
            f"{lead['runner']}: seen as a bot by {lead['flagged']}, plain Playwright by {lead['playwright']}: "
            f"ahead by {lead['lead']} ({verdict})"
        )
    return "\n".join(lines)


def record(records: list[dict], environment: dict) -> dict:
    """The JSON record of a run of the benchmark."""
    return {
        "schema": 1,
        **environment,
        "target_lead": TARGET_LEAD,
        "checks": {name: {"group": group, "bot_when": what} for name, (group, what) in CHECKS.items()},
        "runners": records,
        "leads": leads(records),
    }
