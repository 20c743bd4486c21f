"""What users type and what the store holds reaches the terminal as it is written (issue 15, items 4 and 17):
Rich markup in a watchlist's file name, its name, a site's name, a cron string or a period is printed, never
read as markup (which crashed the CLI with a traceback or ate text), and a period at the edge of the calendar
is a clear error."""

from __future__ import annotations

import pytest

from helpers import run_cli

MARKUP = "[/x]Evil [bold]One[/bold]"


def test_markup_in_watchlists_and_site_names_is_printed_as_written(tmp_path):
    listing = tmp_path / "[red]list[x].csv"
    listing.write_text(f"url,name\nhttps://evil-one.test/,{MARKUP}\nhttps://two.test/,Two\n", encoding="utf-8")
    imported = run_cli("watchlist", "import", listing, "--name", "[/y]wl", home=tmp_path)
    assert imported.returncode == 0, imported.stderr
    assert "watchlist [/y]wl: 2 site(s) added" in imported.stdout, imported.stdout
    shown = run_cli("watchlist", "list", "[/y]wl", home=tmp_path)
    assert shown.returncode == 0 and MARKUP in shown.stdout, shown.stdout + shown.stderr
    missing = run_cli("watchlist", "import", tmp_path / "[red]gone[/red].csv", home=tmp_path)
    assert missing.returncode == 2 and "[red]gone[/red].csv" in missing.stderr, missing.stderr
    cron = run_cli("schedule", "add", "-w", "[/y]wl", "--cron", "[/x] * * * *", home=tmp_path)
    assert cron.returncode == 2 and "--cron '[/x] * * * *'" in cron.stderr, cron.stderr
    assert "Traceback" not in imported.stderr + shown.stderr + missing.stderr + cron.stderr


@pytest.mark.parametrize(
    ("period", "said"),
    [
        ("[/x]", "'[/x]' is not a period"),
        ("[bold]2026-Q4[/bold]", "'[bold]2026-Q4[/bold]' is not a period"),
        ("0001-01", "a period between 1990 and 2999"),
        ("9999-Q4", "a period between 1990 and 2999"),
        ("9999", "a period between 1990 and 2999"),
        ("2026-13", "month must be in 1..12"),
        ("2999-12-31..9999-12-31", "a period between 1990 and 2999"),
        ("1000000-01", "is not a period"),
        ("last-99999d", "a period between 1990 and 2999"),
        ("last-99999999999999999999d", "is not a period"),
    ],
)
def test_periods_out_of_the_calendar_are_clear_errors(period, said):
    from moneytrail.reports.periods import PeriodError, parse

    with pytest.raises(PeriodError) as info:
        parse(period)
    assert said in str(info.value), str(info.value)


def test_the_cli_prints_a_period_error_as_written(tmp_path):
    for period, said in (("[/x]", "--period '[/x]' is not a period"), ("9999-Q4", "between 1990 and 2999")):
        out = run_cli("report", "exposure", "--period", period, home=tmp_path)
        assert out.returncode == 2 and said in out.stderr and "Traceback" not in out.stderr, out.stderr
