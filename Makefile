# Schildwacht: the two commands of the quick start, and a few for developers.
#   make demo   install and start the demo on http://127.0.0.1:8000
#   make test   install what the tests need and run the whole suite (lint, types, SQLite, PostgreSQL)

VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test install lint lock messages

$(BIN)/schildwacht: requirements/dev.lock pyproject.toml
	bash scripts/install.sh $(VENV)

install: $(BIN)/schildwacht

demo: install
	$(BIN)/schildwacht demo

test: install
	bash scripts/test.sh $(VENV)

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

# Re-pin every dependency (needs uv: pip install uv).
lock:
	uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 -q -o requirements/dev.lock
	uv pip compile pyproject.toml --generate-hashes --python-version 3.11 -q -o requirements/prod.lock

# Extract new strings into the English catalogue and compile (needs gettext).
messages: install
	cd src/schildwacht && ../../$(BIN)/schildwacht makemessages -l en --no-obsolete && ../../$(BIN)/schildwacht compilemessages
