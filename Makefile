# One entry point for the course package. `make demo` is the main job,
# `make test` runs the test suite; both set up .venv first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.setup-done
# pytest workers: the suite is CPU-bound and these machines have 2 cores.
PYTEST_ARGS ?=

.PHONY: setup data demo test bench release clean-venv

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml tools/install_browser.sh
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	bash tools/install_browser.sh $(PY)
	@touch $(STAMP)

data: setup
	$(PY) -m solutions_lib datasets

demo: data

test: setup
	$(PY) -m pytest $(PYTEST_ARGS)

bench: setup
	$(PY) benchmarks/bench_engine.py

clean-venv:
	rm -rf $(VENV)
