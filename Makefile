# Two commands for a newcomer: `make run` and `make test`. Both set up .venv first.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

# Runs the bot when a token is configured; otherwise opens the terminal console as the first admin.
run: $(STAMP)
	@if $(BIN)/iku-bot has-token; then exec $(BIN)/iku-bot run; \
	else echo "TELEGRAM_BOT_TOKEN is not set: opening the terminal console (Ctrl-D to leave)."; exec $(BIN)/iku-bot console; fi

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache
