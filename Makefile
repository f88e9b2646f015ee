# Two entry points for a newcomer: `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
# One test process per core: the suite (browsers, SoftHSM2, real workers) takes minutes.
PYTEST_ARGS ?= -n auto

.PHONY: demo test lint typecheck contracts pytest install system-deps clean messages

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

install: $(STAMP)

system-deps:
	@bash scripts/install-system-deps.sh

demo: install
	$(BIN)/ebhxh demo

test: install lint typecheck contracts pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

contracts: install
	$(BIN)/lint-imports

pytest: install system-deps
	$(BIN)/pytest $(PYTEST_ARGS)

messages: install
	cd src/ebhxh && ../../$(BIN)/ebhxh makemessages -l en --no-obsolete && ../../$(BIN)/ebhxh compilemessages -l en

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
