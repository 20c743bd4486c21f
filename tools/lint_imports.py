"""Check the layers with import-linter (contracts in pyproject.toml, [tool.importlinter]).

moneytrail's folders are installed under one namespace by a package-dir mapping (crawler/ is
moneytrail.crawler...), a layout import-linter cannot walk: this lays the namespace out as a tree of symbolic
links in a temporary folder and runs `lint-imports` over it.

    python tools/lint_imports.py [PROJECT_DIR]      exit 0 when every contract is kept
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def namespace_tree(project: Path, into: Path) -> Path:
    """`into`/moneytrail: the package as installed, made of links to the project's folders and files."""
    mapping = tomllib.loads((project / "pyproject.toml").read_text())["tool"]["setuptools"]["package-dir"]
    package = into / "moneytrail"
    package.mkdir(parents=True)
    for entry in (project / mapping["moneytrail"]).iterdir():
        if entry.name != "__pycache__":
            (package / entry.name).symlink_to(entry)
    for name, folder in mapping.items():
        if name != "moneytrail":
            (package / name.split(".", 1)[1]).symlink_to(project / folder)
    return package


def run(project: Path = ROOT) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory() as tmp:
        namespace_tree(project, Path(tmp))
        env = dict(os.environ, PYTHONPATH=tmp, PYTHONDONTWRITEBYTECODE="1")
        linter = Path(sys.executable).with_name("lint-imports")
        return subprocess.run(
            [str(linter), "--no-cache", str(project / "pyproject.toml")],
            cwd=tmp,
            env=env,
            capture_output=True,
            text=True,
        )


if __name__ == "__main__":
    result = run(Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else ROOT)
    lines = result.stdout.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("Contracts")), 0)
    print("\n".join(lines[start:]), result.stderr, sep="\n" if result.stderr else "", end="")
    sys.exit(result.returncode)
