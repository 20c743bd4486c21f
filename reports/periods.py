"""Reporting periods: a month (`2026-10`), a quarter (`2026-Q4`), a year (`2026`) or a range
(`2026-10-01..2026-12-31`, both days included), or one of an analyst's calendar, counted from today (UTC):
`this-month`, `last-month`, `this-quarter`, `last-quarter`, `this-year`, `last-year`, `last-7d` (the 7 days
ending today; any number of days). A relative period is resolved when it is read and reported by its dates
(`last-month` read in November 2026 is `2026-10`). Each knows the period before it (the same length, just
before) and its months, for revenue estimates from monthly traffic."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta


class PeriodError(ValueError):
    pass


@dataclass(frozen=True)
class Period:
    label: str
    first: date  # first day, included
    last: date  # last day, included
    kind: str  # month, quarter, year, range

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time.min, tzinfo=UTC)

    @property
    def end(self) -> datetime:
        """The instant just after the period (exclusive bound)."""
        return datetime.combine(self.last + timedelta(days=1), time.min, tzinfo=UTC)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def months(self) -> float:
        """Length in months (30.44 days each), for monthly traffic figures."""
        return self.days / 30.436875

    def previous(self) -> Period:
        if self.kind == "month":
            return month(self.first - timedelta(days=1))
        if self.kind == "quarter":
            return quarter(self.first - timedelta(days=1))
        if self.kind == "year":
            return parse(str(self.first.year - 1))
        first = self.first - timedelta(days=self.days)
        return Period(f"{first}..{self.first - timedelta(days=1)}", first, self.first - timedelta(days=1), "range")


def month(day: date) -> Period:
    first = day.replace(day=1)
    nxt = (first + timedelta(days=32)).replace(day=1)
    return Period(f"{first:%Y-%m}", first, nxt - timedelta(days=1), "month")


def quarter(day: date) -> Period:
    q = (day.month - 1) // 3
    first = date(day.year, 3 * q + 1, 1)
    nxt = date(day.year + (q == 3), (3 * q + 3) % 12 + 1, 1)
    return Period(f"{day.year}-Q{q + 1}", first, nxt - timedelta(days=1), "quarter")


EARLIEST, LATEST = date(1990, 1, 1), date(2999, 12, 31)  # periods (and the trend periods before them) in range


RELATIVE = ("this-month", "last-month", "this-quarter", "last-quarter", "this-year", "last-year", "last-<N>d")


def relative(text: str, today: date) -> Period | None:
    """The period a relative name means on `today`, or None if `text` is not one."""
    name = text.strip().lower()
    if m := re.fullmatch(r"last-(\d{1,5})d", name):
        days = int(m[1])
        if days < 1:
            raise PeriodError(f"{text.strip()!r}: at least one day")
        first = today - timedelta(days=days - 1)
        return Period(f"{first}..{today}", first, today, "range")
    this = {"month": month(today), "quarter": quarter(today), "year": _parse(str(today.year))}
    which, _, unit = name.partition("-")
    if unit not in this or which not in ("this", "last"):
        return None
    return this[unit] if which == "this" else this[unit].previous()


def parse(text: str, today: date | None = None) -> Period:
    """A period as written (see the module's docstring); relative names are counted from `today` (default: the
    current day, UTC)."""
    try:
        period = relative(text, today or datetime.now(UTC).date()) or _parse(text)
    except OverflowError as exc:
        raise PeriodError(f"{text.strip()!r}: {exc}") from None
    if period.first < EARLIEST or period.last > LATEST:
        raise PeriodError(f"{text.strip()!r}: a period between {EARLIEST.year} and {LATEST.year}")
    return period


def _parse(text: str) -> Period:
    text = text.strip()
    if (m := re.match(r"(\d{4})(-|$)", text)) and not EARLIEST.year <= int(m[1]) <= LATEST.year:
        raise PeriodError(f"{text!r}: a period between {EARLIEST.year} and {LATEST.year}")
    try:
        if m := re.fullmatch(r"(\d{4})-(\d{2})", text):
            return month(date(int(m[1]), int(m[2]), 1))
        if m := re.fullmatch(r"(\d{4})-[Qq]([1-4])", text):
            return quarter(date(int(m[1]), 3 * int(m[2]) - 2, 1))
        if m := re.fullmatch(r"(\d{4})", text):
            return Period(text, date(int(m[1]), 1, 1), date(int(m[1]), 12, 31), "year")
        if m := re.fullmatch(r"(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})", text):
            first, last = date.fromisoformat(m[1]), date.fromisoformat(m[2])
            if last < first:
                raise PeriodError(f"{text!r}: the range ends before it starts")
            return Period(text, first, last, "range")
    except (ValueError, OverflowError) as exc:
        if isinstance(exc, PeriodError):
            raise
        raise PeriodError(f"{text!r}: {exc}") from None
    raise PeriodError(
        f"{text!r} is not a period: give 2026-10 (a month), 2026-Q4 (a quarter), 2026 (a year), "
        "2026-10-01..2026-12-31 (a range) or one of " + ", ".join(RELATIVE)
    )


def series(first_seen: date, period: Period, most: int = 36) -> list[Period]:
    """`period` and the periods of the same length before it, back to the one holding `first_seen` (at most
    `most`), oldest first: the points of a trend chart."""
    out, current = [], period
    while current.last >= first_seen and len(out) < most:
        out.append(current)
        if current.first - timedelta(days=current.days) < date.min + timedelta(days=366):
            break
        current = current.previous()
    return list(reversed(out))
