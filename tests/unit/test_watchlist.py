"""Watchlist files: bad rows are reported with their line number and skipped, the rest is imported,
sites are merged by registrable domain; and the `watchlist` commands."""

from __future__ import annotations

import pytest

from helpers import run_cli
from moneytrail.crawler.watchlist import normalise_url, parse_text

CSV = """url,name,category,country,tags,monthly_visits
https://www.streamvf.test/,StreamVF,series,fr,vf;hd,1200000
ftp://bad.example.com/,,,,,
streamvf.test/other,,,,,
not a host,,,,,
https://ok.example.co.uk,,,FRA,,
https://ok2.example.com,,,,,12a
https://x..y/,,,,,
https://toomany.example.com,,,,,,,
,,,,,
https://blog.example.co.uk/page?x=1#frag,Blog,,GB,a|b,"3,400"
"""


def test_csv_bad_rows_are_reported_with_their_line_and_skipped():
    parsed = parse_text(CSV)
    assert [(p.line, p.message.split(" ")[0]) for p in parsed.errors] == [
        (3, "scheme"),
        (5, "spaces"),
        (6, "country"),
        (7, "monthly_visits"),
        (8, "invalid"),
        (9, "8"),
    ]
    assert [e.domain for e in parsed.entries] == ["streamvf.test", "example.co.uk"]
    first, blog = parsed.entries
    assert first.url == "https://www.streamvf.test/" and first.country == "FR" and first.tags == ["vf", "hd"]
    assert first.monthly_visits == 1_200_000 and first.line == 2
    assert blog.url == "https://blog.example.co.uk/page?x=1" and blog.tags == ["a", "b"] and blog.monthly_visits == 3400
    assert [n.line for n in parsed.notices] == [4]  # merged into line 2


def test_duplicates_merge_by_registrable_domain_and_fill_empty_fields():
    parsed = parse_text("domain,name,tags\nwww.example.com,,a\nhttp://cdn.example.com/x,Example,b\nexample.org,,\n")
    assert [(e.domain, e.name, e.tags) for e in parsed.entries] == [
        ("example.com", "Example", ["a", "b"]),
        ("example.org", None, []),
    ]
    assert "merged into line 2" in parsed.notices[0].message


def test_plain_text_lists_and_comments():
    parsed = parse_text(
        "# my list\nexample.com\n\n  https://Foo.Bar.org/path  # a note\nhttp://-bad-.com\n\u00e9cole.fr\n"
    )
    assert [e.url for e in parsed.entries] == [
        "https://example.com/",
        "https://foo.bar.org/path",
        "https://xn--cole-9oa.fr/",
    ]
    assert [(p.line, "invalid host" in p.message) for p in parsed.errors] == [(5, True)]


def test_unknown_columns_are_noticed_not_fatal():
    parsed = parse_text("url,colour\nexample.com,red\n")
    assert parsed.entries and "colour" in parsed.notices[0].message


def test_url_normalisation_rejects_what_is_not_a_site():
    for bad in (
        "",
        "javascript:alert(1)",
        "http://",
        "http://1234",
        "https://a b.com",
        "http://exa_mple.com",
        "https://example.com:99999/",
        "x" * 3000,
    ):
        try:
            normalise_url(bad)
        except ValueError:
            continue
        raise AssertionError(f"{bad!r} accepted")
    assert normalise_url("HTTP://Example.COM:8080") == ("http://example.com:8080/", "example.com")


def run(*args, home, env=None):
    return run_cli(*args, home=home, env=env, timeout=60)


