"""Feedback without the grader's internals.

nbgrader's feedback shows each graded cell with its output. `ClearHiddenTests`
(configured in ``nbgrader_config.py``) removes the hidden test source, but a
failed hidden test's traceback still quotes the failing line. This
preprocessor keeps only the exception type and message of errors in graded
cells: the message is written for the student, the traceback is not.
"""
from nbconvert.preprocessors import Preprocessor
from traitlets import Bool


class ShortenGradedTracebacks(Preprocessor):
    """Replace tracebacks in graded cells with one ``ename: evalue`` line."""

    enabled = Bool(True).tag(config=True)  # nbconvert preprocessors default to off

    def preprocess_cell(self, cell, resources, index):
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade"):
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    output["traceback"] = [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"]
        return cell, resources
