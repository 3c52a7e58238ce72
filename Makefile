# The README's commands. `make build` and `make test` work from a fresh clone with nothing but
# Python 3.11 and make: the first thing either does is create .venv from requirements.txt.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON_BASE ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
DBT := $(BIN)/dbt
export DBT_PROFILES_DIR := $(CURDIR)
# Settings may live in .env; exported variables win. make does not read .env itself (it would
# keep quotes and expand `$`): the two paths recipes need are asked of the loader, which reads
# .env with python-dotenv's rules, once .venv exists. Credentials never reach dbt or any other
# child process.
loader_path = $(shell [ -x $(PY) ] && $(PY) -m loader.config $(1))
export WAREHOUSE_PATH ?= $(call loader_path,WAREHOUSE_PATH)
export LANDING_DIR ?= $(call loader_path,LANDING_DIR)

SAMPLE_DIR ?= data/sample
SAMPLE_VISITS ?= 2000
SAMPLE_DAYS ?= 7
SAMPLE_SEED ?= 42
DOCS_PORT ?= 8080
DASHBOARD_PORT ?= 8501
# The column-lineage page of the docs site, written by `python -m lineage docs`.
LINEAGE_DOC := models/marts/_marts__column_lineage.md
# apt-get needs root; `make browser` asks sudo for it when run as another user.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# What `make aov` (and so `make build`) prints; the README shows the same query for `make shell`.
AOV_SQL := select customer_segment, order_count, customer_count, \
	revenue::decimal(18, 2) as revenue, average_order_value::decimal(18, 2) as average_order_value, \
	median_order_value::decimal(18, 2) as median_order_value, \
	round(100 * share_of_revenue, 1) as revenue_pct \
	from marts.mart_aov_by_membership_segment order by segment_sort_order

.PHONY: help install build load sample dbt hourly test lint format clean lock
.PHONY: aov shell docs docs-build lineage browser bench spark-deps test-spark metrics
.PHONY: dashboard dashboard-deps

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

# Through loader.dbt_runner: a warehouse held open elsewhere gets one sentence, not a traceback.
dbt: install ## run dbt build (seeds, models, tests) on the warehouse
	$(PY) -m loader.dbt_runner build

# A scheduled run (cron, hourly): new files, then the incremental build with its data tests,
# which read the rows the run changed (LP_DATA_TESTS_SCOPE; a full build reads everything).
# Unit tests check the code, not the data: `make dbt` and `make test` run them.
# dbt runs even when a file failed to land (it builds what did land); the exit status is then
# the pull's, so cron still reports the failure.
hourly: install ## pull new files, then dbt build without unit tests (for cron)
	@status=0; $(PY) -m loader pull || status=$$?; \
	LP_DATA_TESTS_SCOPE=changed $(PY) -m loader.dbt_runner build \
		--exclude-resource-type unit_test || exit $$?; \
	exit $$status

build: load dbt ## everything: install, land data, dbt build, print the AOV by segment
	@$(MAKE) --no-print-directory aov

aov: install ## print average order value by membership segment (needs a built warehouse)
	@echo "Average order value by membership segment ($(WAREHOUSE_PATH)):"
	@$(BIN)/duckdb -readonly "$(WAREHOUSE_PATH)" -c "$(AOV_SQL)"

# MetricFlow reads the warehouse through metrics/profiles.yml: read-only, closed after each
# query, so it never holds the write lock a build needs. `dbt parse` first writes the
# semantic manifest mf reads (target/semantic_manifest.json) from the YAML as it is now.
MF := DBT_PROFILES_DIR=$(CURDIR)/metrics $(BIN)/mf
METRICS_QUERY ?= --saved-query aov_by_membership_segment --order -average_order_value --decimals 2
metrics: install ## average order value by segment through MetricFlow [METRICS_QUERY='--metrics ...']
	@test -f "$(WAREHOUSE_PATH)" || { echo "No warehouse at $(WAREHOUSE_PATH): run make build first."; exit 1; }
	@$(DBT) parse --quiet
	@echo "mf query $(METRICS_QUERY) ($(WAREHOUSE_PATH)):"
	@$(MF) query $(METRICS_QUERY) --quiet

