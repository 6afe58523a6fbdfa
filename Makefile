# Quick start: `make demo` runs the main job on an embedded default, `make test` runs every test.
# Both create (or refresh) the virtual environment in .venv themselves.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint typecheck fuzz bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/esealkit demo

test: $(STAMP)
	$(BIN)/ruff check src tests benchmarks examples
	$(BIN)/mypy
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks examples
	$(BIN)/ruff format --check src tests benchmarks examples

typecheck: $(STAMP)
	$(BIN)/mypy

FUZZ_SECONDS ?= 300
fuzz: $(STAMP)
	ESEALKIT_FUZZ_SECONDS=$(FUZZ_SECONDS) $(BIN)/pytest -q -m fuzz tests

BENCH_CORPUS ?= /tmp/esealkit-corpus
bench: $(STAMP)
	$(BIN)/python benchmarks/batch_verify.py --corpus $(BENCH_CORPUS) --count 1000
	$(BIN)/python benchmarks/registry_city.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
