"""`moneytrail report exposure|network|advertiser`."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

import typer

from moneytrail.errors import Failure, UsageError
from moneytrail.reports import REPORT_FORMATS as FORMATS

from . import options as o
from .console import note, say

app = typer.Typer(
    help="Reports: per ad network (with notice packs), advertiser audits, periodic exposure.", no_args_is_help=True
)
Formats = Annotated[
    list[str] | None,
    typer.Option("--format", "-f", help=f"output format, repeatable: {', '.join(FORMATS)} (default html)"),
]
OutDir = Annotated[Path | None, typer.Option("--out", "-o", help="folder to write into (default: <data home>/reports)")]
Period = Annotated[
    str | None,
    typer.Option("--period", help="only this period, as for `report exposure` (default: all visits)"),
]

Organisation = Annotated[
    str | None,
    typer.Option(
        "--organisation",
        envvar="MONEYTRAIL_ORGANISATION",
        help="who publishes the report, shown in its header (default: $MONEYTRAIL_ORGANISATION)",
    ),
]
Logo = Annotated[
    Path | None,
    typer.Option("--logo", envvar="MONEYTRAIL_LOGO", help="the publisher's logo: a PNG or JPEG of at most 512 KiB"),
]
BrandFiles = Annotated[
    list[Path] | None,
    typer.Option(
        "--brands",
        help="a brand list (TOML, as data/brands.toml) whose advertisers count as mainstream, repeatable",
    ),
]

Lang = Annotated[
    str,
    typer.Option("--lang", envvar="MONEYTRAIL_LANG", help="the report's language: en or fr (default en)"),
]
OnlyWatchlist = Annotated[
    str | None, typer.Option("--watchlist", "-w", help="only the visits of this watchlist's sites (by name)")
]
OnlyProfile = Annotated[
    str | None, typer.Option("--profile", help="only the visits made with this visitor profile (e.g. desktop-fr)")
]
OnlyCountry = Annotated[
    str | None, typer.Option("--country", help="only the visits of profiles in this country (two letters, e.g. FR)")
]


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="report")


def _setup(db, data, formats, out_dir, brands=None):
    """(store, signatures with the extra brand lists, formats, output folder), each checked."""
    from moneytrail.attribution.signatures import SignatureError
    from moneytrail.crawler.store import data_home
    from moneytrail.services.checks import load_analyzer, open_store_checked

    formats = formats or ["html"]
    for fmt in formats:
        if fmt not in FORMATS:
            raise UsageError(f"unknown format {fmt!r}: one of {', '.join(FORMATS)}")
    sigs = load_analyzer(data and str(data), None).signatures
    if brands:
        try:
            sigs = sigs.with_brands(brands)
        except SignatureError as exc:
            raise UsageError(f"--brands {exc}") from None
    return open_store_checked(db), sigs, formats, out_dir or data_home() / "reports"


def _filters(store, watchlist, profile, country):
    """The report's visit filters as a `Scope`, each checked against the store: a watchlist or profile it
    does not hold is an error that lists the ones it does."""
    from moneytrail.crawler.store import aggregates
    from moneytrail.crawler.store.findings import Scope
    from moneytrail.crawler.store.watchlists import list_watchlists

    if watchlist is not None:
        names = sorted(w.name for w, _ in list_watchlists(store))
        if watchlist not in names:
            raise UsageError(f"--watchlist: no watchlist {watchlist!r}; known: {', '.join(names) or 'none'}")
    if profile is not None:
        known = aggregates.profiles_on_record(store)
        if profile not in known:
            raise UsageError(f"--profile: no visit was made as {profile!r}; on record: {', '.join(known) or 'none'}")
    if country is not None:
        country = country.strip()
        if len(country) != 2 or not country.isascii() or not country.isalpha():
            raise UsageError(f"--country: {country!r} is not a two-letter country code")
        country = country.upper()
    return Scope(watchlist=watchlist, profile=profile, country=country)


def _language(lang: str):
    """The block a report is made and rendered in, in `lang` (a UsageError for a language it has not)."""
    from moneytrail.reports.i18n import LANGUAGES, language

    if lang not in LANGUAGES:
        raise UsageError(f"--lang {lang!r}: one of {', '.join(LANGUAGES)}")
    return language(lang)


def _publisher(organisation, logo_path) -> dict:
    """The report's publisher (`--organisation`, `--logo`), checked before any work."""
    from moneytrail.reports.render import logo

    try:
        image = logo(logo_path) if logo_path else None
    except ValueError as exc:
        raise UsageError(f"--logo {exc}") from None
    return {"organisation": (organisation or "").strip(), "logo": image}