@pytest.mark.slow
def test_watchlist_commands(tmp_path):
    path = tmp_path / "sites.csv"
    path.write_text(CSV)
    result = run("watchlist", "import", str(path), "--name", "fr", home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "2 site(s) added" in result.stdout and "6 row(s) skipped" in result.stdout
    assert "line 3:" in result.stderr and "line 9:" in result.stderr
    assert (tmp_path / "moneytrail.db").exists()  # the documented default location
    again = run("watchlist", "import", str(path), "--name", "fr", home=tmp_path)
    assert "0 site(s) added, 2 updated" in again.stdout
    listed = run("watchlist", "list", home=tmp_path)
    assert "fr" in listed.stdout and "2" in listed.stdout
    sites = run("watchlist", "list", "fr", home=tmp_path)
    assert "streamvf.test" in sites.stdout and "1,200,000" in sites.stdout
    assert run("watchlist", "remove", "fr", "www.streamvf.test", home=tmp_path).stdout.startswith("removed 1 site")
    assert "streamvf.test" not in run("watchlist", "list", "fr", home=tmp_path).stdout
    assert run("watchlist", "remove", "fr", home=tmp_path).returncode == 0
    missing = run("watchlist", "list", "fr", home=tmp_path)
    assert missing.returncode == 2 and "no watchlist named 'fr'" in missing.stderr
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing\nnot a site\n")
    result = run("watchlist", "import", str(empty), home=tmp_path)
    assert result.returncode == 2 and "no valid row" in result.stderr and "line 2" in result.stderr


@pytest.mark.slow
def test_crawl_usage_errors_exit_2(tmp_path):
    result = run("crawl", "-w", "nosuchlist", home=tmp_path)
    assert result.returncode == 2 and "no watchlist" in result.stderr
    result = run("crawl", "-w", "x", "--db", "postgresql+psycopg://u:topsecret@127.0.0.1:1/x", home=tmp_path)
    assert result.returncode == 2 and "cannot open the store" in result.stderr and "topsecret" not in result.stderr
    result = run("crawl", "-w", "x", "--proxy", "nonsense", home=tmp_path)
    assert result.returncode == 2 and "proxy" in result.stderr


def test_international_domains_follow_idna_2008():
    """`straße-filme.de` is its own site (IDNA 2003 made it `strasse-filme.de`, another one); invisible
    characters and invalid punycode are refused, not silently dropped or accepted."""
    import pytest

    from moneytrail.crawler.watchlist import RowError

    assert normalise_url("straße-filme.de")[1] == "xn--strae-filme-y6a.de"
    assert normalise_url("https://XN--STRAE-FILME-Y6A.DE/")[1] == "xn--strae-filme-y6a.de"
    assert normalise_url("https://café.fr/film")[0] == "https://xn--caf-dma.fr/film"
    assert normalise_url("strasse-filme.de")[1] == "strasse-filme.de"
    for bad, why in (("stra\u200bsse.de", "invisible"), ("xn--zz.de", "invalid"), ("ex\u00adample.com", "invisible")):
        with pytest.raises(RowError, match=why):
            normalise_url(bad)


def test_any_host_text_is_converted_or_refused_with_a_reason():
    from hypothesis import given
    from hypothesis import strategies as st

    from moneytrail.crawler.domains import ascii_host

    @given(st.text(max_size=80))
    def check(text):
        try:
            out = ascii_host(text)
        except ValueError as exc:
            assert str(exc)
        else:
            assert out.isascii() and out == out.lower()

    check()


@pytest.mark.slow
def test_a_browser_that_cannot_start_stops_the_crawl_before_anything_is_stored(tmp_path):
    """Exit 1 with the browser's own launch error; no run recorded (not every site marked dead)."""
    import json

    fake = tmp_path / "chromium"
    fake.write_text('#!/bin/sh\necho "error while loading shared libraries: libnss3.so" >&2\nexit 127\n')
    fake.chmod(0o755)
    (tmp_path / "w.txt").write_text("https://example.test/\n")
    result = run(
        "crawl", "-w", tmp_path / "w.txt", "--no-progress", home=tmp_path, env={"MONEYTRAIL_CHROMIUM": str(fake)}
    )
    assert result.returncode == 1, result.stderr
    assert "does not start" in result.stderr and "libnss3.so" in result.stderr and "exitCode=127" in result.stderr
    assert "check --proxy" not in result.stderr
    assert json.loads(run("runs", "--json", home=tmp_path).stdout) == []
