"""Rendering a Report: HTML (one self-contained file: charts and screenshot thumbnails embedded, no script,
nothing fetched), PDF (that HTML printed by Chromium), CSV (a folder, one file a table), XLSX (one sheet a
table) and JSON. Every string that came from a crawled page goes through Jinja2's autoescape in HTML and
through the formula guard in CSV and XLSX."""

from __future__ import annotations

import base64
import io
import json
import os
import warnings
from html import escape as html_escape
from pathlib import Path

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape

from . import REPORT_FORMATS, SHOT_COLUMNS
from .i18n import _, current, heading, number, percent
from .model import Chart, Report

FORMATS = REPORT_FORMATS
THUMB_WIDTH = 240
MAX_THUMBS = 200  # screenshots embedded per report; more are listed by path
COLOURS = ["#c0392b", "#2c7fb8", "#e67e22", "#7b3294", "#1a9850", "#636363"]

os.environ.setdefault("MPLCONFIGDIR", str(Path.home() / ".cache" / "moneytrail-matplotlib"))


def chart_png(chart: Chart, frame: pd.DataFrame) -> str | None:
    """The chart as a base64 PNG (None when there is nothing to draw)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = frame[[chart.x, *chart.y]].dropna()
    if chart.kind == "flow":  # stages x, y[:-1]; weight y[-1] (reports/flow.py)
        if not len(data) or not data[chart.y[-1]].astype(float).sum() > 0:
            return None
        from .flow import draw

        fig, ax = plt.subplots(figsize=(9, 5.2), dpi=110)
        draw(ax, data, stages=(chart.x, *chart.y[:-1]), weight=chart.y[-1], colours=COLOURS)
        ax.set_title(chart.title, fontsize=10)
        return _png(fig, plt)
    if chart.kind == "barh":
        data = data.sort_values(chart.y[-1], ascending=False).head(15).iloc[::-1]
    if chart.kind == "line" and len(data) < 2:  # one period is a dot per series, no trend: the table says it
        return None
    if not len(data) or not (data[chart.y].astype(float).abs().sum().sum() > 0 or chart.kind == "line"):
        return None
    fig, ax = plt.subplots(figsize=(7.5, 3.6 if chart.kind != "barh" else max(2.4, 0.32 * len(data) + 1)), dpi=110)
    labels = [str(v)[:40] for v in data[chart.x]]
    if chart.kind == "line":
        for i, column in enumerate(chart.y):
            ax.plot(
                labels,
                data[column].astype(float) * 100,
                marker="o",
                label=column.replace("_", " "),
                color=COLOURS[i % len(COLOURS)],
            )
        ax.set_ylabel(_("% of reachable sites"))
        ax.set_ylim(bottom=0)
        ax.legend(fontsize=8, loc="best")
    elif chart.kind == "barh" and len(chart.y) == 2:  # a range: low drawn over high
        ax.barh(labels, data[chart.y[1]].astype(float), color="#c9d7e8", label=chart.y[1].replace("_", " "))
        ax.barh(labels, data[chart.y[0]].astype(float), color=COLOURS[1], label=chart.y[0].replace("_", " "))
        ax.legend(fontsize=8, loc="lower right")
    elif chart.kind == "barh":
        ax.barh(labels, data[chart.y[0]].astype(float), color=COLOURS[1])
    else:
        ax.bar(labels, data[chart.y[0]].astype(float), color=[COLOURS[i % len(COLOURS)] for i in range(len(data))])
    ax.set_title(chart.title, fontsize=10)
    ax.tick_params(labelsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig, plt)


def _png(fig, plt) -> str:
    buffer = io.BytesIO()
    with warnings.catch_warnings():  # names from crawled pages in scripts the font lacks: drawn as boxes
        warnings.filterwarnings("ignore", message="Glyph .* missing from font", category=UserWarning)
        fig.tight_layout()
        fig.savefig(buffer, format="png")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def stored_screenshot(screenshots: Path | None, relative: str | None) -> Path | None:
    """A stored screenshot's file, if `relative` names one inside the screenshots folder (20 MiB at most)."""
    if not screenshots or not relative or not isinstance(relative, str):
        return None
    root = screenshots.resolve()
    path = (root / relative).resolve()
    if root not in path.parents or not path.is_file() or path.stat().st_size > 20 * 1024 * 1024:
        return None
    return path


