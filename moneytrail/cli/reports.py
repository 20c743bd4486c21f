"""`moneytrail report network|advertiser|exposure`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import typer
from rich.console import Console

from moneytrail.reports.render import FORMATS

FORMAT_HELP = f"output format, repeatable: {', '.join(FORMATS)} (default html)"
OUT_HELP = "folder to write into (default: <data home>/reports)"


def register(app: typer.Typer, open_store: Callable, err: Console, out: Console, db_help: str, usage: int) -> None:
    report_app = typer.Typer(
        help="Reports: per ad network (with notice packs), advertiser audits, periodic exposure.", no_args_is_help=True
    )
    app.add_typer(report_app, name="report")

    def common(db, data, formats, out_dir):
        from moneytrail.attribution.commands import analyzer_or_exit
        from moneytrail.crawler.store import data_home

        formats = formats or ["html"]
        for fmt in formats:
            if fmt not in FORMATS:
                err.print(f"[red]error:[/] unknown format {fmt!r}: one of {', '.join(FORMATS)}")
                raise typer.Exit(usage)
        sigs = analyzer_or_exit(err, data and str(data), None, usage).signatures
        return open_store(db), sigs, formats, out_dir or data_home() / "reports"

    def period_or_exit(text):
        from moneytrail.reports.periods import PeriodError, parse

        if text is None:
            return None
        try:
            return parse(text)
        except PeriodError as exc:
            err.print(f"[red]error:[/] --period {exc}", highlight=False)
            raise typer.Exit(usage)

    def emit(report, store, formats, out_dir) -> None:
        from moneytrail.reports.render import write

        for fmt in formats:
            path = write(report, fmt, out_dir, store.screenshots)
            out.print(f"{fmt}: {path}", highlight=False)

    @report_app.command("exposure")
    def exposure(
        period: str = typer.Option(
            ..., "--period", help="2026-10 (month), 2026-Q4 (quarter), 2026 (year) or 2026-10-01..2026-12-31"
        ),
        fmt: list[str] | None = typer.Option(None, "--format", "-f", help=FORMAT_HELP),
        out_dir: Path | None = typer.Option(None, "--out", "-o", help=OUT_HELP),
        cpm: Path | None = typer.Option(
            None, "--cpm", help="CPM table (TOML) for the revenue estimate (default data/cpm.toml)"
        ),
        db: str | None = typer.Option(None, "--db", help=db_help),
        data: Path | None = typer.Option(None, "--data", help="signature data directory"),
    ) -> None:
        """Periodic exposure report: shares of sites with ads, pop-unders, adult ads, miners; mainstream vs
        high-risk; top and new networks and advertisers; operators; trends; estimated revenue."""
        from moneytrail.reports.exposure import Cpm, CpmError
        from moneytrail.reports.exposure import exposure as compute

        chosen = period_or_exit(period)
        try:
            rates = Cpm.load(cpm)
        except CpmError as exc:
            err.print(f"[red]error:[/] {exc}", highlight=False)
            raise typer.Exit(usage)
        store, sigs, formats, out_dir = common(db, data, fmt, out_dir)
        emit(compute(store, chosen, sigs, rates), store, formats, out_dir)

    @report_app.command("network")
    def network(
        name: str | None = typer.Argument(
            None, help="the network's canonical name (see `moneytrail export networks`)"
        ),
        all_: bool = typer.Option(False, "--all", help="one report (and notice pack) per network seen"),
        period: str | None = typer.Option(None, "--period", help="only this period (default: all visits)"),
        fmt: list[str] | None = typer.Option(None, "--format", "-f", help=FORMAT_HELP),
        out_dir: Path | None = typer.Option(None, "--out", "-o", help=OUT_HELP),
        db: str | None = typer.Option(None, "--db", help=db_help),
        data: Path | None = typer.Option(None, "--data", help="signature data directory"),
    ) -> None:
        """Per-network report: sites, visits, formats, advertisers, operators paid, evidence; and its notice
        pack (CSV of sites with evidence references + a summary text) for the network's compliance team."""
        from sqlalchemy import select

        from moneytrail.crawler.store.schema import FindingLink, FindingNetwork

        from moneytrail.reports.audits import network_report, notice_pack

        if bool(name) == all_:
            err.print("[red]error:[/] give a network name or --all")
            raise typer.Exit(usage)
        chosen = period_or_exit(period)
        store, sigs, formats, out_dir = common(db, data, fmt, out_dir)
        with store.session() as s:
            known = set(s.scalars(select(FindingNetwork.network).distinct())) | set(
                s.scalars(select(FindingLink.network).distinct())
            )
        names = sorted(n for n in known if not n.startswith("unknown:")) if all_ else [name]
        if name and name not in known:
            close = [n for n in sorted(known) if name.lower() in n.lower()][:5]
            err.print(
                f"[red]error:[/] no finding names the network {name!r}"
                + (f"; did you mean: {', '.join(close)}" if close else "")
            )
            raise typer.Exit(usage)
        for each in names:
            report = network_report(store, each, sigs, chosen)
            emit(report, store, formats, out_dir)
            pack, text = notice_pack(report)
            folder = out_dir / f"{report.name}-notice"
            folder.mkdir(parents=True, exist_ok=True)
            from moneytrail.attribution.exports import spreadsheet_safe

            spreadsheet_safe(pack).to_csv(folder / "sites.csv", index=False)
            (folder / "summary.txt").write_text(text, encoding="utf-8")
            out.print(f"notice pack: {folder}", highlight=False)

    @report_app.command("advertiser")
    def advertiser(
        brand: str = typer.Option(..., "--brand", help="the brand's name, as the report shows it"),
        domain: list[str] = typer.Option(..., "--domain", help="the brand's landing domain(s), repeatable"),
        period: str | None = typer.Option(None, "--period", help="only this period (default: all visits)"),
        fmt: list[str] | None = typer.Option(None, "--format", "-f", help=FORMAT_HELP),
        out_dir: Path | None = typer.Option(None, "--out", "-o", help=OUT_HELP),
        db: str | None = typer.Option(None, "--db", help=db_help),
        data: Path | None = typer.Option(None, "--data", help="signature data directory"),
    ) -> None:
        """Advertiser audit: where the brand's ads appeared (site, time, profile, network and brokers,
        screenshot); with no hit, what was monitored, so a clean result means something."""
        from moneytrail.reports.audits import advertiser_report, brand_domain

        chosen = period_or_exit(period)
        for each in domain:
            try:
                brand_domain(each)
            except ValueError as exc:
                err.print(f"[red]error:[/] --domain {exc}", highlight=False)
                raise typer.Exit(usage)
        store, sigs, formats, out_dir = common(db, data, fmt, out_dir)
        emit(advertiser_report(store, brand, domain, sigs, chosen), store, formats, out_dir)
