# Bulletin — the two commands: `make serve` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
BENCH_SIZES ?= 100000

.PHONY: serve test lint format bench install install-test clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

## serve: create the venv, install, migrate, run on the embedded default (SQLite + mail catcher)
serve: install
	$(BIN)/bulletin db upgrade
	$(BIN)/bulletin serve --host $(HOST) --port $(PORT)

## test: install what the tests need and run them all
test: install-test
	$(BIN)/python -m pytest

## lint: ruff (lint and format check)
lint: install-test
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests

## bench: the delivery benchmark (figures as JSON lines; not part of `make test`)
bench: install
	$(BIN)/python bench/fanout.py $(BENCH_SIZES)

format: install-test
	$(BIN)/ruff check --fix src tests
	$(BIN)/ruff format src tests

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info .pytest_cache .ruff_cache .mypy_cache
