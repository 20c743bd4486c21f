"""What an install carries: every package folder is in pyproject's package list (a non-editable install
would silently miss one), and migrations are numbered the way the store's quick head check reads them."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_package_folder_is_installed():
    setup = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed, mapping = set(setup["packages"]), setup["package-dir"]
    on_disk = set()
    for name, folder in mapping.items():
        base = ROOT / folder
        for init in base.rglob("__init__.py"):
            if ".venv" in init.parts:
                continue
            relative = init.parent.relative_to(base).parts
            on_disk.add(".".join((name, *relative)))
    assert on_disk == listed


def test_the_quick_head_check_agrees_with_alembic():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from moneytrail.crawler.store.db import MIGRATIONS, head_revision

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert ScriptDirectory.from_config(config).get_current_head() == head_revision()
