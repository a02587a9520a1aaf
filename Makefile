PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-dev
RUN_STAMP := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.installed-bench

.PHONY: run test lint typecheck pytest bench bench-pg demo clean

$(RUN_STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	@touch $(RUN_STAMP)

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP) $(RUN_STAMP)

run: $(RUN_STAMP)
	$(PY) -m bot

# The whole suite on SQLite, then the storage, integration and process tests again on PostgreSQL: the
# server of TEST_DATABASE_URL, or a throwaway local one started here (tests/support/pg_server.py, needs
# PostgreSQL's programs: Debian's `postgresql` package). Without one the PostgreSQL tests are reported as
# skipped with a one-line hint; REQUIRE_POSTGRESQL=1 (CI) makes that an error instead.
test: $(STAMP)
	$(PY) -m ruff check bot handlers storage deadlines tests bench
	$(PY) -m mypy
	@url="$${TEST_DATABASE_URL:-$$($(PY) -m tests.support.pg_server start)}"; \
	if [ -z "$$url" ] && [ -n "$$REQUIRE_POSTGRESQL" ]; then echo "PostgreSQL required but not available" >&2; exit 1; fi; \
	if [ -n "$$url" ]; then \
	  echo "PostgreSQL for the tests: $$url"; \
	  TEST_DATABASE_URL="$$url" $(PY) -m pytest -n 2 && \
	  echo "--- the storage, integration and process tests again, on PostgreSQL" && \
	  TEST_DATABASE_URL="$$url" $(PY) -m pytest -n 2 --db=postgresql tests/integration tests/e2e; \
	else \
	  $(PY) -m pytest -n 2; \
	fi

# A throwaway local PostgreSQL for the tests and benchmarks (prints its URL); pg-stop removes it.
.PHONY: pg pg-stop
pg: $(STAMP)
	@$(PY) -m tests.support.pg_server start
pg-stop: $(STAMP)
	@$(PY) -m tests.support.pg_server stop

$(BENCH_STAMP): pyproject.toml $(STAMP)
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	@touch $(BENCH_STAMP)

# PostgreSQL's rows too when a server is reachable (BENCH_DATABASE_URL, TEST_DATABASE_URL or the throwaway
# server of `make bench-pg`), else they say "skipped" (docs/benchmarks.md).
bench: $(BENCH_STAMP)
	$(PY) -m bench

# Starts the throwaway PostgreSQL server (tests/support/pg_server.py; `$(PY) -m tests.support.pg_server stop`
# stops it) and runs `make bench` with it.
bench-pg: $(BENCH_STAMP)
	url=$$($(PY) -m tests.support.pg_server start) && BENCH_DATABASE_URL=$$url $(PY) -m bench

demo: $(RUN_STAMP)
	$(PY) -m bot.demo

clean:
	rm -rf $(VENV) build *.egg-info

# Server install without Docker (docs/deployment.md): the venv with the runtime dependencies only, and the
# bytecode compiled in advance (the systemd unit's file system is read-only for the bot).
.PHONY: install docker
install: $(RUN_STAMP)
	$(PY) -m compileall -q bot handlers storage deadlines

# The Docker image (docs/deployment.md).
docker:
	docker build -t smi-bot .
