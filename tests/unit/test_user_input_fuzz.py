"""Every parser of user data, fed generated input (hypothesis): each answer is a result or the parser's own
clear error (naming the file and line or field), never another exception; valid rows among bad ones are kept."""

from __future__ import annotations

import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from moneytrail.crawler.tomlfile import TomlFileError, read_toml
from moneytrail.crawler.watchlist import parse_text

JUNK = st.text(alphabet=st.characters(codec="utf-8"), max_size=300) | st.sampled_from(
    ["\x00", "x" * 140_000, '"unterminated', "[/x]", "a,b,c,d,e,f,g,h,i,j", "\ufeff", "\r", "\u2028"]
)
LABEL = st.text(alphabet=string.ascii_lowercase + string.digits, min_size=1, max_size=12)
DOMAINS = st.lists(st.builds(lambda a, b: f"{a}-site{b}.example", LABEL, LABEL), min_size=1, max_size=8, unique=True)
FILES = settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@given(DOMAINS, st.lists(JUNK, max_size=8), st.booleans(), st.randoms())
@FILES
def test_watchlists_keep_every_valid_row_among_junk(domains, junk, as_csv, rnd):
    valid = [f"https://{d}/,{d}" if as_csv else f"https://{d}/" for d in domains]
    noise = [j.replace("\n", " ").replace("\r", " ").replace("\u2028", " ").replace("\x85", " ") for j in junk]
    rows = valid + noise
    rnd.shuffle(rows)
    if as_csv:
        rows.insert(0, "url,name")
    parsed = parse_text("\n".join(rows))
    assert {e.domain for e in parsed.entries} >= set(domains)
    for problem in parsed.errors:
        assert problem.line >= 1 and problem.message


def test_a_first_line_over_the_csv_limit_is_read_as_plain_text():
    """Found by the test above: a first line longer than the csv module's field limit ended the import."""
    parsed = parse_text('"' + "x" * 200_000 + "\nhttps://kept.example/\n")
    assert [e.domain for e in parsed.entries] == ["kept.example"] and parsed.errors[0].line == 1


@given(st.binary(max_size=2000) | JUNK.map(lambda t: t.encode("utf-8", "surrogatepass")))
@FILES
def test_toml_files_are_read_or_refused_with_the_file_named(tmp_path, data):
    path = tmp_path / "user.toml"
    path.write_bytes(data)
    try:
        assert isinstance(read_toml(path), dict)
    except TomlFileError as exc:
        assert str(path) in str(exc)


def test_deep_and_non_utf8_files_name_the_file_and_line(tmp_path):
    deep = tmp_path / "deep.toml"
    deep.write_text("x = " + "[" * 5000 + "]" * 5000)
    with pytest.raises(TomlFileError, match="deep.toml: nested too deep"):
        read_toml(deep)
    latin = tmp_path / "latin.toml"
    latin.write_bytes(b'a = 1\nname = "caf\xe9"\n')
    with pytest.raises(TomlFileError, match="latin.toml: line 2: not UTF-8"):
        read_toml(latin)


@given(JUNK)
@settings(deadline=None)
def test_profiles_signatures_cron_intervals_and_periods(text):
    from moneytrail.reports.periods import PeriodError, parse
    from moneytrail.services.scheduler import ScheduleError, check_cron, parse_every

    for call, error in ((check_cron, ScheduleError), (parse_every, ScheduleError), (parse, PeriodError)):
        try:
            call(text)
        except error as exc:
            assert str(exc)


@given(JUNK)
@FILES
def test_profile_files(tmp_path, text):
    from moneytrail.crawler.profiles import ProfileError, load_profiles

    path = tmp_path / "profiles.toml"
    path.write_text(f"[profiles.p]\ndevice = {text!r}\n[profiles.q]\nlocale = {text!r}\n")
    try:
        load_profiles(path, environ={})
    except ProfileError as exc:
        assert str(path) in str(exc)


