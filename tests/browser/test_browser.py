"""Finding the Chromium to drive."""

from __future__ import annotations

import pytest

from moneytrail.crawler.browser import BrowserNotFound, find_chromium


def test_an_explicit_chromium_wins(monkeypatch, chromium_path):
    monkeypatch.setenv("MONEYTRAIL_CHROMIUM", chromium_path)
    assert find_chromium() == chromium_path


def test_an_explicit_chromium_that_does_not_exist_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("MONEYTRAIL_CHROMIUM", str(tmp_path / "nope"))
    with pytest.raises(BrowserNotFound, match="does not exist"):
        find_chromium()


def test_the_found_chromium_is_a_binary_not_a_wrapper_script(chromium_path):
    with open(chromium_path, "rb") as handle:
        assert handle.read(4) == b"\x7fELF"
