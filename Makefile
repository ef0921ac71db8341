# One entry point for the course package. `make demo` is the main job,
# `make test` runs the test suite; both set up .venv first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.setup-done
# The environment student kernels run in when graded: the release's own requirements, nothing else.
STUDENT_VENV := .venv-student
STUDENT_STAMP := $(STUDENT_VENV)/.setup-done
STUDENT_REQUIREMENTS := source/xray_image/requirements.txt
# Google Colab's widget manager, built from its public source beside the repository (unchanged,
# in ../shared) for tests/browser/test_browser_colab.py; skipped with a note when the source is not there.
COLAB_SHARED ?= ../shared
COLAB_MANAGER := .build/colab-manager
COLAB_STAMP := $(COLAB_MANAGER)/.setup-done
# A student environment with the newest packages the registry serves, as a Colab student gets:
# the release's requirements with every == made >= (`make newest`; rm -rf .venv-newest to refresh).
NEWEST_VENV := .venv-newest
NEWEST_STAMP := $(NEWEST_VENV)/.setup-done
# ... and one with the oldest versions the notebook's Colab install cell accepts (`make lowest`).
LOWEST_VENV := .venv-lowest
LOWEST_STAMP := $(LOWEST_VENV)/.setup-done
# Extra pytest arguments, e.g. PYTEST_ARGS="-m 'not browser'" to skip the browser tests.
PYTEST_ARGS ?=

.PHONY: setup newest lowest data notebook release demo test bench bench-grading grade report validate validate-colab validate-judging reference clean-venv

setup: $(STAMP) $(STUDENT_STAMP) $(COLAB_STAMP)

$(STAMP): requirements.txt $(STUDENT_REQUIREMENTS) pyproject.toml tools/install_browser.sh tools/install_sandbox.sh
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	bash tools/install_browser.sh $(PY)
	bash tools/install_sandbox.sh
	@touch $(STAMP)

$(STUDENT_STAMP): $(STUDENT_REQUIREMENTS)
	@test -x $(STUDENT_VENV)/bin/python || $(PYTHON) -m venv $(STUDENT_VENV)
	$(STUDENT_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(STUDENT_VENV)/bin/python -m pip install --quiet -r $(STUDENT_REQUIREMENTS)
	@touch $(STUDENT_STAMP)

$(COLAB_STAMP): tools/build_colab_manager.sh $(wildcard $(COLAB_SHARED)/colab-cdn-widget-manager/src/* $(COLAB_SHARED)/colab-cdn-widget-manager/UPSTREAM_COMMIT)
	bash tools/build_colab_manager.sh $(COLAB_SHARED)/colab-cdn-widget-manager $(COLAB_MANAGER)

newest: $(NEWEST_STAMP)

$(NEWEST_STAMP): $(STUDENT_REQUIREMENTS)
	@test -x $(NEWEST_VENV)/bin/python || $(PYTHON) -m venv $(NEWEST_VENV)
	sed -E 's/==/>=/' $(STUDENT_REQUIREMENTS) > $(NEWEST_VENV)/requirements.txt
	$(NEWEST_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(NEWEST_VENV)/bin/python -m pip install --quiet --upgrade -r $(NEWEST_VENV)/requirements.txt
	@touch $(NEWEST_STAMP)

lowest: $(LOWEST_STAMP)

$(LOWEST_STAMP): $(STUDENT_REQUIREMENTS) notebook_src/xray_image.py tools/colab_bounds.py
	@test -x $(LOWEST_VENV)/bin/python || $(PYTHON) -m venv $(LOWEST_VENV)
	$(PYTHON) tools/colab_bounds.py > $(LOWEST_VENV)/bounds.txt
	$(LOWEST_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(LOWEST_VENV)/bin/python -m pip install --quiet -r $(STUDENT_REQUIREMENTS)
	$(LOWEST_VENV)/bin/python -m pip install --quiet -r $(LOWEST_VENV)/bounds.txt
	@touch $(LOWEST_STAMP)

data: setup
	$(PY) -m solutions_lib datasets

# Rebuild the instructor notebook from its reviewable jupytext source.
notebook: setup
	$(PY) tools/build_notebook.py

release: notebook
	$(PY) -m solutions_lib release

# The main job: data summary, student release, autograde of the reference.
demo: data release
	$(PY) -m solutions_lib demo

test: setup
	$(PY) -m pytest $(PYTEST_ARGS)

bench: setup
	$(PY) benchmarks/bench_engine.py
	$(PY) benchmarks/bench_notebook.py

# Serial nbgrader autograde against the parallel grader (2 workers) on 8 reference submissions; then the
# trusted judging alone on 16 stored honest submissions: before and after issue 23, and in pools of 1, 2, 4.
bench-grading: setup
	$(PY) benchmarks/bench_grading.py --students 8 --jobs 2
	$(PY) benchmarks/bench_judging.py --students 16 --processes 1 2 4

# Grade every submission in submitted/ in parallel, each in the sandbox (JOBS=N, SCHEDULER=tcp://host:8786,
# FORCE=1 to grade again); `make report` then writes the class report into reports/.
JOBS ?=
SCHEDULER ?=
FORCE ?=
grade: setup
	$(PY) -m solutions_lib autograde $(if $(JOBS),--jobs $(JOBS)) $(if $(SCHEDULER),--scheduler $(SCHEDULER)) $(if $(FORCE),--force)

report: setup
	$(PY) -m solutions_lib report

# Convergence with margin on every data set and 3 seeds; coverage and Fisher widths on 36 exact-model
# draws; the DIC verdicts with and without a cool core; every fit's self-checks; five observations unlike
# the course's (exposure map in seconds, 10x brighter and fainter, 4" pixels on 512x512, ~5000 counts);
# the notebook's own solution graded in the sandbox on every data set (full automatic marks, about
# an hour); first make validate-colab (about two and a half hours on 2 cores in all).
validate: setup validate-colab
	$(PY) benchmarks/validate_engine.py
	$(PY) benchmarks/grade_solution_per_dataset.py

# What a Colab student may run on: the instructor's notebook autograded to full marks with
# .venv-newest as the student's environment, and the notebook's Colab branch run on .venv-newest
# and on .venv-lowest (about 12 minutes on 2 cores).
validate-colab: setup newest lowest
	$(PY) benchmarks/validate_newest.py --python $(NEWEST_VENV)/bin/python
	COLAB_TEST_PYTHON=$(NEWEST_VENV)/bin/python $(PY) -m pytest tests/notebook/test_colab_notebook.py
	COLAB_TEST_PYTHON=$(LOWEST_VENV)/bin/python $(PY) -m pytest tests/notebook/test_colab_notebook.py

# Chains judged as posterior draws: honest chains of the engine, a uniform-S0 prior and the student-style
# script pass on every data set, issue 19's attacks fail, Laplace draws' power (makes missing honest chains
# first: about 2 hours on 2 cores the first time, 25 minutes after).
validate-judging: setup
	$(PY) benchmarks/judge_chains.py --make-missing

# Refit every data set and rewrite the stored reference answers (about 30 minutes on 2 cores).
reference: setup
	$(PY) -m solutions_lib reference

clean-venv:
	rm -rf $(VENV) $(STUDENT_VENV) $(NEWEST_VENV) $(LOWEST_VENV)
