# Front door. `make measure` and `make test` set up .venv themselves on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CONFIG ?= configs/default.yaml
LINT_PATHS := pipeline tests scripts $(wildcard benchmarks notebooks)

.DEFAULT_GOAL := help

## help: list the targets
help:
	@grep -E '^## ' $(MAKEFILE_LIST) | sed 's/^## /  make /'

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is required (set PYTHON=...)")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The tests also need the evaluation extras (torch, transformers) for tests/evaluate.
EVAL_STAMP := $(VENV)/.installed-eval
$(EVAL_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,eval]'
	touch $(EVAL_STAMP)

## setup: create .venv and install the project with its dev tools
setup: $(STAMP)

## measure: crawl the bundled sample through the replay Hub, analyze, plot, report (results/)
measure: $(STAMP)
	$(BIN)/ptm measure --config $(CONFIG)

## test: run the test suite
test: $(EVAL_STAMP)
	$(BIN)/python -m pytest -q

## lint: ruff lint and format check
lint: $(STAMP)
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)

## format: apply ruff's fixes and formatting
format: $(STAMP)
	$(BIN)/ruff check --fix $(LINT_PATHS)
	$(BIN)/ruff format $(LINT_PATHS)

## bench: run the crawl and analysis benchmarks (minutes; results in benchmarks/README.md)
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python benchmarks/crawl.py
	$(BIN)/python benchmarks/analysis.py
	$(BIN)/python benchmarks/parsing.py

## bench-scale: ptm measure with configs/hub.yaml on a replay of ~2.5M models (~15 min, benchmarks/README.md)
bench-scale: $(STAMP)
	$(BIN)/python benchmarks/scale.py

## sample: rebuild data/hub-2024-07 from ../shared/data
sample:
	$(PYTHON) scripts/build_sample.py

## data: rebuild every bundled data folder (hub sample, claims data, paper inputs) from ../shared
data: sample $(STAMP)
	$(BIN)/python -m pipeline.claims.curate --shared ../shared
	for f in hftorrent-repo-names-2022-08-15.txt transformed_packages.csv; do \
	  gzip -9 -n -c ../shared/data/icse23-artifact/$$f > data/icse23/$$f.gz; done
	cp ../shared/data/icse23-artifact/top20*_downloads.csv ../shared/data/icse23-artifact/npm_list.csv data/icse23/

## clean: remove snapshots and results of local runs (never data/)
clean:
	rm -rf snapshots results

.PHONY: help setup measure test lint format bench bench-scale sample data clean
