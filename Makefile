# Two commands do all the set-up: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

# Local development only: `make run` serves with DEBUG on and the development key.
RUN_ENV := DEBUG=$${DEBUG:-1}
# Checks run like production (DEBUG off), so they need some key.
CHECK_ENV := SECRET_KEY=$${SECRET_KEY:-test-only-insecure-key}

.PHONY: run test test-sqlite test-postgres lint checks content migrate clean messages browser bench

$(STAMP): pyproject.toml
	.ci/system-deps
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $(STAMP)

migrate: $(STAMP)
	$(RUN_ENV) $(PY) manage.py migrate --noinput

run: migrate
	$(RUN_ENV) $(PY) manage.py setup_groups
	$(RUN_ENV) $(PY) manage.py load_content
	$(RUN_ENV) $(PY) manage.py ensure_demo_admin
	$(RUN_ENV) $(PY) manage.py runserver $(HOST):$(PORT)

# Reload the shipped content pack over an existing bank (resets shipped rows).
content: migrate
	$(RUN_ENV) $(PY) manage.py load_content --force

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

checks: $(STAMP)
	$(CHECK_ENV) $(PY) manage.py check
	$(CHECK_ENV) $(PY) manage.py makemigrations --check --dry-run

# The end-to-end tests drive Debian's Chromium through its ChromeDriver.
browser: $(STAMP)
	.ci/system-deps chromium chromium-driver

test-sqlite: browser
	$(PY) -m pytest

# The browser tests exercise the admin, not the database: once (on SQLite) is enough.
test-postgres: $(STAMP)
	.ci/with-postgres $(PY) -m pytest -m "not e2e"

test: lint checks test-sqlite test-postgres

# Benchmarks (see README): SQLite, then a throw-away PostgreSQL; wrk generates the load.
# Plain HTTP on loopback: without HTTPS=0 production settings redirect every request to HTTPS.
BENCH_ENV := SECRET_KEY=benchmark-only-key ALLOWED_HOSTS=127.0.0.1 HTTPS=0
BENCH_DB := /tmp/questionbank-bench.sqlite3
bench: $(STAMP)
	.ci/system-deps wrk
	rm -f $(BENCH_DB) $(BENCH_DB)-wal $(BENCH_DB)-shm $(BENCH_DB)-writers
	$(BENCH_ENV) $(PY) manage.py collectstatic --noinput -v0
	$(BENCH_ENV) DATABASE_URL=sqlite:///$(BENCH_DB) $(PY) manage.py migrate --noinput -v0
	$(BENCH_ENV) DATABASE_URL=sqlite:///$(BENCH_DB) $(PY) manage.py benchmark
	$(BENCH_ENV) .ci/with-postgres sh -c '$(PY) manage.py migrate --noinput -v0 && $(PY) manage.py benchmark'

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache

# Refresh the translation catalogues after changing translatable strings, then compile them.
messages: $(STAMP)
	cd questionbank && DEBUG=1 ../$(PY) ../manage.py makemessages -l nl -l de -l it --no-location
	cd questionbank && DEBUG=1 ../$(PY) ../manage.py compilemessages
