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
# Extra pytest arguments, e.g. PYTEST_ARGS="-m 'not browser'" to skip the browser test.
PYTEST_ARGS ?=

.PHONY: setup data notebook release demo test bench bench-grading grade report validate validate-judging reference clean-venv

setup: $(STAMP) $(STUDENT_STAMP)

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

# Serial nbgrader autograde against the parallel grader (2 workers) on 8 reference submissions.
bench-grading: setup
	$(PY) benchmarks/bench_grading.py --students 8 --jobs 2

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
# about 35 minutes on 2 cores.
validate: setup
	$(PY) benchmarks/validate_engine.py

# Chains judged as posterior draws: honest chains of the engine, a uniform-S0 prior and the student-style
# script pass on every data set, issue 19's attacks fail, Laplace draws' power (makes missing honest chains
# first: about 2 hours on 2 cores the first time, 25 minutes after).
validate-judging: setup
	$(PY) benchmarks/judge_chains.py --make-missing

# Refit every data set and rewrite the stored reference answers (about 30 minutes on 2 cores).
reference: setup
	$(PY) -m solutions_lib reference

clean-venv:
	rm -rf $(VENV) $(STUDENT_VENV)
