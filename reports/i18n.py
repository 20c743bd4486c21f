"""Report languages. The English text is in the code, marked with `_()`; other languages come from gettext
catalogues, `reports/locales/<language>/LC_MESSAGES/moneytrail.po`, read with Babel (no compiled .mo to keep
in step). A report is made and rendered inside `with language("fr"):`; `_()` gives the text in that language,
or the English one when the catalogue has no translation for it. Numbers are written as the language writes
them (`number`, `percent`).

Adding a language: `pybabel init -i <(pybabel extract ...) -d reports/locales -l de -D moneytrail` (or copy
fr's file and translate its `msgstr`s); tests/unit/test_i18n.py fails while a marked string has no
translation."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

LOCALES = Path(__file__).parent / "locales"
DOMAIN = "moneytrail"
LANGUAGES = ("en", "fr")

_current: ContextVar[str] = ContextVar("moneytrail_report_language", default="en")


class LanguageError(ValueError):
    pass


@functools.cache
def catalogue(lang: str) -> dict[str, str]:
    """msgid -> translation of a language's catalogue (fuzzy and empty entries left out)."""
    from babel.messages.pofile import read_po

    path = LOCALES / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as f:
        po = read_po(f, locale=lang, domain=DOMAIN)
    return {m.id: m.string for m in po if m.id and isinstance(m.id, str) and m.string and not m.fuzzy}


@contextmanager
def language(lang: str) -> Iterator[None]:
    """Make and render reports in `lang` (one of LANGUAGES) within this block."""
    if lang not in LANGUAGES:
        raise LanguageError(f"unknown language {lang!r}: one of {', '.join(LANGUAGES)}")
    token = _current.set(lang)
    try:
        yield
    finally:
        _current.reset(token)


def current() -> str:
    return _current.get()


def _(text: str) -> str:
    """`text` in the report's language (the English text when it has no translation)."""
    lang = _current.get()
    return text if lang == "en" else catalogue(lang).get(text, text)


def N_(text: str) -> str:
    """Mark `text` for the catalogue without translating it (a constant translated where it is used)."""
    return text


def heading(column: str) -> str:
    """A table column's heading for people: its translation, else its name with spaces (`share_of_sites`)."""
    label = _(column)
    return label if label != column else column.replace("_", " ")


def number(value: float, decimals: int = 0) -> str:
    """A number as the report's language writes it: 1,234.5 in English, 1 234,5 in French."""
    from babel.numbers import format_decimal

    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, pattern, locale=_current.get())


def percent(share: float, decimals: int = 1) -> str:
    """A share (0..1) as a percentage: 12.3% in English, 12,3 % in French."""
    from babel import Locale
    from babel.numbers import format_percent

    lang = _current.get()
    pattern = Locale.parse(lang).percent_formats[None].pattern  # where the language puts its % sign
    return format_percent(share, pattern.replace("#,##0", "#,##0." + "0" * decimals, 1), locale=lang)


# the columns of the reports' tables, whose headings people read (CSV, XLSX and JSON keep the names)
COLUMNS = (
    N_("ad_system"),
    N_("address"),
    N_("checked"),
    N_("note"),
    N_("source"),
    N_("ads"),
    N_("ads_per_visit"),
    N_("advertiser"),
    N_("binding_ids"),
    N_("brokers"),
    N_("category"),
    N_("chain"),
    N_("cluster"),
    N_("country"),
    N_("first_seen"),
    N_("formats"),
    N_("group"),
    N_("high"),
    N_("high_risk"),
    N_("high_risk_ads"),
    N_("how"),
    N_("id_type"),
    N_("id_value"),
    N_("kind"),
    N_("kinds"),
    N_("landing_host"),
    N_("landing_title"),
    N_("landing_url"),
    N_("last_seen"),
    N_("low"),
    N_("miner"),
    N_("monthly_visits"),
    N_("name"),
    N_("network"),
    N_("networks"),
    N_("new"),
    N_("operator"),
    N_("page_screenshot"),
    N_("parameter"),
    N_("period"),
    N_("pooled_ids"),
    N_("pop_ads"),
    N_("profile"),
    N_("reached"),
    N_("revenue_high"),
    N_("revenue_low"),
    N_("screenshot"),
    N_("seen_in"),
    N_("share"),
    N_("share_ads"),
    N_("share_adult"),
    N_("share_high_risk"),
    N_("share_miners"),
    N_("share_of_sites"),
    N_("share_popunders"),
    N_("site"),
    N_("sites"),
    N_("sites_reachable"),
    N_("time"),
    N_("value"),
    N_("visit"),
    N_("visits"),
    N_("what"),
)
