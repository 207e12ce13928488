# Sevadwar — `make run` to start on a fresh machine, `make test` to run every test.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help install run test test-fast lint format typecheck bench clean

help: ## Show this help
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP) ## Create .venv and install Sevadwar with its test tools

run: $(STAMP) ## Migrate SQLite under ./var, seed demo data and serve http://127.0.0.1:8000
	$(BIN)/sevadwar db upgrade
	$(BIN)/sevadwar demo seed
	$(BIN)/sevadwar serve --host 127.0.0.1 --port 8000

test: $(STAMP) ## Run the whole suite (PostgreSQL too when SEVADWAR_TEST_DATABASE_URL is set)
	$(BIN)/pytest -n 2 --dist loadfile -m "not browser"
	$(BIN)/pytest -n 2 --dist loadfile -m browser  # apart: Playwright keeps an event loop in its worker

test-fast: $(STAMP) ## Run the suite without browser and slow tests
	$(BIN)/pytest -n 2 --dist loadfile -m "not browser and not slow"

lint: $(STAMP) ## ruff (lint + format check) and mypy --strict
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

format: $(STAMP) ## Format the code with ruff
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

bench: $(STAMP) ## Run the benchmarks and write bench/results/<date>.md
	$(BIN)/pip install --quiet -e '.[test,bench]'
	$(BIN)/python -m bench.run

clean: ## Remove the virtualenv and local data
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