@given(JUNK)
@FILES
def test_signature_data(tmp_path, text):
    import shutil

    from moneytrail.attribution.signatures import SignatureError, load
    from moneytrail.data import DATA_DIR

    for name in ("ids.toml", "networks.toml", "miners.toml", "categories.toml"):
        shutil.copy(DATA_DIR / name, tmp_path / name)
    with (tmp_path / "networks.toml").open("a") as handle:
        handle.write(f'\n[[networks]]\nname = "Fuzz"\nformats = ["display"]\nhosts = [{text!r}]\nurls = [{text!r}]\n')
    try:
        load(tmp_path)
    except SignatureError as exc:
        assert "networks.toml" in str(exc)


@given(st.text(max_size=120).filter(lambda t: not t.strip().lower().startswith("sqlite")))
@settings(deadline=None)
def test_database_urls(text):
    from moneytrail.errors import UsageError
    from moneytrail.services.checks import open_store_checked

    try:
        open_store_checked(text or "x")
    except UsageError as exc:
        assert "cannot open the store" in str(exc)


ACCOUNT = st.text(alphabet=string.ascii_letters + string.digits + "-_", min_size=1, max_size=20)


@given(st.lists(st.tuples(DOMAINS, ACCOUNT, st.sampled_from(["DIRECT", "RESELLER"])), min_size=1, max_size=6),
       st.lists(JUNK, max_size=8), st.randoms())  # fmt: skip
@FILES
def test_adstxt_keeps_every_valid_record_among_junk(records, junk, rnd):
    """ads.txt, as a hostile site may serve it: every well-formed record among junk lines is kept, each junk line
    is kept out or skipped with its number, and nothing raises."""
    from moneytrail.crawler.adstxt import parse_adstxt

    valid = [(domains[0], account, rel) for domains, account, rel in records]
    lines = [f"{d}, {a}, {r}" for d, a, r in valid] + [j.replace("\n", " ").replace("\r", " ") for j in junk]
    rnd.shuffle(lines)
    parsed = parse_adstxt("\n".join(lines))
    assert not parsed.html
    assert {(r.ad_system, r.account_id, r.relationship) for r in parsed.records} >= set(valid)
    assert all(1 <= n <= len(lines) for n in parsed.skipped)


@given(st.recursive(st.none() | st.booleans() | st.integers() | JUNK,
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(JUNK, inner, max_size=4),
                    max_leaves=20),
       st.lists(st.tuples(ACCOUNT, JUNK), max_size=5))  # fmt: skip
@FILES
def test_sellers_json_keeps_every_seller_among_junk(junk, listed):
    """sellers.json, any JSON at all (or none): the sellers with an id are read, names cleaned and capped, the
    rest ignored, nothing raises."""
    import json

    from moneytrail.crawler.adstxt import sellers

    assert isinstance(sellers(json.dumps(junk)), dict)
    entries = [{"seller_id": i, "name": name, "seller_type": "PUBLISHER"} for i, name in listed] + [junk, 7]
    found = sellers(json.dumps({"sellers": entries, "contact_email": junk}))
    assert set(found) >= {i.strip() for i, _ in listed}
    assert all(len(v.get("name", "")) <= 300 and "\x00" not in v.get("name", "") for v in found.values())


def test_control_characters_in_a_watchlist_cell_never_reach_the_store():
    """A NUL in a watchlist cell crashed its import into PostgreSQL (issue 15, item 12): a URL holding one is
    refused with its line, a name loses it, and the other rows are kept."""
    parsed = parse_text(
        "url,name\nhttps://ok.example/,Good\x00 name\nhttps://bad\x00.example/,Bad\nhttps://two.example/,T"
    )
    assert [(e.domain, e.name) for e in parsed.entries] == [("ok.example", "Good name"), ("two.example", "T")]
    assert [p.line for p in parsed.errors] == [3], parsed.errors
