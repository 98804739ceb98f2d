# DataOps — `make run` starts everything, `make test` proves it. See README.md.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
REQ_HASH := $(shell cat requirements.txt requirements-dev.txt | sha256sum | cut -c1-16)
STAMP := $(VENV)/.installed-$(REQ_HASH)

.PHONY: install run test check lint bench eval-search load prepare clean help

help:
	@echo "make run    install, migrate, load demo data and start web + worker + beat"
	@echo "make test   install, run the checks (make check) and the whole test suite"
	@echo "make check  ruff lint and format, migrations in step, deploy check, security scan"
	@echo "make bench  run the benchmarks and print the numbers"
	@echo "make eval-search  known-item search quality: ours, minsearch and BM25 on the same docs"
	@echo "make load   50 logged-in users against gunicorn for 60 s: requests/s, latency, lost writes"

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

# The embedded mode: DEBUG stays off, a per-checkout secret key is generated once.
run: export DEMO_MODE ?= 1
run: export ALLOWED_HOSTS ?= 127.0.0.1,localhost
run: export SECURE_SSL_REDIRECT ?= 0
run: export SECURE_COOKIES ?= 0
run: export SECURE_HSTS_SECONDS ?= 0
run: export LOG_FORMAT ?= text
run: export PATH := $(CURDIR)/$(BIN):$(PATH)
run: install
	@mkdir -p var
	@export SECRET_KEY="$${SECRET_KEY:-$$($(BIN)/python -m dataops.localenv)}"; set -e; \
	  python manage.py migrate --noinput -v0; \
	  python manage.py createcachetable; \
	  python manage.py collectstatic --noinput -v0; \
	  python manage.py load_demo; \
	  python manage.py load_templates; \
	  python manage.py recurring load; \
	  python manage.py recurring generate; \
	  python manage.py notify_due; \
	  python manage.py docs_sync || echo "  Docs sync failed (see above); the portal starts anyway."; \
	  python manage.py podcast_kb_import || python manage.py podcast_kb_import content/podcast/episodes || echo "  Podcast knowledge base import failed (see above); the portal starts anyway."; \
	  echo; echo "  DataOps is starting on http://127.0.0.1:8000"; \
	  echo "  Demo logins: grace (operator) and admin (admin), password demo-pass-2026"; \
	  echo "  Ctrl-C stops web, worker and beat."; echo; \
	  exec honcho -f Procfile start

# The suite runs in one process per core (pytest-xdist; each has its own test database and
# Redis database), at most four. TEST_WORKERS=0 runs it in this process alone.
TEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 2); echo $$(( n > 4 ? 4 : n )))
test: check
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal

# The gates every change passes: lint and formatting, no model change without its migration,
# Django's deployment checks with production settings, and the security scan (medium and up).
APPS := dataops docs_app tasks accounts podcast
check: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DJANGO_SETTINGS_MODULE=dataops.test_settings DATABASE_URL=sqlite:///:memory: \
	  $(BIN)/python manage.py makemigrations --check --dry-run
	DEBUG=false SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
	  ALLOWED_HOSTS=dataops.example.org DATABASE_URL=sqlite:///:memory: REDIS_URL= \
	  $(BIN)/python manage.py check --deploy --fail-level WARNING
	$(BIN)/bandit --quiet --severity-level medium --recursive $(APPS) bench load \
	  --exclude '*/tests/*,*/migrations/*'

lint: check

bench: install
	$(BIN)/python -m bench

eval-search: install
	$(BIN)/python -m bench.search_eval

# A scratch database (dropped and created each run), production settings, locust headless.
load: export DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/dataops_load
load: export REDIS_URL ?= redis://127.0.0.1:6379/9
load: install
	$(BIN)/python -m load

clean:
	rm -rf var .pytest_cache
