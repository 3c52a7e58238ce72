# The README's commands. `make build` and `make test` work from a fresh clone with nothing but
# Python 3.11 and make: the first thing either does is create .venv from requirements.txt.

SHELL := /bin/bash
.DEFAULT_GOAL := help

# Settings may live in .env (KEY=value lines, no quotes); exported variables win.
-include .env
export

PYTHON_BASE ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
DBT := $(BIN)/dbt
export DBT_PROFILES_DIR := $(CURDIR)
export WAREHOUSE_PATH ?= $(CURDIR)/warehouse.duckdb
export LANDING_DIR ?= $(CURDIR)/data/landing

SAMPLE_DIR ?= data/sample
SAMPLE_VISITS ?= 2000
SAMPLE_DAYS ?= 7
SAMPLE_SEED ?= 42

.PHONY: help install build load sample dbt test lint format clean lock

help: ## show this help
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | \
		awk 'BEGIN {FS = ":.*## "} {printf "  make %-10s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.txt
	$(PYTHON_BASE) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

install: $(VENV)/.installed ## create .venv from the pinned requirements

$(SAMPLE_DIR)/_sample_manifest.json: | $(VENV)/.installed
	$(PY) -m loader sample --out $(SAMPLE_DIR) --visits $(SAMPLE_VISITS) \
		--days $(SAMPLE_DAYS) --seed $(SAMPLE_SEED)

sample: $(SAMPLE_DIR)/_sample_manifest.json ## write the built-in sample data set (once)

load: install ## pull from LivePerson when credentials are set, else land the sample
	@if $(PY) -m loader has-credentials; then \
		echo "LivePerson credentials found: pulling"; \
		$(PY) -m loader pull; \
	else \
		echo "No LivePerson credentials configured: landing the built-in sample"; \
		$(MAKE) --no-print-directory sample && $(PY) -m loader ingest $(SAMPLE_DIR); \
	fi

dbt: install ## run dbt build (seeds, models, tests) on the warehouse
	$(DBT) build

build: load dbt ## everything: install, land data, dbt build

lint: install ## ruff on Python, sqlfluff on the models
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint models macros tests/dbt

format: install ## fix what the linters can fix
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .
	$(BIN)/sqlfluff fix models macros tests/dbt

test: install lint ## the whole test suite (what CI runs)
	$(BIN)/pytest tests/python

clean: ## remove the warehouse, dbt outputs and the sample (landed originals are kept)
	rm -rf $(WAREHOUSE_PATH) $(WAREHOUSE_PATH).wal target logs $(SAMPLE_DIR)

lock: install ## re-pin requirements.txt from requirements.in in a fresh venv
	rm -rf .venv-lock && $(PYTHON_BASE) -m venv .venv-lock
	.venv-lock/bin/pip install --quiet -r requirements.in
	( echo "# Full lock of requirements.in (pip freeze in a fresh venv)."; \
	  .venv-lock/bin/pip freeze ) > requirements.txt
	rm -rf .venv-lock
