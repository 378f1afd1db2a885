# Two commands: `make run` and `make test`. Everything else is optional.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test setup model bench notebooks lint system-deps space-check clean

## make run: set up .venv, build the embedded model if missing, start the app on http://127.0.0.1:7860
run: setup model
	$(BIN)/python app.py

## make test: set up everything the tests need (venv, test deps, PostgreSQL, Chromium) and run the suite
test: $(VENV)/.dev model system-deps
	bash scripts/run-tests.sh

setup: $(VENV)/.deps

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.deps: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt
	@touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.deps
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	@touch $@

model: $(VENV)/.deps
	$(BIN)/python -m sandbox prepare

system-deps:
	bash scripts/system-deps.sh

## make bench: the benchmark table (ratios measured in one run)
bench: $(VENV)/.dev model
	$(BIN)/python benchmarks/bench_all.py

## make notebooks: JupyterLab on notebooks/ (installs jupyterlab into .venv on first use)
notebooks: $(VENV)/.dev model
	$(BIN)/python -m pip install -q jupyterlab
	SANDBOX_MODELS_DIR=$(CURDIR)/data/models $(BIN)/jupyter lab notebooks/

## make space-check: README front matter is a valid Space config, and app.py starts with only requirements.txt
space-check: $(VENV)/.deps
	$(BIN)/python scripts/space_check.py

lint: $(VENV)/.dev
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) data .pytest_cache
