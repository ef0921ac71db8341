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
