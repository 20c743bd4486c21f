"""The structure keeps its shape: each layer imports only those below it (import-linter's contracts in
pyproject.toml), the product never imports the sandbox, SQL stays in the store, no module is imported by a
generic top-level name."""

from __future__ import annotations

import ast
import importlib.util
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("moneytrail", "crawler", "spiders", "attribution", "reports", "data")
sys.path.insert(0, str(ROOT / "tools"))
spec = importlib.util.spec_from_file_location("lint_imports", ROOT / "tools" / "lint_imports.py")
lint_imports = importlib.util.module_from_spec(spec)
spec.loader.exec_module(lint_imports)


def python_files(*folders):
    for folder in folders:
        yield from (p for p in (ROOT / folder).rglob("*.py") if "migrations" not in p.parts)


def imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_every_import_contract_is_kept():
    result = lint_imports.run(ROOT)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "5 kept, 0 broken" in result.stdout


@pytest.mark.slow
def test_a_layer_importing_upwards_is_caught(tmp_path):
    """The check can fail: a copy of the project where the crawler imports the reports breaks a contract."""
    copy = tmp_path / "project"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(".venv", ".git", "var", "__pycache__", "tests"))
    domains = copy / "crawler" / "domains.py"
    domains.write_text(domains.read_text() + "\nfrom moneytrail.reports import periods  # noqa\n")
    result = lint_imports.run(copy)
    assert result.returncode != 0 and "BROKEN" in result.stdout


def test_sql_stays_in_the_store():
    outside = [
        str(path.relative_to(ROOT))
        for path in python_files(*PRODUCT)
        if not path.is_relative_to(ROOT / "crawler" / "store")
        and any(name == "sqlalchemy" or name.startswith("sqlalchemy.") for name in imported(path))
    ]
    assert outside == []


def test_no_generic_top_level_import_names():
    generic = ("crawler", "spiders", "attribution", "reports", "sandbox", "data")
    wrong = [
        (str(path.relative_to(ROOT)), name)
        for path in python_files(*PRODUCT, "sandbox", "tests", "benchmarks")
        for name in imported(path)
        if name.split(".")[0] in generic
    ]
    assert wrong == []
