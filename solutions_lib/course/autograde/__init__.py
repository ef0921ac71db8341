"""Grading a whole class in parallel: ``python -m solutions_lib autograde`` (see README.md, "Grading a class").

Two phases, one gradebook writer:

1. `jobs.run_job`, on Dask workers, N at a time: execute one submission's
   notebook (already sanitized by nbgrader's own preprocessors in the
   coordinator) in the grading sandbox and return the executed notebook,
   the answer files and the run record. Workers need only the release
   files, the student environment and the sandbox tools.
2. `coordinator`, in one process, one student at a time: nbgrader's own
   autograde with its execution step replaced by
   `replay_execution.ReplayExecution`, so that sanitizing,
   `JudgeAnswers`, `SaveVerdictGrades` and late penalties run exactly as in
   ``nbgrader autograde``.

`stage` keeps finished executions and graded marks on disk, so that an
interrupted run continues where it stopped.
"""
