# pgqueue: every entry point. `make help` lists them.
#
# Connection: PGQUEUE_DSN (demo, install-sql) / PGQUEUE_TEST_DSN (tests), else
# libpq's defaults and PG* variables. Tests create and drop their own databases
# (pgqueue_test_*), so the role needs CREATEDB and, for pgTAP, superuser.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PG_CONFIG ?= pg_config
PG_MAJOR := $(shell $(PG_CONFIG) --version 2>/dev/null | sed -E 's/^PostgreSQL ([0-9]+).*/\1/')
DSN ?= $(PGQUEUE_DSN)
SQL_LINT_PATHS := sql/src tests/sql
PY_PATHS := python/src tests/python tests/fresh_db.py sql/build.py bench examples

.PHONY: help
help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 16

# --- set-up ------------------------------------------------------------------

$(BIN)/.installed: python/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e 'python[dev]'
	touch $@

.PHONY: venv
venv: $(BIN)/.installed ## virtualenv with the package and the test tools

.PHONY: pgtap
pgtap: ## pgTAP, pg_prove and PGXS (from Debian's packages when root)
	@missing=""; \
	command -v pg_prove >/dev/null || missing="$$missing libtap-parser-sourcehandler-pgtap-perl"; \
	[ -f "$$($(PG_CONFIG) --sharedir)/extension/pgtap.control" ] || missing="$$missing postgresql-$(PG_MAJOR)-pgtap"; \
	[ -f "$$($(PG_CONFIG) --pgxs)" ] || missing="$$missing postgresql-server-dev-$(PG_MAJOR)"; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "installing:$$missing"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
		else \
			echo "missing Debian packages:$$missing (install them, e.g. sudo apt-get install$$missing)" >&2; exit 1; \
		fi; \
	fi

# --- SQL artifacts -----------------------------------------------------------

.PHONY: build
build: ## regenerate sql/pgqueue--*.sql and sql/pgqueue-install.sql from sql/src
	$(PYTHON) sql/build.py

.PHONY: build-check
build-check: ## fail if the committed SQL artifacts are out of date
	$(PYTHON) sql/build.py --check

.PHONY: install-sql
install-sql: ## install or upgrade pgqueue with psql alone: make install-sql DSN=...
	psql $(if $(DSN),"$(DSN)") -v ON_ERROR_STOP=1 -q -f sql/pgqueue-install.sql

.PHONY: install-extension
install-extension: pgtap ## copy the extension files into PostgreSQL (make -C sql install)
	$(MAKE) -C sql install

# --- checks ------------------------------------------------------------------

.PHONY: lint
lint: venv ## sqlfluff, ruff, mypy
	$(BIN)/sqlfluff lint --processes 2 $(SQL_LINT_PATHS)
	$(BIN)/ruff check $(PY_PATHS)
	$(BIN)/ruff format --check $(PY_PATHS)
	$(BIN)/mypy

.PHONY: test-sql
test-sql: venv pgtap ## pgTAP over tests/sql in a fresh database
	exports=$$($(BIN)/python tests/fresh_db.py pgqueue_test_tap --install --pgtap --env); \
	eval "$$exports"; \
	pg_prove --recurse --ext .sql tests/sql

.PHONY: test-python
test-python: venv pgtap install-extension ## pytest over tests/python (fresh databases)
	$(BIN)/pytest

.PHONY: test
test: build-check lint test-sql test-python ## everything: artifacts, lint, pgTAP, pytest

# --- benchmarks (not part of make test) --------------------------------------

.PHONY: bench
bench: venv ## pgqueue against the raw-SQL ceiling (issue 5's workloads); bench/results/latest.json
	$(BIN)/python bench/bench.py

.PHONY: bench-enqueue
bench-enqueue: venv ## a one-job enqueue from raw insert to pgqueue.enqueue, rung by rung
	$(BIN)/python bench/enqueue_ladder.py

.PHONY: bench-cleanup
bench-cleanup: venv ## cleanup of 1,000,000 finished jobs: batch times
	$(BIN)/python bench/cleanup_backlog.py

.PHONY: demo
demo: venv ## a worker runs example jobs for 15 s, then the stats (a throwaway server if none answers)
	$(BIN)/python examples/demo.py $(if $(DSN),--dsn "$(DSN)")

.PHONY: clean
clean: ## remove the virtualenv and caches
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
