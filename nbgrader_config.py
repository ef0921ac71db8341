"""nbgrader settings for the X-ray image tutorial course."""
c = get_config()  # noqa: F821 - provided by nbgrader

c.CourseDirectory.course_id = "xray-bayes"
c.CourseDirectory.root = "."
# The hidden reference package and the simulator truths never ship to students.
c.CourseDirectory.ignore = [
    ".ipynb_checkpoints",
    "*.pyc",
    "__pycache__",
    "solutions_lib",
    "truth.json",
    "mask.reg",
    "*.truth.json",
]
# MCMC cells run for minutes; give each cell room, and the notebook a cap.
c.ExecutePreprocessor.timeout = 1800
c.Execute.timeout = 1800
# Widget state (the sky viewer) would add megabytes to every graded notebook.
c.Execute.store_widget_state = False

# Feedback must not reveal hidden tests: drop their source and shorten the
# tracebacks of graded cells to the message written for the student.
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor  # noqa: E402
from nbgrader.preprocessors import ClearHiddenTests, GetGrades  # noqa: E402
from solutions_lib.grading.feedback import ShortenGradedTracebacks  # noqa: E402

c.GenerateFeedback.preprocessors = [
    GetGrades,
    ClearHiddenTests,
    ShortenGradedTracebacks,
    CSSHTMLHeaderPreprocessor,
]
