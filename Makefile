# Two commands for a newcomer: `make run` and `make test`. Both set up the venv first.
#
# Python: PYTHON if given (`make test PYTHON=python3.11`), otherwise the newest of python3.13,
# python3.12 and python3.11 on PATH (scripts/find-python says which, or what to install). The venv
# remembers which interpreter built it; asking for another rebuilds it.
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint format clean venv

# Resolves the interpreter, rebuilds the venv if it was made by another one, installs when
# pyproject.toml changed.
venv:
	@py="$$(scripts/find-python $(PYTHON))" || exit 1; \
	  echo "Using $$py ($$($$py -V)) in $(VENV)."; \
	  if [ -x $(BIN)/python ] && [ "$$(cat $(VENV)/.python 2>/dev/null)" != "$$py" ]; then \
	    echo "$(VENV) was built with another Python: rebuilding it."; rm -rf $(VENV); fi; \
	  if [ ! -x $(BIN)/python ]; then $$py -m venv $(VENV) && echo "$$py" > $(VENV)/.python; fi
	@$(MAKE) --no-print-directory $(STAMP)

$(STAMP): pyproject.toml
	@echo "Installing the bot and its test tools into $(VENV) (the first time takes about a minute)."
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

# Runs the bot when a token is configured; otherwise opens the terminal console as the first admin.
run: venv
	@if $(BIN)/iku-bot has-token; then exec $(BIN)/iku-bot run; \
	else echo "TELEGRAM_BOT_TOKEN is not set: opening the terminal console (Ctrl-D to leave)."; exec $(BIN)/iku-bot console; fi

# ruff (lint and format check) and mypy, configured in pyproject.toml.
lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# Applies ruff's fixes and formatting.
format: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .venv-* .pytest_cache .mypy_cache .ruff_cache
