"""nbgrader preprocessors of the trusted grading pipeline, one per file (configured in nbgrader_config.py)."""
from .check_submission_metadata import CheckSubmissionMetadata
from .clear_hidden_tests_safely import ClearHiddenTestsSafely
from .judge_answers import JudgeAnswers
from .limit_output_bytes import LimitOutputBytes
from .remove_grader_echoes import RemoveGraderEchoes
from .repair_submission import RepairSubmission
from .report_scores_by_part import ReportScoresByPart
from .restore_hidden_tests import RestoreHiddenTests
from .sandboxed_execute import SandboxedExecute
from .sanitize_student_html import SanitizeStudentHtml
from .save_verdict_grades import SaveVerdictGrades
from .shorten_graded_tracebacks import ShortenGradedTracebacks

__all__ = ["CheckSubmissionMetadata", "ClearHiddenTestsSafely", "JudgeAnswers", "LimitOutputBytes", "RemoveGraderEchoes", "RepairSubmission",
           "ReportScoresByPart",
           "RestoreHiddenTests", "SandboxedExecute", "SanitizeStudentHtml", "SaveVerdictGrades", "ShortenGradedTracebacks"]
