# Two commands matter: `make run` and `make test`. Everything else is a helper.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Django 6 needs Python >= 3.12. Take the first interpreter on PATH (or in pyenv) that is new enough;
# override with `make PYTHON=/path/to/python3.12 ...`.
PYTHON ?= $(shell for p in python3.14 python3.13 python3.12 python3 $(wildcard $(HOME)/.pyenv/versions/3.1[2-9]*/bin/python3); do \
	if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then \
	echo $$p; break; fi; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help install run test lint ci migrate demo worker bench clean

help:
	@echo "make run     - install, migrate, load demo data and serve on http://$(HOST):$(PORT)"
	@echo "make test    - the whole test suite"
	@echo "make lint    - ruff, migrations check, OpenAPI schema validation"
	@echo "make ci      - what CI runs (.ci/run): services up, static checks, the suite without services, with them, through PgBouncer"
	@echo "make worker  - a Celery worker with beat (needs REDIS_URL)"
	@echo "make bench   - benchmarks against baselines and peers measured in the same run, then issue 16's summary table"

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python >= 3.12 is required (Django 6). Set PYTHON=/path/to/python3.12"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

migrate: $(STAMP)
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py seed_demo

# Embedded default: SQLite + eager tasks + console email; `manage.py embedded_beat` runs the periodic tasks. With
# DATABASE_URL and REDIS_URL set, a Celery worker (with beat) runs instead. Either stops with the web server.
# Unless set: links in emails point at the address served here (PUBLIC_BASE_URL), and DEBUG is off, so a missing
# page shows the site's own 404 page (whitenoise serves the static files either way; DEBUG=true make run for
# Django's technical pages). A value in the environment, on the command line or in .env wins.
ifeq ($(shell grep -sqE '^(export )?PUBLIC_BASE_URL=' .env && echo set),)
run: export PUBLIC_BASE_URL ?= http://$(HOST):$(PORT)
endif
ifeq ($(shell grep -sqE '^(export )?DEBUG=' .env && echo set),)
run: export DEBUG ?= false
endif
run: demo
	@if [ -n "$$REDIS_URL" ]; then \
		echo "REDIS_URL is set: starting a Celery worker with beat"; \
		$(BIN)/celery -A config worker --beat --loglevel=INFO --concurrency=2 & \
		worker=$$!; trap "kill $$worker 2>/dev/null" EXIT INT TERM; \
		$(BIN)/python manage.py runserver $(HOST):$(PORT); \
	else \
		$(BIN)/python manage.py embedded_beat & \
		beat=$$!; trap "kill $$beat 2>/dev/null" EXIT INT TERM; \
		$(BIN)/python manage.py runserver $(HOST):$(PORT); \
	fi

worker: $(STAMP)
	$(BIN)/celery -A config worker --beat --loglevel=INFO

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python manage.py spectacular --validate --fail-on-warn --file /dev/null

ci:
	bash .ci/run

# In-process ratios (SQLite), then the HTTP mode: gunicorn on PostgreSQL driven by wrk (bench/http_bench.py says
# what it needs: a PostgreSQL server from DATABASE_URL or BENCH_DATABASE_URL, and the Debian package wrk), then the
# allocation benchmark on the same server (bench/allocations_bench.py; ALLOC_BENCH_ARGS=--quick for 100,000 rows).
# bench/run.py ends with the settlement finalization benchmark (bench/settlements_bench.py: PostgreSQL and Redis,
# real workers; SETTLEMENT_BENCH_ARGS=--quick for 100 settlements instead of 1,000). The allocation benchmark also
# runs the pure-SQL ledger peer (bench/sql_ledger.py) and the service through a PgBouncer it starts (Debian package
# pgbouncer), and its scale point is 10,000,000 allocations (--quick: 100,000; --scale N). Then the django-hordak
# peer in a throwaway venv (bench/hordak_bench.py), and bench/summary.py prints issue 16's table from this run's JSON.
bench: BENCH_STARTED := $(shell date -u +%Y-%m-%dT%H:%M:%S+00:00)
bench: $(STAMP)
	SETTLEMENT_BENCH_ARGS="$(SETTLEMENT_BENCH_ARGS)" $(BIN)/python bench/run.py
	$(BIN)/python bench/http_bench.py $(BENCH_ARGS)
	$(BIN)/python bench/allocations_bench.py $(ALLOC_BENCH_ARGS)
	$(BIN)/python bench/hordak_bench.py $(HORDAK_BENCH_ARGS)
	$(BIN)/python bench/summary.py --since $(BENCH_STARTED)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
