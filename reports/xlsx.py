"""A report as a workbook people read in a spreadsheet: one sheet per table (figures first, notes last), each
with a bold frozen header, a filter, columns as wide as their content, numbers formatted by what they are
(shares as percentages, money and counts with separators, fractions to two places, dates as dates), and the
report's charts drawn as native spreadsheet charts beside their tables (bars and lines; the money-flow
diagram has no spreadsheet equivalent: its table is there). Cells from crawled pages are made formula-safe
(reports/exports.py)."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .exports import spreadsheet_safe
from .model import Chart, Report

PERCENT, COUNT, DECIMAL, MONEY, DATE = "0.0%", "#,##0", "#,##0.00", "#,##0", "yyyy-mm-dd hh:mm"
SHARE_COLUMNS = ("share", "share_of_sites", "share_of_ads", "high_risk_share")  # shares 0..1
WIDTH = (8, 60)  # a column's width in characters, at least and at most
CHART_ROWS = 15  # the rows a bar chart draws (the table has them all)
NATIVE = ("bar", "barh", "line")  # the report chart kinds a spreadsheet draws itself


def write_workbook(report: Report, path: Path) -> None:
    sheets = {"figures": report.figure_table(), **{key[:31]: frame for key, frame in report.tables.items()}}
    sheets["notes"] = pd.DataFrame({"note": report.notes})
    with pd.ExcelWriter(path, engine="openpyxl") as book:
        for name, frame in sheets.items():
            spreadsheet_safe(_naive_times(frame)).to_excel(book, sheet_name=name, index=False)
            sheet = book.sheets[name]
            _dress(sheet, frame)
            if name == "figures":
                _figure_formats(sheet, report)
            drawn = [c for c in report.charts if c.table[:31] == name and c.kind in NATIVE]
            for place, chart in enumerate(c for c in drawn if {c.x, *c.y} <= set(frame.columns) and len(frame)):
                _chart(sheet, frame, chart, place)


def _naive_times(frame: pd.DataFrame) -> pd.DataFrame:
    """Spreadsheets hold no time zones: times are written in UTC, as the rest of the report gives them."""
    out = frame.copy()
    for column in out.columns:
        if isinstance(out[column].dtype, pd.DatetimeTZDtype):
            out[column] = out[column].dt.tz_convert("UTC").dt.tz_localize(None)
    return out


def _dress(sheet, frame: pd.DataFrame) -> None:
    """Bold frozen header, a filter over the table, widths from content, formats by column."""
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    if sheet.max_column and sheet.max_row > 1:
        sheet.auto_filter.ref = sheet.dimensions
    for index, column in enumerate(frame.columns, start=1):
        letter = get_column_letter(index)
        cells = [str(column), *(str(v) for v in frame[column].head(500).tolist())]
        sheet.column_dimensions[letter].width = max(WIDTH[0], min(WIDTH[1], max(map(len, cells)) + 2))
        fmt = _format(str(column), frame[column])
        if fmt:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = fmt


def _format(name: str, column: pd.Series) -> str | None:
    if name in SHARE_COLUMNS or name.startswith("share"):
        return PERCENT
    if pd.api.types.is_bool_dtype(column):
        return None
    if pd.api.types.is_integer_dtype(column):
        return COUNT
    if pd.api.types.is_float_dtype(column):
        return MONEY if name.startswith("revenue") else DECIMAL
    if pd.api.types.is_datetime64_any_dtype(column):
        return DATE
    return None


def _figure_formats(sheet, report: Report) -> None:
    """The figures sheet's value and previous columns, each row by its unit."""
    for row, figure in enumerate(report.figures, start=2):
        fmt = PERCENT if figure.unit == "%" else MONEY if figure.money else None
        for column, value in ((2, figure.value), (3, figure.previous)):
            number = isinstance(value, int | float) and not isinstance(value, bool) and not math.isnan(value)
            if fmt or number:
                whole = number and float(value).is_integer()
                sheet.cell(row=row, column=column).number_format = fmt or (COUNT if whole else DECIMAL)


def _chart(sheet, frame: pd.DataFrame, spec: Chart, place: int) -> None:
    """A report chart as a native chart on its table's sheet, right of the table, one under the other."""
    columns = list(frame.columns)
    rows = len(frame) if spec.kind == "line" else min(len(frame), CHART_ROWS)
    chart = LineChart() if spec.kind == "line" else BarChart()
    if spec.kind != "line":
        chart.type = "bar" if spec.kind == "barh" else "col"
    chart.title, chart.x_axis.title = spec.title, None
    for column in spec.y:
        index = columns.index(column) + 1
        chart.add_data(Reference(sheet, min_col=index, min_row=1, max_row=rows + 1), titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=columns.index(spec.x) + 1, min_row=2, max_row=rows + 1))
    if len(spec.y) == 1:
        chart.legend = None
    if spec.kind == "barh":
        chart.x_axis.scaling.orientation = "maxMin"  # the largest at the top, as in the table
    chart.height, chart.width = max(7.5, 0.6 * rows) if spec.kind == "barh" else 7.5, 18
    sheet.add_chart(chart, f"{get_column_letter(len(columns) + 2)}{2 + place * 22}")
