"""The stealth benchmark: how many bot checks see moneytrail's browser, next to plain Playwright
(benchmarks/README.md; run it with `.venv/bin/python benchmarks/stealth/run.py`)."""
