"""Shared fixtures (the sandbox served from a background thread, its world and truth, Chromium) and the tiers.

Tests are tiered by what they need, by folder: unit/ (Python only; `make check`), browser/ (Chromium; marker
`browser`), services/ (PostgreSQL and Redis; marker `services`), sandbox/ (the sandbox's own tests; marker
`sandbox`). Tests of seconds or more (a command in its own process, many renderings, a crawl) are marked `slow`
where they are: `make check` leaves them out. `make test` runs them all."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import settings

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
# nothing a test runs writes into the user's own data home (stores, logs, the pack-signing key)
os.environ.setdefault("MONEYTRAIL_HOME", tempfile.mkdtemp(prefix="moneytrail-tests-"))
# property-based tests: `make check` runs few examples (the quick loop), `make test` the full count
settings.register_profile("check", max_examples=6, deadline=None)
settings.register_profile("full", max_examples=30, deadline=None)
settings.load_profile("full")
TIERS = {"browser": ("browser",), "services": ("services", "browser"), "sandbox": ("sandbox",)}


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        tier = Path(item.fspath).relative_to(here).parts[0]
        for marker in TIERS.get(tier, ()):
            item.add_marker(marker)


@pytest.fixture(scope="session")
def world():
    from moneytrail.sandbox.world import load_world

    return load_world()


@pytest.fixture(scope="session")
def truth(world):
    from moneytrail.sandbox.truth import build_truth

    return build_truth(world)


@pytest.fixture(scope="session")
def sandbox(world, tmp_path_factory):
    """The whole sandbox, listening on a free loopback port, for the test session."""
    from moneytrail.sandbox.build import build_app
    from moneytrail.sandbox.server import SandboxServer, SandboxThread

    server = SandboxServer(build_app(world), tmp_path_factory.mktemp("sandbox"))
    with SandboxThread(server) as running:
        yield running


@pytest.fixture(scope="session")
def chromium_path():
    from moneytrail.crawler.browser import find_chromium

    return find_chromium()