def _period(text):
    from moneytrail.reports.periods import PeriodError, parse

    if text is None:
        return None
    try:
        return parse(text)
    except PeriodError as exc:
        raise UsageError(f"--period {exc}") from None


def _emit(report, store, formats, out_dir, publisher: dict) -> None:
    from moneytrail.reports.render import write

    report.organisation, report.logo = publisher["organisation"], publisher["logo"]
    for fmt in formats:
        say(f"{fmt}: {write(report, fmt, out_dir, store.screenshots)}")


@app.command("exposure")
def exposure(
    period: Annotated[
        str,
        typer.Option(
            "--period",
            help="2026-10 (month), 2026-Q4 (quarter), 2026 (year), 2026-10-01..2026-12-31, or counted from today:"
            " this-month, last-month, this-quarter, last-quarter, this-year, last-year, last-7d (any number of days)",
        ),
    ],
    fmt: Formats = None,
    out_dir: OutDir = None,
    cpm: Annotated[
        Path | None,
        typer.Option("--cpm", help="CPM ranges (TOML) for the revenue estimate (default data/cpm.toml)"),
    ] = None,
    brands: BrandFiles = None,
    watchlist: OnlyWatchlist = None,
    profile: OnlyProfile = None,
    country: OnlyCountry = None,
    organisation: Organisation = None,
    logo: Logo = None,
    lang: Lang = "en",
    db: o.Db = None,
    data: o.Data = None,
) -> None:
    """Periodic exposure report: shares of sites with ads, pop-unders, adult ads, miners; mainstream vs
    high-risk; top and new networks and advertisers; operators; trends; estimated revenue."""
    from moneytrail.reports.exposure import Cpm, CpmError
    from moneytrail.reports.exposure import exposure as compute

    chosen, publisher = _period(period), _publisher(organisation, logo)
    try:
        rates = Cpm.load(cpm)
    except CpmError as exc:
        raise UsageError(str(exc)) from None
    store, sigs, formats, out_dir = _setup(db, data, fmt, out_dir, brands)
    filters = _filters(store, watchlist, profile, country)
    with _language(lang):
        _emit(compute(store, chosen, sigs, rates, filters), store, formats, out_dir, publisher)


