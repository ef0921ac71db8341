"""nbgrader settings for the X-ray image tutorial course.

Grading is trusted only outside the student's kernel: each submission runs
in a bubblewrap sandbox (`SandboxedExecute`), its hidden tests merely hand
their answers in, `JudgeAnswers` judges every autograded cell from those
answers after the kernel has exited, and `SaveVerdictGrades` scores the
cells from those verdicts, never from outputs. See README.md, "Grading".
"""
import os
import sys

from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import (
    AssignLatePenalties, ClearOutput, DeduplicateIds, IgnorePattern,
    OverwriteKernelspec,
)

from solutions_lib.grading.preprocessors import (
    CheckSubmissionMetadata, ClearHiddenTestsSafely, JudgeAnswers, LimitOutputBytes, RemoveGraderEchoes, RepairSubmission,
    ReportScoresByPart, RestoreHiddenTests, SandboxedExecute, SanitizeStudentHtml, SaveVerdictGrades,
    ShortenGradedTracebacks,
)

c = get_config()  # noqa: F821 - provided by nbgrader

# nbgrader starts `alembic` by name when it creates a gradebook. Called by its full path
# (.venv/bin/nbgrader) without the environment activated, that program is not on PATH: put the
# running environment's own bin folder there, for every nbgrader command of this course.
_bin = os.path.dirname(sys.executable)
if _bin not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = os.pathsep.join(filter(None, [_bin, os.environ.get("PATH")]))

c.CourseDirectory.course_id = "xray-bayes"
c.CourseDirectory.root = "."
# The hidden reference package, the simulator truths and saved answers never ship to students.
c.CourseDirectory.ignore = [
    ".ipynb_checkpoints",
    "*.pyc",
    "__pycache__",
    ".grading",
    "solutions_lib",
    "truth.json",
    "mask.reg",
    "*.truth.json",
]

# --- Collecting: nbgrader's exchange, copying only a submission's plain files ---------------------
# No links followed, no FIFOs or devices, plain names, caps on size, count and depth; what was
# refused is noted in submitted/STUDENT/ASSIGNMENT.refused.txt (see solutions_lib/course/safe_collect.py).
c.ExchangeFactory.collect = "solutions_lib.course.safe_collect.SafeExchangeCollect"

# --- Autograding: sandboxed execution, then verdicts decided outside the kernel -----------------
# Before nbgrader copies a student's folder: links, FIFOs, devices, odd names, deep folders, oversized
# files and a timestamp.txt that does not parse are moved into submitted/STUDENT/ASSIGNMENT.refused/.
c.Autograde.pre_convert_hook = "solutions_lib.grading.submission_guard.pre_convert_hook"
c.Autograde.sanitize_preprocessors = [
    RepairSubmission,  # a notebook broken by accident is rebuilt on the release, and says so
    ClearOutput,
    DeduplicateIds,
    OverwriteKernelspec,
    RestoreHiddenTests,  # OverwriteCells that warns about real edits only
    CheckSubmissionMetadata,  # nbgrader's CheckCellMetadata; a bad submission fails alone
]
c.Autograde.autograde_preprocessors = [
    SandboxedExecute,
    RemoveGraderEchoes,  # before the verdicts: it cleans the kernel's outputs, never a verdict
    JudgeAnswers,
    IgnorePattern,
    ClearMetadataPreprocessor,
    LimitOutputBytes,     # nbgrader's LimitOutput (lines), plus bytes per cell and per notebook
    SanitizeStudentHtml,  # student HTML, scripts and links cleaned before formgrader or feedback renders them
    SaveVerdictGrades,   # scores test cells from the verdicts, not from their outputs
    AssignLatePenalties,
    CheckSubmissionMetadata,
]
# Caps of one submission's sandbox. The notebook's MCMC cells run for minutes.
c.SandboxedExecute.memory_limit_mb = 8192      # address space of each process
c.SandboxedExecute.max_processes = 256         # processes and threads at once
c.SandboxedExecute.max_file_size_mb = 512      # largest file written
c.SandboxedExecute.tmp_size_mb = 1024          # private /tmp
c.SandboxedExecute.quota_mb = 2048             # disk quota of the workspace and answers (a tmpfs, as root)
c.SandboxedExecute.notebook_timeout = 3600     # seconds for the whole notebook
c.Execute.timeout = 1800                       # seconds for one cell
# The student environment (no solutions_lib), built by `make setup`:
# c.SandboxedExecute.student_python = ".venv-student/bin/python"
# Only if you accept running untrusted code unconfined (grades are then not protected):
# c.SandboxedExecute.sandbox = False
c.JudgeAnswers.assignments_file = "assignments.csv"  # written by `python -m solutions_lib assign`
# Widget state (the sky viewer) would add megabytes to every graded notebook.
c.Execute.store_widget_state = False

# --- Feedback: the page only, without hidden tests or tracebacks -------------------------------
c.GenerateFeedback.preprocessors = [
    ReportScoresByPart,
    ClearHiddenTestsSafely,
    ShortenGradedTracebacks,
    CSSHTMLHeaderPreprocessor,
]
c.GenerateFeedback.post_convert_hook = "solutions_lib.grading.feedback_folder.prune_feedback_folders"
