# Two commands do all the set-up: `make run` and `make test` (CONTRACT §1).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= 5000
export FLASK_APP := app

# `make test` runs the whole suite on SQLite, then the tests that touch the database (marker `db`)
# again on PostgreSQL. Without a server those skip; with CI=true they fail (tests/conftest.py).
TEST_POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
# A hung test must not hold CI forever: each pass gets this long, then pytest is interrupted
# (SIGINT, so it still prints its summary) and, 30 s later, killed.
TEST_TIMEOUT ?= 1500
# (coreutils' timeout; where there is none, e.g. stock macOS, the passes run unbounded)
BOUNDED := $(shell command -v timeout >/dev/null 2>&1 && echo timeout -s INT -k 30 $(TEST_TIMEOUT))
PYTEST_ARGS ?=

.PHONY: run test test-unit lint test-sqlite test-postgres install migrate translations bench bench-hostile no-loss check clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip setuptools
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP) translations

translations: $(STAMP)
	@if ls quiz/translations/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then \
	  $(BIN)/pybabel compile -f -d quiz/translations; fi

migrate: install
	$(BIN)/flask --app app db upgrade

run: migrate
	$(BIN)/gunicorn -c gunicorn.conf.py --bind 127.0.0.1:$(PORT) 'app:app'

check: install
	$(BIN)/flask --app app quiz check

# The linter, then both passes; every part always runs, and the target fails when any does.
test: install
	@status=0; \
	$(MAKE) --no-print-directory lint || status=1; \
	$(MAKE) --no-print-directory test-sqlite || status=1; \
	$(MAKE) --no-print-directory test-postgres || status=1; \
	exit $$status

# ruff, with the rules in pyproject.toml.
lint: install
	$(BIN)/ruff check quiz tests bench app.py

# The first tier alone: the bank format, the engine and view-building, no app, no database (seconds).
test-unit: install
	$(BIN)/python -m pytest -q tests/unit $(PYTEST_ARGS)

test-sqlite: install
	$(BOUNDED) $(BIN)/python -m pytest $(PYTEST_ARGS)

test-postgres: install
	@echo "== the database tests again, on PostgreSQL"
	TEST_DATABASE_URL='$(TEST_POSTGRES_URL)' $(BOUNDED) \
	  $(BIN)/python -m pytest -q -m 'db and not browser' $(PYTEST_ARGS)

# Throughput against a bare Flask app under the same gunicorn settings (docs/performance.md),
# then the hostile-input budget.
bench: install
	$(BIN)/python bench/run.py
	$(BIN)/python bench/hostile.py

# Hostile 1 MiB pastes and 2 MiB API bodies against one gunicorn worker: CPU, memory and answer
# size per request; fails when one breaks issue 12's budget (docs/security.md).
bench-hostile: install
	$(BIN)/python bench/hostile.py

# Kill a server mid-load; every acknowledged result must still be there (docs/performance.md).
no-loss: install
	$(BIN)/python bench/no_loss.py

# Every page type photographed, whole page, at 360x740 and 1280x800, light and dark, English and
# Korean, into screenshots/ (ignored by git), by the accessibility walks and the results-page and
# sharing tests: pictures for a person to look at, not run by `make test`.
.PHONY: screenshots
screenshots: install
	QUIZ_SCREENSHOTS=screenshots $(BIN)/python -m pytest -q -p no:cacheprovider tests/e2e/test_browser_a11y.py \
		tests/e2e/test_browser_share.py tests/e2e/test_browser_results.py -k 'clean or axe or first_screen or folded_away'

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
