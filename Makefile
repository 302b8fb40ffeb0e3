# OneWindow: `make run` sets up and starts the platform; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DEPS_STAMP := $(VENV)/.deps-$(shell cat pyproject.toml constraints.txt | sha1sum | cut -c1-10)
PYTEST_ARGS ?=
# Two test processes on two cores: one BLAS/OpenMP thread each (more only wait for each other).
TEST_ENV := OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1

.PHONY: lock setup run test test-sqlite test-postgres lint bench schema messages browser-deps clean mutation

$(DEPS_STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	$(PY) -m pip install -q --disable-pip-version-check -c constraints.txt -e ".[dev]"
	@rm -f $(VENV)/.deps-*; touch $@

setup: $(DEPS_STAMP)

## Refresh constraints.txt (the exact versions every machine installs) from a fresh resolve.
lock:
	rm -rf /tmp/onewindow-lock && $(PYTHON) -m venv /tmp/onewindow-lock
	/tmp/onewindow-lock/bin/pip install -q --disable-pip-version-check -e ".[dev]"
	( echo "# Exact versions for every install (make setup); refresh with make lock and commit."; \
	  /tmp/onewindow-lock/bin/pip freeze --exclude-editable --disable-pip-version-check ) > constraints.txt

## Set up and start on SQLite with the demo district (http://127.0.0.1:8000/).
run: setup
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput -v0
	$(PY) manage.py demo_load
	$(PY) manage.py serve

## Browser tests drive Debian's Chromium; install it (and CJK fonts for PDFs) when missing.
browser-deps:
	@if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	  else echo "Please install chromium and fonts-noto-cjk (sudo apt-get install chromium fonts-noto-cjk)"; exit 1; fi; \
	fi

## The whole suite on the database of DATABASE_URL (SQLite in memory by default).
test: setup browser-deps
	$(TEST_ENV) $(PY) -m pytest -n 2 --dist loadfile -q $(PYTEST_ARGS)

test-postgres: setup browser-deps
	$(TEST_ENV) DATABASE_URL=$${PG_URL:-postgres://postgres@127.0.0.1:5432/onewindow} $(PY) -m pytest -n 2 --dist loadfile -q $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check src config bench conftest.py
	$(VENV)/bin/mypy src/onewindow --config-file pyproject.toml
	PYTHONPATH=src $(VENV)/bin/lint-imports
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py export_openapi --check docs/openapi.json

## Regenerate the committed OpenAPI schema (CI fails when it drifts).
schema: setup
	$(PY) manage.py export_openapi docs/openapi.json

## Recompile translations after editing locale/*/LC_MESSAGES/django.po.
messages: setup
	$(PY) manage.py makemessages -l zh_Hans -l en --no-obsolete --ignore ".venv/*" --ignore "var/*" --ignore "*/tests/*" --ignore "bench/*"
	$(PY) manage.py compilemessages --ignore ".venv"

## Mutation testing of every pure rules module against its own tests (mutmut; kill rate per module,
## fails below 90 %). MUTATION_ARGS="--only cases,tickets --survivors" narrows and lists survivors.
mutation: setup
	$(PY) bench/mutation.py $(MUTATION_ARGS)

bench: setup
	@for f in bench/bench_*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

clean:
	rm -rf var/static .pytest_cache
