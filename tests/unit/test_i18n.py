"""Report languages: every string the reports mark has its French translation, with the same placeholders,
and nothing stale stays in the catalogue."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from moneytrail.reports.i18n import LANGUAGES, LanguageError, _, catalogue, heading, language, number, percent

REPORTS = Path(__file__).resolve().parents[2] / "reports"
PLACEHOLDER = re.compile(r"\{(\w*)\}")


def marked() -> set[str]:
    """The strings marked with _() or N_() in reports/ and its templates, as Babel extracts them."""
    from babel.messages.extract import extract_from_dir

    method_map = [("**.py", "python"), ("**/templates/**.j2", "jinja2.ext:babel_extract")]
    options_map = {"**/templates/**.j2": {"extensions": "jinja2.ext.i18n"}}
    found = extract_from_dir(str(REPORTS), method_map, options_map, keywords={"_": None, "N_": None})
    return {message for _file, _line, message, _comments, _context in found}


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "en"])
def test_every_marked_string_is_translated_with_its_placeholders(lang):
    strings, translated = marked(), catalogue(lang)
    assert len(strings) > 150
    assert not sorted(strings - set(translated)), "marked but not translated"
    assert not sorted(set(translated) - strings), "translated but no longer marked (stale)"
    for msgid, text in translated.items():
        assert set(PLACEHOLDER.findall(text)) == set(PLACEHOLDER.findall(msgid)), msgid


def test_a_language_is_for_a_block_and_numbers_are_written_its_way():
    assert _("Charts") == "Charts" and heading("share_of_sites") == "share of sites"
    with language("fr"):
        assert _("Charts") == "Graphiques" and heading("share_of_sites") == "part des sites"
        assert number(1234567.891, 2) == "1\u202f234\u202f567,89" and percent(0.1234) == "12,3\xa0%"
        assert _("a string nobody marked") == "a string nobody marked"  # no translation: the English text
    assert _("Charts") == "Charts" and number(1234.5, 1) == "1,234.5" and percent(0.5) == "50.0%"
    with pytest.raises(LanguageError):
        with language("xx"):
            pass
