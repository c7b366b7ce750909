# The two commands that matter: `make report` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
CONFIG ?= config/sample.yml
STAMP := $(VENV)/.installed

.PHONY: report test lint lab bench pack clean install

$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ".[test,lab]"
	$(BIN)/python -m ipykernel install --prefix $(VENV) --name cic-reports --display-name "cic-reports (.venv)" >/dev/null
	@touch $(STAMP)

install: $(STAMP)

## Generate the sample if data/raw is empty, run the pipeline, render both reports.
report: $(STAMP)
	$(BIN)/cic-reports build --config $(CONFIG)

## Lint, then the whole test suite.
test: $(STAMP) lint
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check pipeline tests
	$(BIN)/ruff format --check pipeline tests

## JupyterLab at the project root, opening notebooks/ (the exploration notebook) first;
## every notebook (those, and each report's in pipeline/reports/<report>/notebooks/) runs
## with the project's kernel from its own folder.
lab: $(STAMP)
	$(BIN)/jupyter lab --ServerApp.root_dir=. \
		--MappingKernelManager.default_kernel_name=cic-reports \
		notebooks/explore-processed-data.ipynb

bench: $(STAMP)
	$(BIN)/cic-reports bench --config $(CONFIG)

clean:
	rm -rf build output data/processed/*.parquet
