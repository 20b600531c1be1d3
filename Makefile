# Gonghui — two commands: `make demo` and `make test`. Everything they need is installed here.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/gonghui_test
# 1: fail when PostgreSQL is not reachable (CI); 0: skip the PostgreSQL run with a notice.
REQUIRE_POSTGRES ?= 0
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test install install-dev assets lint typecheck bench serve messages clean browser pdf-fonts pg-client deploy-smoke load-tools

## make demo — install, migrate the embedded SQLite database, load demo data once, serve on PORT.
demo: install .env
	$(BIN)/gonghui migrate --noinput
	$(BIN)/gonghui demo
	$(BIN)/gonghui serve --port $(PORT)

## make test — install what the tests need, lint, type-check the ratchet, run the whole suite on SQLite across
## both cores, then on PostgreSQL the tests whose behaviour differs by database (marked `postgres`), then the
## production set through nginx. Each pass prints its 15 slowest tests.
TEST_WORKERS ?= 2
PYTEST = $(BIN)/python -m pytest -p no:cacheprovider -n $(TEST_WORKERS) --durations=15
test: install-dev browser pg-client
	$(BIN)/ruff check src tests bench
	SECRET_KEY=typecheck GONGHUI_DATA_KEY=typecheck $(BIN)/mypy --follow-imports=silent $(TYPED)
	@echo "== SQLite: the whole suite"
	env -u DATABASE_URL $(PYTEST) tests
	@if [ -n "$$DATABASE_URL" ]; then url="$$DATABASE_URL"; else url="$(PG_TEST_URL)"; fi; \
	if $(BIN)/python bench/pg_ready.py "$$url"; then \
		echo "== PostgreSQL: the tests whose behaviour differs by database ($$url)"; \
		DATABASE_URL="$$url" $(PYTEST) -m postgres tests || exit 1; \
		echo "== the production set through nginx (deploy/smoke.sh)"; \
		GONGHUI_PG_TEST_SERVER="$${url%/*}" bash deploy/smoke.sh || exit 1; \
	elif [ "$(REQUIRE_POSTGRES)" = 1 ]; then \
		echo "PostgreSQL is required but not reachable at $$url" >&2; exit 1; \
	else \
		echo "== PostgreSQL not reachable at $$url: the PostgreSQL run was skipped."; \
	fi

## make deploy-smoke — nginx + gunicorn + an RQ worker + PostgreSQL + Redis on this machine, a journey through nginx.
deploy-smoke: install-dev
	bash deploy/smoke.sh

bench: install-dev load-tools
	@for script in bench/*.py; do \
		case "$$script" in bench/pg_ready.py|bench/_*) continue;; esac; \
		echo "== $$script"; $(BIN)/python "$$script" || exit 1; \
	done

lint: install-dev
	$(BIN)/ruff check src tests bench

# The type ratchet (as Sentry's): these modules must stay clean; add modules as they are typed.
TYPED := src/gonghui/orgs/services.py src/gonghui/orgs/selectors.py src/gonghui/orgs/scoping.py \
	src/gonghui/orgs/auth.py src/gonghui/core/audit.py src/gonghui/core/crypto.py src/gonghui/core/phone.py \
	src/gonghui/core/masking.py src/gonghui/core/ledger.py src/gonghui/core/money.py src/gonghui/core/deadlines.py \
	src/gonghui/relief/services src/gonghui/relief/rules.py src/gonghui/core/notify.py \
	src/gonghui/mediation/services src/gonghui/mediation/rules.py src/gonghui/mediation/scoping.py \
	src/gonghui/bargaining/rules.py src/gonghui/bargaining/scoping.py src/gonghui/bargaining/services.py \
	src/gonghui/bargaining/selectors.py src/gonghui/reports/forms.py src/gonghui/reports/rules.py \
	src/gonghui/reports/services.py src/gonghui/reports/selectors.py src/gonghui/reports/scoping.py \
	src/gonghui/reports/workbook.py src/gonghui/reports/tasks.py src/gonghui/core/fields.py src/gonghui/core/backup.py \
	src/gonghui/core/move.py src/gonghui/core/numbers.py src/gonghui/core/merges.py src/gonghui/core/counters.py src/gonghui/core/arrangements.py src/gonghui/orgs/ages.py \
	src/gonghui/membership/rules.py src/gonghui/membership/ages.py src/gonghui/reports/targets.py \
	src/gonghui/mediation/suspensions.py src/gonghui/mediation/clocks.py src/gonghui/bargaining/clocks.py \
	src/gonghui/bargaining/congress.py src/gonghui/relief/clocks.py src/gonghui/core/sqlite.py
typecheck: install-dev
	SECRET_KEY=typecheck GONGHUI_DATA_KEY=typecheck $(BIN)/mypy --follow-imports=silent $(TYPED)

install: $(VENV)/.runtime assets pdf-fonts

install-dev: $(VENV)/.dev assets

$(VENV)/.runtime: pyproject.toml
	@[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.dev: pyproject.toml $(VENV)/.runtime
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

assets: node_modules/.installed

node_modules/.installed: package.json
	npm install --no-audit --no-fund --loglevel=error
	touch $@

# Debian's Chromium (and CJK fonts for screenshots and printed forms) for the browser tests, when missing.
browser: pdf-fonts
	@if ! command -v chromium >/dev/null 2>&1; then \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium >/dev/null; \
	fi

# wrk for the load run of bench/load_pages.py, when missing.
load-tools:
	@if ! command -v wrk >/dev/null 2>&1; then \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq wrk >/dev/null; \
	fi

# pg_dump and pg_restore for `gonghui backup` / `restore` on PostgreSQL (and their tests), when missing.
pg-client:
	@if ! command -v pg_dump >/dev/null 2>&1; then \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq postgresql-client >/dev/null; \
	fi

# WeasyPrint's Pango and the Noto CJK fonts for printed forms (审批表), when missing.
pdf-fonts:
	@if ! fc-list 2>/dev/null | grep -qi "noto sans cjk" || ! ldconfig -p | grep -q libpangoft2-1.0; then \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 >/dev/null; \
	fi

# A local .env with fresh random keys for the demo (served over plain http on 127.0.0.1).
.env:
	@$(PYTHON) -c "import secrets; print('# written by make demo; see .env.example'); \
	print('SECRET_KEY=' + secrets.token_urlsafe(50)); \
	print('GONGHUI_DATA_KEY=' + secrets.token_urlsafe(32)); \
	print('GONGHUI_HTTPS=0')" > $@
	@echo "wrote .env (keys for this machine's demo)"

messages: install-dev
	cd src/gonghui && ../../$(BIN)/gonghui makemessages -l en --no-obsolete && ../../$(BIN)/gonghui compilemessages

clean:
	rm -rf var/static var/screenshots .pytest_cache