def thumbnail(screenshots: Path | None, relative: str | None) -> str | None:
    """A base64 JPEG thumbnail of a stored screenshot; the path must stay inside the screenshots folder."""
    path = stored_screenshot(screenshots, relative)
    if path is None:
        return None
    from PIL import Image

    try:
        with Image.open(path) as image:
            image.thumbnail((THUMB_WIDTH, THUMB_WIDTH * 2))
            buffer = io.BytesIO()
            image.convert("RGB").save(buffer, format="JPEG", quality=70)
    except (OSError, ValueError, Image.DecompressionBombError):
        return None
    return base64.b64encode(buffer.getvalue()).decode("ascii")


PERCENT_COLUMNS = ("share", "high_risk")


def _cell(value, column: str = "") -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, float) and column.startswith(PERCENT_COLUMNS):
        return percent(value)
    if isinstance(value, float):
        if abs(value) >= 1000 or value == int(value):
            return number(value)
        decimals = len(f"{value:.3f}".rstrip("0").split(".")[1])  # up to 3, no trailing zeros
        return number(value, decimals)
    if isinstance(value, bool):
        return _("yes") if value else ""
    if isinstance(value, int) and not column.endswith(("id", "_ids", "value")) and abs(value) >= 10000:
        return number(value)
    return str(value)


CARD_TABLES = ("evidence", "where")  # tables of ads, shown as one card an ad in HTML


def _card(record: dict, thumb_of) -> dict:
    """One ad as people read it: the pirate page it ran on and where it led (thumbnails), who served and who
    paid, the chain hop by hop, when, with which profile, in which visit."""
    chain = [hop for hop in str(record.get("chain") or "").split(" > ") if hop]
    text = {k: _cell(v, k) for k, v in record.items()}
    return {
        "page": thumb_of(record.get("page_screenshot")),
        "landing": thumb_of(record.get("screenshot")),
        "chain": chain,
        "text": text,
        "long": {k: _unbreakable(v) for k, v in text.items()},
    }


LONG_TOKEN = 24  # characters: a cell holding a longer token (a URL, a path, an id) may break it anywhere


def _unbreakable(text: str) -> bool:
    """Whether the text holds a token too long to keep whole (the rest of a table keeps its words whole: a
    column is never narrower than its longest word)."""
    return any(len(token) > LONG_TOKEN for token in text.split())


def html(report: Report, screenshots: Path | None = None) -> str:
    env = Environment(
        loader=PackageLoader("moneytrail.reports", "templates"),
        autoescape=select_autoescape(default=True),
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_callables(gettext=_, ngettext=lambda one, many, n: _(one if n == 1 else many), newstyle=False)
    charts = []
    for chart in report.charts:
        frame = report.tables.get(chart.table)
        png = chart_png(chart, frame) if frame is not None and len(frame) else None
        if png:
            charts.append({"title": chart.title, "png": png, "key": chart.key})
    shots, budget = {}, MAX_THUMBS

    def thumb_of(value):
        nonlocal budget
        if not value or not isinstance(value, str) or (value not in shots and budget <= 0):
            return None
        if value not in shots:
            shots[value] = thumbnail(screenshots, value)
            budget -= 1
        return shots[value]

    tables = []
    for key, frame in report.tables.items():
        rows, cards = [], []
        for record in frame.to_dict(orient="records"):
            if key in CARD_TABLES:  # an ad seen, for people: a card (its row stays in CSV, XLSX and JSON)
                cards.append(_card(record, thumb_of))
                continue
            cells = []
            for column, value in record.items():
                thumb = thumb_of(value) if column in SHOT_COLUMNS else None
                text = _cell(value, column)
                long = _unbreakable(text)
                cells.append({"text": text, "thumb": thumb, "long": long, "words": None if long else text.split(" ")})
            rows.append(cells)
        title = report.titles.get(key, key)
        headers = [heading(column) for column in frame.columns]
        tables.append({"key": key, "title": title, "headers": headers, "rows": rows, "cards": cards})
    return env.get_template("report.html.j2").render(report=report, charts=charts, tables=tables, lang=current())


MAX_LOGO_BYTES = 512 * 1024
LOGO_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}


