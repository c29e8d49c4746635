# GNB Transfer. `make run` starts a working site with demo data; `make test` runs every check.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.8
UV := .tools/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

# Development defaults; anything already in the environment wins.
DEV_ENV := DEBUG=$${DEBUG:-1} EMAIL_URL=$${EMAIL_URL:-console://} SITE_URL=$${SITE_URL:-http://127.0.0.1:$(PORT)}
TEST_ENV := DEBUG=0 SECRET_KEY=test-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz \
	ALLOWED_HOSTS=testserver,localhost,127.0.0.1 SECURE_SSL_REDIRECT=0 EMAIL_URL=console:// \
	SITE_URL=http://testserver

.PHONY: install run test pytest lint format openapi messages bench bench-webhooks bench-tools bench-smoke clean browser gettext fuzz

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet "uv==$(UV_VERSION)"

$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	UV_PYTHON_DOWNLOADS=never $(UV) sync --frozen --python $(PYTHON)
	touch $@

install: $(VENV)/.synced

run: install
	@mkdir -p var
	$(DEV_ENV) $(PY) manage.py migrate --no-input
	$(DEV_ENV) $(PY) manage.py load_demo
	$(DEV_ENV) $(PY) manage.py ensure_admin
	$(DEV_ENV) $(PY) manage.py ensure_demo_driver
	@echo "Serving on http://127.0.0.1:$(PORT)  (back office: /admin/, API docs: /api/v1/docs). Web, worker and scheduler run together; Ctrl-C stops all three."
	@trap 'kill 0' INT TERM EXIT; \
	$(DEV_ENV) $(PY) manage.py run_worker & \
	$(DEV_ENV) $(PY) manage.py run_scheduler & \
	$(DEV_ENV) $(PY) manage.py runserver 127.0.0.1:$(PORT) & \
	wait

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(TEST_ENV) $(VENV)/bin/mypy gnb config
	$(VENV)/bin/lint-imports
	$(TEST_ENV) $(PY) manage.py makemigrations --check --dry-run
	$(TEST_ENV) $(PY) manage.py check

test: lint browser gettext pytest

# Browser tests drive Debian's Chromium (Playwright cannot download browsers here); install it when missing.
browser:
	@command -v chromium >/dev/null || { \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }
	@chromium --version 2>/dev/null

# The translation tests extract the sources' strings with gettext's xgettext, as `make messages` does.
gettext:
	@command -v xgettext >/dev/null || { \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq gettext >/dev/null; }
	@xgettext --version | head -1

# The test suite alone (no lint), e.g. `make pytest PYTEST_ARGS="gnb/bookings -x"`.
pytest: install
	@mkdir -p var
	$(TEST_ENV) $(VENV)/bin/pytest $(PYTEST_ARGS)

# Schemathesis over the committed docs/openapi.json against a live test server (tests/test_api_fuzz.py). The
# suite (`make test`) generates 25 examples per operation (besides the coverage phase's boundary cases); this
# generates FUZZ_EXAMPLES, e.g. `make fuzz FUZZ_EXAMPLES=1000`.
FUZZ_EXAMPLES ?= 300
fuzz: install
	@mkdir -p var
	$(TEST_ENV) FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(VENV)/bin/pytest tests/test_api_fuzz.py $(PYTEST_ARGS)

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

openapi: install
	$(TEST_ENV) $(PY) manage.py export_openapi docs/openapi.json

# The catalogues of every language but English (locale/*/LC_MESSAGES): add and drop strings as the sources changed,
# then compile them. Translate what it adds in every language (no empty or fuzzy entry may stay;
# gnb/core/tests/test_translations.py checks, and fails when a catalogue misses a string of the sources) and run it
# again. Each language's words for the domain are in locale/<language>/glossary.md.
LANGUAGES := tr de ru uk pl nl fr ar
messages: install gettext
	DEBUG=1 $(PY) manage.py makemessages $(addprefix -l ,$(LANGUAGES)) --no-obsolete --ignore='.venv/*' --ignore='.tools/*' --ignore='bench/*' --ignore='var/*' --ignore='node_modules/*'
	DEBUG=1 $(PY) manage.py compilemessages $(addprefix -l ,$(LANGUAGES)) --ignore='.venv/*' --ignore='.tools/*'

# Price engine and API benchmarks (bench/README.md), e.g. `make bench BENCH_ARGS="--duration 30 --strict"`.
bench: install
	$(VENV)/bin/python bench/run.py $(BENCH_ARGS)

# wrk, the closed-loop load generator of bench/peak.py (Debian's package); installed when missing.
bench-tools:
	@command -v wrk >/dev/null || { \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq wrk >/dev/null; }

# One second per row of bench/peak.py on PostgreSQL, no budgets: proof that every row of the peak table still runs.
bench-smoke: install bench-tools
	$(VENV)/bin/python bench/peak.py --smoke

# Stripe webhooks under load with run_worker running: acknowledgement and paid visible (bench/webhooks.py), e.g.
# `make bench-webhooks BENCH_ARGS="--only-postgres"`.
bench-webhooks: install
	$(VENV)/bin/python bench/webhooks.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .tools var/*.sqlite3* .pytest_cache
