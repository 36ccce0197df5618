# Two commands a newcomer types: `make demo` and `make test`. Each creates or refreshes
# .venv and installs everything it needs from the project's own files.
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_MEMBERS ?= 3000
# Test processes (pytest-xdist): the suite is sized for two cores. Tests marked with one
# xdist_group (a browser module's) run on one process, so its chromium and network start once.
TEST_WORKERS ?= 2

.PHONY: setup test lint demo bench clean browser jdbc

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

lint: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

# Browser tests drive Debian's chromium through Playwright; no browser is ever downloaded.
# axe-core, for their accessibility checks, comes from the npm registry (tests/web/axe).
browser:
	@test -x /usr/bin/chromium || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	@command -v npm >/dev/null || { \
	  echo "installing Debian's npm for axe-core"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; }
	npm ci --prefix tests/web/axe --no-audit --no-fund --loglevel=error

# Spark builds on PostgreSQL read the database through Debian's PostgreSQL JDBC driver
# (/usr/share/java/postgresql.jar, the default CONSENTRY_SPARK_JDBC_JAR); nothing downloads
# at run time.
jdbc:
	@test -f /usr/share/java/postgresql.jar || { \
	  echo "installing Debian's PostgreSQL JDBC driver for the Spark engine"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpostgresql-jdbc-java >/dev/null; }

test: setup lint browser jdbc
	$(BIN)/pytest -q -n $(TEST_WORKERS) --dist loadgroup

# The demo runs in its own data folder, made afresh each time: the consent ledger is
# append-only, so a network with a history is never reset in place.
DEMO_DIR := $(CURDIR)/consentry-data/demo
DEMO := CONSENTRY_DATA_DIR=$(DEMO_DIR) $(BIN)/consentry

demo: setup
	rm -rf $(DEMO_DIR)
	$(DEMO) init
	$(DEMO) seed --members $(DEMO_MEMBERS) --seed 7
	$(DEMO) consent seed --seed 7
	$(DEMO) datasets build --purpose train-genai --shards 4
	$(DEMO) datasets build --purpose train-ai --shards 4
	$(DEMO) train --all
	$(DEMO) demo-withdrawal
	$(DEMO) demo-accounts
	$(DEMO) serve --host 127.0.0.1 --port 8000

# Every benchmark scenario, each output checked, one table (bench/README.md, "make bench").
# BENCH_SCALE=small takes minutes, large hours; BENCH="build decide" runs only those.
BENCH_SCALE ?= small
BENCH ?=
bench: setup
	$(BIN)/python -m pip install -q -e '.[test,bench]'
	BENCH_SCALE=$(BENCH_SCALE) $(BIN)/python bench/run.py $(BENCH)

clean:
	rm -rf $(VENV) consentry-data .pytest_cache