@app.command("network")
def network(
    name: Annotated[
        str | None,
        typer.Argument(help="the network's name or an alias, in any case (see `moneytrail export networks`)"),
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="one report (and notice pack) per network seen")] = False,
    period: Period = None,
    fmt: Formats = None,
    out_dir: OutDir = None,
    brands: BrandFiles = None,
    watchlist: OnlyWatchlist = None,
    profile: OnlyProfile = None,
    country: OnlyCountry = None,
    organisation: Organisation = None,
    logo: Logo = None,
    lang: Lang = "en",
    db: o.Db = None,
    data: o.Data = None,
    sender: Annotated[
        str | None,
        typer.Option(
            "--sender",
            envvar="MONEYTRAIL_SENDER",
            help='who sends the notice pack\'s letter: "Organisation <address>" (default: $MONEYTRAIL_SENDER)',
        ),
    ] = None,
) -> None:
    """Per-network report: sites, visits, formats, advertisers, operators paid, evidence; and its notice
    pack for the network's compliance team (sites and evidence CSVs, a summary, the screenshots, a manifest
    signed with this installation's key: `moneytrail verify`), as a folder and a zip."""
    from moneytrail.crawler.store import data_home
    from moneytrail.crawler.store.findings import network_names
    from moneytrail.reports.audits import network_report, write_notice_pack
    from moneytrail.reports.signing import SigningError, signing_key

    if bool(name) == all_:
        raise UsageError("give a network name or --all")
    chosen, publisher = _period(period), _publisher(organisation, logo)
    store, sigs, formats, out_dir = _setup(db, data, fmt, out_dir, brands)
    filters = _filters(store, watchlist, profile, country)
    known = network_names(store)
    if name and name not in known:  # a name in another case, or an alias (Monetag for PropellerAds)
        folded = {n.casefold(): n for n in known}
        name = sigs.network_named(name) or folded.get(name.strip().casefold(), name)
    if name and name not in known:
        close = [n for n in sorted(known) if name.lower() in n.lower()][:5]
        raise UsageError(
            f"no finding names the network {name!r}" + (f"; did you mean: {', '.join(close)}" if close else "")
        )
    try:
        key = signing_key(data_home())
    except SigningError as exc:
        raise Failure(str(exc)) from None
    for each in sorted(n for n in known if not n.startswith("unknown:")) if all_ else [name]:
        with _language(lang):
            report = network_report(store, each, sigs, chosen, filters)
            _emit(report, store, formats, out_dir, publisher)
        try:
            with tempfile.TemporaryDirectory(prefix="moneytrail-pack-") as tmp:
                archive = _cited_archive(store, report, Path(tmp) / "archive.wacz")
                pack = write_notice_pack(report, out_dir, store.screenshots, key, sender, archive)
        except (ValueError, OSError) as exc:
            raise Failure(f"notice pack: {exc}") from None
        say(f"notice pack: {pack} (and {pack.name}.zip)")


def _cited_archive(store, report, out: Path) -> Path | None:
    """A WACZ of the archives of the visits a network report cites, or None (none archived)."""
    from moneytrail.reports.archives import ArchiveError, write_wacz

    uids = sorted(set(report.tables["evidence"]["visit"])) if len(report.tables["evidence"]) else []
    if not uids:
        return None
    try:
        return write_wacz(store, out, uids=uids, title=f"moneytrail: {report.facts.get('network', '')}").path
    except ArchiveError as exc:
        note(f"notice pack without an archive: {exc}")
        return None


@app.command("advertiser")
def advertiser(
    brand: Annotated[str, typer.Option("--brand", help="the brand's name, as the report shows it")],
    domain: Annotated[list[str], typer.Option("--domain", help="the brand's landing domain(s), repeatable")],
    period: Period = None,
    fmt: Formats = None,
    out_dir: OutDir = None,
    watchlist: OnlyWatchlist = None,
    profile: OnlyProfile = None,
    country: OnlyCountry = None,
    organisation: Organisation = None,
    logo: Logo = None,
    lang: Lang = "en",
    db: o.Db = None,
    data: o.Data = None,
) -> None:
    """Advertiser audit: where the brand's ads appeared (site, time, profile, network and brokers,
    screenshot); with no hit, what was monitored, so a clean result means something."""
    from moneytrail.reports.audits import advertiser_report, brand_domain

    chosen, publisher = _period(period), _publisher(organisation, logo)
    for each in domain:
        try:
            brand_domain(each)
        except ValueError as exc:
            raise UsageError(f"--domain {exc}") from None
    store, sigs, formats, out_dir = _setup(db, data, fmt, out_dir)
    filters = _filters(store, watchlist, profile, country)
    with _language(lang):
        report = advertiser_report(store, brand, domain, sigs, chosen, filters)
        _emit(report, store, formats, out_dir, publisher)
    from moneytrail.reports.exports import spreadsheet_safe

    excluded = out_dir / f"{report.name}-exclusions.csv"  # for the brand's agency or DSP, whatever the formats
    spreadsheet_safe(report.tables["exclusions"]).to_csv(excluded, index=False)
    say(f"exclusion list: {excluded}")
