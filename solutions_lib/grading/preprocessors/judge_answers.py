"""Score every autograded cell from its handed-in answers, after the kernel has exited."""
from __future__ import annotations

import os

from nbformat.notebooknode import NotebookNode
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode

from ...data import catalogue
from .. import assignments, cells, handins, judgement, notebook_repair, records, submission_guard
from ..verdict import Reason, Verdict, fail
from .save_verdict_grades import VERDICTS_RESOURCE

MAX_KEPT_TEXT = 4000
REFUSED_FILES_NOTE = ("Some files of your submission were set aside and not used in grading (links, special "
                      "files, odd names, folders too deep or files too large); ask your instructor if you need them.")
JUDGED_RESOURCE = "judged"  # resources["nbgrader"][JUDGED_RESOURCE]: a `judgement.judge_answers` made beforehand
NOT_RUN = fail(Reason.NOT_RUN, "This notebook was not run by the grading sandbox.")


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
    notebook (`handins.instructor_spec`, with the hidden-test delimiters of
    nbgrader's `ClearHiddenTests`); the answers come from the files
    `SandboxedExecute` collected; the data set is the student's assigned
    one. All cells are judged by one `judgement.Judgement`, which loads
    each answer once; when the parallel grader's judging pool has already
    judged these very answers (``resources["nbgrader"]["judged"]``, same
    inputs), its verdicts are taken instead. A passing cell keeps only its
    printed text plus a line saying it passed; a failing one ends in an
    error whose message says what to fix. The verdicts also go to
    `SaveVerdictGrades` (through the resources), which scores the cells
    from them, never from the outputs, and to ``verdicts.json`` for
    `regrade` and the class report, with their reasons and any flag for
    the hand grader. Run it after `RemoveGraderEchoes`, which cleans the
    kernel's outputs that the verdict keeps.
    """

    assignments_file = Unicode("assignments.csv", help=(
        "Table (student_id,dataset) of assigned data sets, relative to the course root; "
        "written by `python -m solutions_lib assign`.")
    ).tag(config=True)
    default_dataset = Unicode(catalogue.DEFAULT_DATASET, help=(
        "Data set used to judge students who have no assignment (they are told so).")
    ).tag(config=True)

    def choose_dataset(self, course_root, student: str, answers_dir) -> assignments.DatasetChoice:
        """The data set a student is judged on: the assigned one (`assignments_file`), else `default_dataset`.

        Parameters
        ----------
        course_root : str or path-like
            The course folder, which ``assignments_file`` is relative to.
        student : str
            The student's id.
        answers_dir : str or path-like or None
            The submission's answers folder, where the data set named in
            the notebook is read from; None when the notebook was not run.

        Returns
        -------
        assignments.DatasetChoice
            The data set, with what the student is told about it.
        """
        table = assignments.read_table(os.path.join(course_root, self.assignments_file))
        notebook_name = judgement.notebook_dataset_name(answers_dir) if answers_dir else None
        return assignments.choose(table, student, notebook_name, self.default_dataset)

    def preprocess(self, nb, resources):
        """Judge every autograded test cell of ``nb`` and put its verdict in its outputs.

        Parameters
        ----------
        nb : nbformat.NotebookNode
            The executed submission.
        resources : dict
            nbgrader's resources; ``resources["nbgrader"]`` names the
            student, assignment and notebook, holds ``answers_dir`` and
            ``run_record`` from `SandboxedExecute` (and possibly the
            judging pool's verdicts), and receives the verdicts for
            `SaveVerdictGrades`.

        Returns
        -------
        nb : nbformat.NotebookNode
        resources : dict
        """
        info = resources["nbgrader"]
        course = CourseDirectory(config=self.config)
        spec = handins.instructor_spec(course, self.config, info["assignment"], info["notebook"]).handins
        answers_dir = info.get("answers_dir")
        choice = self.choose_dataset(course.root, info["student"], answers_dir)
        submitted = course.format_path(course.submitted_directory, info["student"], info["assignment"])
        files_note = REFUSED_FILES_NOTE if submission_guard.refused_note_path(submitted).is_file() else ""
        verdicts = self._verdicts(spec, answers_dir, choice.assigned, info.get("run_record"), info.get(JUDGED_RESOURCE))
        recorded, first = {}, True
        for cell in nb.cells:
            if not cells.is_autograded_test(cell):
                continue
            verdict = verdicts(cells.grade_id(cell))
            note = " ".join(filter(None, [choice.note if (first or not verdict.passed) else "",
                                          files_note if first else ""]))
            first = False
            cell.outputs = self._outputs(cell, verdict, note)
            recorded[cells.grade_id(cell)] = verdict
        info[VERDICTS_RESOURCE] = {grade_id: v.passed for grade_id, v in recorded.items()}
        if answers_dir:
            records.write_verdicts(answers_dir, {g: v.as_dict() for g, v in recorded.items()}, choice.as_dict(),
                                   notebook_repair.repairs_of(nb))
        return nb, resources

    def _verdicts(self, spec: dict, answers_dir, dataset: str, record, judged):
        """grade_id -> verdict: the judging pool's when it judged these very inputs, else judged here."""
        if answers_dir is None:
            return lambda grade_id: NOT_RUN
        stop_note = judgement.stop_note(record)
        judge = judgement.Judgement(answers_dir, dataset, stop_note)
        stored = {}
        if judged and judged["key"] == judgement.judging_key(spec, answers_dir, dataset, stop_note):
            stored = {grade_id: Verdict.from_dict(v) for grade_id, v in judged["verdicts"].items()}
            self.log.info("Verdicts of the judging pool, made from these very answers, are used")
        return lambda grade_id: stored[grade_id] if grade_id in stored else judge.cell(spec.get(grade_id, []))

    @staticmethod
    def _outputs(cell, verdict: Verdict, note: str) -> list:
        outputs = []
        text = _kernel_text(cell)
        if text:
            outputs.append(NotebookNode(output_type="stream", name="stdout", text=text))
        if note:
            outputs.append(NotebookNode(output_type="stream", name="stdout", text=f"Note: {note}\n"))
        if verdict.passed:
            extra = f" {verdict.message}" if verdict.message else ""
            outputs.append(NotebookNode(output_type="stream", name="stdout",
                                        text=f"Autograder: this test passed.{extra}\n"))
        else:
            outputs.append(NotebookNode(output_type="error", ename="AutograderVerdict",
                                        evalue=verdict.message, traceback=[f"Autograder: {verdict.message}"]))
        return outputs
