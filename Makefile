# Community Navigator: `make run` serves the demo on http://127.0.0.1:5000, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app navigator
INSTALLED := $(VENV)/.installed
ASSETS := node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.css
POSTCODE_FILES := seed/data/wards_hackney_city.csv seed/data/postcode_districts_uk.csv seed/data/postcodes_hackney_city.csv

test-browser: install assets chromium
	$(BIN)/pytest -m browser tests/browser

# Debian's Chromium for the browser suite (Playwright drives it; it downloads no browser).
chromium:
	test -x /usr/bin/chromium || (apt-get update -qq && apt-get install -y -qq chromium)

.PHONY: run test test-browser chromium lint install assets setup-data bench bench-casework bench-report clean

run: install assets setup-data
	$(FLASK) run --host 127.0.0.1 --port 5000

test: install assets
	$(BIN)/ruff check .
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

install: $(INSTALLED)

$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

assets: $(ASSETS)

$(ASSETS): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# Migrate, load postcodes and demo data when missing, refresh the planner's statistics,
# rebuild the search index, and take the listings review schedule's due steps (what cron
# runs daily in production).
# Safe to run again: existing data is kept.
setup-data: install
	$(FLASK) db upgrade
	$(FLASK) postcodes import --if-empty $(POSTCODE_FILES)
	$(FLASK) seed
	$(FLASK) analyze
	$(FLASK) search reindex
	$(FLASK) listings review-stale

bench: install
	$(BIN)/python bench/search_bench.py

# Casework pages at 1,000,000 referrals on SQLite and PostgreSQL (issue 18): loads the data,
# then prints p95 at demo size and at scale. Try BENCH_ARGS="--database sqlite --referrals 100000",
# or "--reuse" to re-measure the databases already loaded.
BENCH_ARGS ?= --database both
bench-casework: install
	$(BIN)/python bench/casework_bench.py $(BENCH_ARGS)

# The impact report at 100,000 referrals with about 300,000 screens, on SQLite and PostgreSQL
# (issue 10): p50/p95 of /reports for the rolling 12 months, PASS when p95 is under 1 s. The same
# BENCH_ARGS: "--database sqlite", "--reuse" (no reload), "--sections" (each section's time and SQL).
bench-report: install
	$(BIN)/python bench/report_bench.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules
