# moneytrail: `make demo` sets up and runs the demo; `make test` sets up and runs the tests.
# Every target sets up what it needs, and does nothing twice.
PYTHON ?= python3.11
VENV   ?= .venv
PY      = $(VENV)/bin/python
STAMP   = $(VENV)/.installed-$(notdir $(PYTHON))-$(shell sha1sum pyproject.toml | cut -c1-12)

.PHONY: setup browser packages test demo sandbox clean
setup: $(STAMP)

$(STAMP): pyproject.toml
	@tools/setup-venv.sh $(PYTHON) $(VENV)
	@rm -f $(VENV)/.installed-* && touch $@

browser: setup
	@tools/ensure-browser.sh $(PY) >/dev/null

packages:
	@tools/ensure-packages.sh

test: setup browser packages
	$(PY) -m pytest

demo: setup browser
	@tools/demo.sh $(VENV)

sandbox: setup
	@echo "Browse it: chromium --user-data-dir=\$$(mktemp -d) --proxy-server=http://127.0.0.1:8899 --ignore-certificate-errors https://streamvf.test/"
	$(VENV)/bin/moneytrail sandbox serve

clean:
	rm -rf $(VENV) var .pytest_cache
