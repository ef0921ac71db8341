"""Score every autograded cell from its handed-in answers, after the kernel has exited."""
from __future__ import annotations

import os

from nbformat.notebooknode import NotebookNode
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode

from ...data import catalogue
from .. import assignments, cells, handins, notebook_repair, records, submission_guard
from ..checks import fail
from ..verdicts import judge_cell, notebook_dataset_name
from .save_verdict_grades import VERDICTS_RESOURCE

MAX_KEPT_TEXT = 4000
REFUSED_FILES_NOTE = ("Some files of your submission were set aside and not used in grading (links, special "
                      "files, odd names, folders too deep or files too large); ask your instructor if you need them.")


def _kernel_text(cell) -> str:
    """What the student's own code printed in the cell, and the error it raised, as plain text."""
    parts = [o.get("text", "") for o in cell.get("outputs", [])
             if o.get("output_type") == "stream" and o.get("name") == "stdout"]
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error" and output.get("ename") != "NotebookStopped":
            parts.append(f"The cell raised {output.get('ename')}: {output.get('evalue')}\n")
    text = "".join(parts)
    return text if len(text) <= MAX_KEPT_TEXT else text[:MAX_KEPT_TEXT] + "\n[... output shortened]\n"


class JudgeAnswers(NbGraderPreprocessor):
    """Replace each autograded cell's outputs with the trusted verdict on its answers.

    Which check judges a cell is read from the instructor's copy of the
    notebook (`handins.graded_handins`); the answers come from the files
    `SandboxedExecute` collected; the data set is the student's assigned
    one. A passing cell keeps only its printed text plus a line saying it
    passed; a failing one ends in an error whose message says what to fix.
    The verdicts also go to `SaveVerdictGrades` (through the resources),
    which scores the cells from them, never from the outputs, and to
    ``verdicts.json`` for `regrade` and the class report, with any flag
    for the hand grader. Run it after `RemoveGraderEchoes`, which cleans
    the kernel's outputs that the verdict keeps.
    """

    assignments_file = Unicode("assignments.csv", help=(
        "Table (student_id,dataset) of assigned data sets, relative to the course root; "
        "written by `python -m solutions_lib assign`.")
    ).tag(config=True)
    default_dataset = Unicode(catalogue.DEFAULT_DATASET, help=(
        "Data set used to judge students who have no assignment (they are told so).")
    ).tag(config=True)

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        course = CourseDirectory(config=self.config)
        source = os.path.join(course.root, course.source_directory, info["assignment"], f"{info['notebook']}.ipynb")
        spec = handins.graded_handins(handins.read_notebook(source))
        answers_dir = info.get("answers_dir")
        record = info.get("run_record")
        table = assignments.read_table(os.path.join(course.root, self.assignments_file))
        notebook_name = notebook_dataset_name(answers_dir) if answers_dir else None
        choice = assignments.choose(table, info["student"], notebook_name, self.default_dataset)
        stop_note = f" ({record.stop.message})" if record and record.stop else ""
        submitted = course.format_path(course.submitted_directory, info["student"], info["assignment"])
        files_note = REFUSED_FILES_NOTE if submission_guard.refused_note_path(submitted).is_file() else ""
        verdicts, first = {}, True
        for cell in nb.cells:
            if not cells.is_autograded_test(cell):
                continue
            grade_id = cells.grade_id(cell)
            if answers_dir is None:
                verdict = fail("This notebook was not run by the grading sandbox.")
            else:
                verdict = judge_cell(spec.get(grade_id, []), answers_dir, choice.assigned, stop_note)
            note = " ".join(filter(None, [choice.note if (first or not verdict.passed) else "",
                                          files_note if first else ""]))
            first = False
            cell.outputs = self._outputs(cell, verdict.passed, verdict.message, note)
            verdicts[grade_id] = {"passed": verdict.passed, "message": verdict.message, "flag": verdict.flag}
        info[VERDICTS_RESOURCE] = {grade_id: v["passed"] for grade_id, v in verdicts.items()}
        if answers_dir:
            records.write_verdicts(answers_dir, verdicts, choice.as_dict(), notebook_repair.repairs_of(nb))
        return nb, resources

    @staticmethod
    def _outputs(cell, passed: bool, message: str, note: str) -> list:
        outputs = []
        text = _kernel_text(cell)
        if text:
            outputs.append(NotebookNode(output_type="stream", name="stdout", text=text))
        if note:
            outputs.append(NotebookNode(output_type="stream", name="stdout", text=f"Note: {note}\n"))
        if passed:
            extra = f" {message}" if message else ""
            outputs.append(NotebookNode(output_type="stream", name="stdout",
                                        text=f"Autograder: this test passed.{extra}\n"))
        else:
            outputs.append(NotebookNode(output_type="error", ename="AutograderVerdict",
                                        evalue=message, traceback=[f"Autograder: {message}"]))
        return outputs
