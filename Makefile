# Two commands for a newcomer: `make run` and `make test`. Both set up the venv first.
#
# Python: PYTHON if given (`make test PYTHON=python3.11`), otherwise the newest of python3.13,
# python3.12 and python3.11 on PATH (scripts/find-python says which, or what to install). The venv
# remembers which interpreter built it; asking for another rebuilds it.
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint format clean venv browser

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

test: lint browser
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The dashboard's browser test drives Debian's chromium through chromedriver. Installed here when missing and
# we are root with apt-get (quietly; a failure is reported and the test then skips, saying why).
browser:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing chromium and chromium-driver for the dashboard's browser test (apt-get)."; \
	    export DEBIAN_FRONTEND=noninteractive; \
	    apt-get install -y -q chromium chromium-driver >/dev/null 2>&1 \
	      || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium chromium-driver >/dev/null 2>&1; } \
	      || echo "Could not install chromium and chromium-driver with apt-get: the dashboard's browser test will be skipped."; \
	  else \
	    echo "chromium or chromedriver missing, and installing them needs root and apt-get: the dashboard's browser test will be skipped."; \
	  fi; \
	fi

clean:
	rm -rf $(VENV) .venv-* .pytest_cache .mypy_cache .ruff_cache