shell: install ## the DuckDB command-line client on the warehouse, read-only
	@test -f "$(WAREHOUSE_PATH)" || { echo "No warehouse at $(WAREHOUSE_PATH): run make build first."; exit 1; }
	$(BIN)/duckdb -readonly "$(WAREHOUSE_PATH)"

# The dashboard's packages (Streamlit, and Playwright for its browser tests): not in
# requirements.txt, since only the dashboard and its tests use them.
$(VENV)/.dashboard-installed: requirements-dashboard.txt $(VENV)/.installed
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt -r requirements-dashboard.txt
	touch $@

dashboard-deps: $(VENV)/.dashboard-installed ## install Streamlit and Playwright (pinned) into .venv

# Read-only, short-lived connections: make build and make hourly run while it is open.
dashboard: dashboard-deps ## serve the dashboard on localhost:DASHBOARD_PORT (8501; Ctrl-C stops)
	$(BIN)/python -m dashboard --port $(DASHBOARD_PORT)

docs-build: install ## write the docs site (target/index.html, static_index.html) with column lineage
	$(PY) -m loader.dbt_runner compile --quiet
	$(PY) -m lineage docs --out $(LINEAGE_DOC)
	$(PY) -m loader.dbt_runner docs generate --static

docs: docs-build ## build the docs site and serve it on localhost:DOCS_PORT (8080; Ctrl-C stops)
	$(DBT) docs serve --host 127.0.0.1 --port $(DOCS_PORT) --no-browser

lineage: install ## where mart columns come from: [MODEL=fct_orders [COLUMN=order_total]]
	@$(PY) -m loader.dbt_runner compile --quiet
	@$(PY) -m lineage show $(if $(MODEL),--model $(MODEL)) $(if $(COLUMN),--column $(COLUMN))

browser: ## install Debian's chromium (docs-site and dashboard tests) when it is missing
	@if [ ! -x /usr/bin/chromium ]; then \
		$(SUDO) apt-get update && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	fi

lint: install ## ruff on Python, sqlfluff on the models
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint models macros tests/dbt

format: install ## fix what the linters can fix
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .
	$(BIN)/sqlfluff fix models macros tests/dbt

test: install lint browser dashboard-deps ## the whole test suite (CI runs it, then test-spark)
	$(BIN)/pytest tests/python

# The Spark engine (dbt-spark in-process, PySpark; needs Java 17): not in requirements.txt,
# since only the parity check uses it.
$(VENV)/.spark-installed: requirements-spark.txt $(VENV)/.installed
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt -r requirements-spark.txt
	touch $@

spark-deps: $(VENV)/.spark-installed ## install dbt-spark and PySpark (pinned) into .venv

# A work folder of its own (sample, landing folder, DuckDB file, Spark warehouse and
# metastore): the user's warehouse and landing folder are never touched.
SPARK_PARITY_DIR ?= $(CURDIR)/target/spark-parity
test-spark: spark-deps ## build the sample on DuckDB and on Spark and compare every table
	$(PY) -m spark.parity --work $(SPARK_PARITY_DIR)

BENCH_VISITS ?= 50000
BENCH_DAYS ?= 30
BENCH_ARGS ?=
bench: install ## benchmark landing and dbt (BENCH_VISITS=50000 over BENCH_DAYS=30; BENCH_ARGS=--skip-dlt)
	$(PY) bench/run.py --visits $(BENCH_VISITS) --days $(BENCH_DAYS) $(BENCH_ARGS)

clean: ## remove the warehouse, dbt outputs and the sample (landed originals are kept)
	rm -rf "$(or $(WAREHOUSE_PATH),warehouse.duckdb)" "$(or $(WAREHOUSE_PATH),warehouse.duckdb).wal" \
		target logs $(SAMPLE_DIR)

lock: install ## re-pin requirements.txt from requirements.in in a fresh venv
	rm -rf .venv-lock && $(PYTHON_BASE) -m venv .venv-lock
	.venv-lock/bin/pip install --quiet -r requirements.in
	( echo "# Full lock of requirements.in (pip freeze in a fresh venv)."; \
	  .venv-lock/bin/pip freeze ) > requirements.txt
	rm -rf .venv-lock
