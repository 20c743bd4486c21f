# moneytrail: `make demo` sets up and runs the demo; `make test` sets up and runs the tests (all of them, lint
# included); `make check` is the quick loop (lint, the layers, the unit tests: under a minute).
# Every target sets up what it needs, and does nothing twice.
PYTHON ?= python3.11
VENV   ?= .venv
PY      = $(VENV)/bin/python
STAMP   = $(VENV)/.installed-$(notdir $(PYTHON))-$(shell sha1sum pyproject.toml | cut -c1-12)

.PHONY: setup browser packages npm lint check test demo sandbox clean
setup: $(STAMP)

$(STAMP): pyproject.toml
	@tools/setup-venv.sh $(PYTHON) $(VENV)
	@rm -f $(VENV)/.installed-* && touch $@

browser: setup
	@tools/ensure-browser.sh $(PY) >/dev/null

packages:
	@tools/ensure-packages.sh

npm:
	@tools/ensure-npm.sh

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) tools/lint_imports.py

check: lint
	$(PY) -m pytest -q -n 2 -m "not browser and not services and not sandbox and not slow" --hypothesis-profile=check

test: setup browser packages npm lint  # the tests without a browser two at a time, then those with one by one
	$(PY) -m pytest -n 2 -m "not browser and not services"
	$(PY) -m pytest -m "browser or services" --durations=20

demo: setup browser npm
	@tools/demo.sh $(VENV)

sandbox: setup npm
	@echo "Browse it: chromium --user-data-dir=\$$(mktemp -d) --proxy-server=http://127.0.0.1:8899 --ignore-certificate-errors https://streamvf.test/"
	$(VENV)/bin/moneytrail sandbox serve

clean:
	rm -rf $(VENV) var .pytest_cache node_modules
