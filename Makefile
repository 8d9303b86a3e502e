# Two commands do all the set-up: `make run` and `make test` (CONTRACT §1).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= 5000
export FLASK_APP := app

.PHONY: run test install migrate translations bench check clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP) translations

translations: $(STAMP)
	@if ls quiz/translations/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then \
	  $(BIN)/pybabel compile -q -f -d quiz/translations; fi

migrate: install
	$(BIN)/flask --app app db upgrade

run: migrate
	$(BIN)/gunicorn -c gunicorn.conf.py --bind 127.0.0.1:$(PORT) 'app:app'

check: install
	$(BIN)/flask --app app quiz check

test: install
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
