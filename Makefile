# The two commands that matter: `make report` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
CONFIG ?= config/sample.yml
STAMP := $(VENV)/.installed

.PHONY: report test lint lab bench pack clean install mutate plant

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

## Lint, then the whole test suite under coverage (subprocesses too: CLI, notebook kernels,
## and the pytest-xdist workers), then the coverage report (docs/testing.md). The exit
## status is pytest's. Workers: one per physical core, at most 4 (2 on CI's 2 cores; past 4
## the one worker holding the shared sample build is the critical path, and each more
## worker only adds memory and CPU contention); each test module runs whole on one worker,
## and the modules sharing a session build together (tests/conftest.py). PYTEST_ARGS is
## added after, e.g. `make test PYTEST_ARGS=-n0` (one process, as before) or
## PYTEST_ARGS='-n 3 --durations=30'.
COVERAGE_DATA := $(CURDIR)/build/coverage
export COVERAGE_DATA
XDIST ?= -n auto --maxprocesses 4 --dist loadfile
PYTEST_ARGS ?=
test: $(STAMP) lint
	@rm -rf $(COVERAGE_DATA) && mkdir -p $(COVERAGE_DATA)
	@$(BIN)/python -m coverage run -m pytest $(XDIST) $(PYTEST_ARGS); status=$$?; \
	$(BIN)/python -m coverage combine -q >/dev/null 2>&1 || true; \
	$(BIN)/python -m coverage report --skip-covered --sort=-cover 2>/dev/null | tail -n 45; \
	exit $$status

## Mutation testing of the core modules (slow: not part of `make test`; docs/testing.md).
## MUTANTS narrows it, e.g. make mutate MUTANTS='pipeline.reports.pack.rag*'
MUTANTS ?=
mutate: $(STAMP)
	HYPOTHESIS_PROFILE=mutate $(BIN)/mutmut run $(MUTANTS) || true
	$(BIN)/python tests/mutation_scores.py

## Re-plant each bug of issue 16 in a scratch copy and check the tests catch it.
plant: $(STAMP)
	$(BIN)/python tests/planted_bugs.py

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
	rm -rf build output mutants data/processed/*.parquet