def logo(path: Path) -> tuple[str, str]:
    """(media type, base64) of a logo for reports: a PNG or JPEG file (by its bytes, not its name) of at most
    512 KiB. ValueError says what is wrong with it."""
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_LOGO_BYTES + 1)
    except OSError as exc:
        raise ValueError(f"{path}: {exc.strerror or exc}") from None
    if len(data) > MAX_LOGO_BYTES:
        raise ValueError(f"{path}: larger than {MAX_LOGO_BYTES // 1024} KiB")
    kind = next((t for magic, t in LOGO_TYPES.items() if data.startswith(magic)), None)
    if kind is None:
        raise ValueError(f"{path}: not a PNG or JPEG image")
    return kind, base64.b64encode(data).decode("ascii")


def write(report: Report, fmt: str, out_dir: Path, screenshots: Path | None = None) -> Path:
    """Write the report as `fmt` in `out_dir`; returns the file (or folder, for csv) written."""
    from .exports import spreadsheet_safe

    out_dir.mkdir(parents=True, exist_ok=True)
    if fmt == "html":
        path = out_dir / f"{report.name}.html"
        path.write_text(html(report, screenshots), encoding="utf-8")
    elif fmt == "pdf":
        path = out_dir / f"{report.name}.pdf"
        pdf(html(report, screenshots), path)
    elif fmt == "json":
        path = out_dir / f"{report.name}.json"
        path.write_text(
            json.dumps(report.to_dict(), indent=1, ensure_ascii=False, default=str) + "\n", encoding="utf-8"
        )
    elif fmt == "csv":
        path = out_dir / report.name
        path.mkdir(exist_ok=True)
        spreadsheet_safe(report.figure_table()).to_csv(path / "figures.csv", index=False)
        for key, frame in report.tables.items():
            spreadsheet_safe(frame).to_csv(path / f"{key}.csv", index=False)
    elif fmt == "xlsx":
        from .xlsx import write_workbook

        path = out_dir / f"{report.name}.xlsx"
        write_workbook(report, path)
    else:
        raise ValueError(f"unknown format {fmt!r}: one of {', '.join(FORMATS)}")
    return path


def pdf(document: str, path: Path) -> None:
    """Print an HTML document to PDF with Chromium (no network: the document is self-contained)."""
    import asyncio

    from playwright.async_api import async_playwright

    from moneytrail.crawler.browser import find_chromium

    async def run() -> None:
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=find_chromium(), args=["--no-sandbox"])
            try:
                page = await browser.new_page()
                await page.route(
                    "**/*",
                    lambda route: (
                        route.abort() if not route.request.url.startswith(("data:", "about:")) else route.continue_()
                    ),
                )
                await page.set_content(document, wait_until="load", timeout=60_000)
                title = html_escape(await page.title())
                small = "font-size:8px;color:#666;width:100%;margin:0 10mm;display:flex;justify-content:space-between"
                await page.pdf(
                    path=str(path),
                    format="A4",
                    landscape=True,  # evidence tables of a dozen columns: portrait left them 2-3 characters wide
                    print_background=True,
                    display_header_footer=True,  # a running header, and page numbers
                    header_template=f'<div style="{small}"><span>{title}</span><span class="date"></span></div>',
                    footer_template=f'<div style="{small}"><span>moneytrail</span>'
                    '<span>page <span class="pageNumber"></span> of <span class="totalPages"></span></span></div>',
                    margin={"top": "16mm", "bottom": "16mm", "left": "10mm", "right": "10mm"},
                )
            finally:
                await browser.close()

    asyncio.run(run())
