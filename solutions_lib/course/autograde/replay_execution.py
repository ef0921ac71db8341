"""Put a notebook executed elsewhere (by a parallel grading worker) in place of executing it here."""
from __future__ import annotations

import nbformat
from nbformat.notebooknode import NotebookNode
from traitlets import Unicode

from ...grading import records
from ...grading.preprocessors.judge_answers import JUDGED_RESOURCE
from ...grading.preprocessors.sandboxed_execute import SandboxedExecute
from . import stage


class ExecutionMismatch(RuntimeError):
    """The stored execution is not of the notebook nbgrader is grading now."""


def cell_signature(cell) -> tuple:
    """What execution must leave unchanged in a cell: its kind, id, source and grading metadata.

    Parameters
    ----------
    cell : nbformat.NotebookNode
        A notebook cell.

    Returns
    -------
    tuple
        (cell type, id or None, source as one string, nbgrader metadata or None).
    """
    source = cell.source if isinstance(cell.source, str) else "".join(cell.source)
    return (cell.cell_type, cell.get("id"), source, cell.get("metadata", {}).get("nbgrader"))


class ReplayExecution(SandboxedExecute):
    """The execution step of ``nbgrader autograde``, replayed from a stored sandboxed run.

    `python -m solutions_lib autograde` executes every submission on a Dask
    worker first (`SandboxedExecute.execute_submission`, in the same
    sandbox with the same options) and stores the executed notebook, the
    answer files and the run record in the course's staging folder. It
    then runs nbgrader's own autograde for each student, one at a time,
    with this preprocessor where `SandboxedExecute` stands in
    ``Autograde.autograde_preprocessors``: it checks that the stored run
    executed exactly the notebook nbgrader has just sanitized (same cells,
    same sources, same grading metadata), puts its outputs in place, and
    copies its answers and run record to the answers folder, as
    `SandboxedExecute` would. The judging pool's verdicts on those answers,
    if it has judged them, go to `JudgeAnswers` through the resources, which
    takes them only if they were made from the very same inputs. Everything
    after it (`JudgeAnswers`,
    `SaveVerdictGrades`, late penalties) runs unchanged, in the one process
    that writes the gradebook.

    As a subclass it shares `SandboxedExecute`'s options (the answers
    folder in particular); the caps apply on the workers.
    """

    executions_directory = Unicode(stage.DEFAULT_STAGE_DIRECTORY + "/executions", help=(
        "Folder, relative to the course root, holding the stored runs "
        "(<student>/<assignment>/: the executed notebook, answers/ and run.json).")
    ).tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: dict, km=None):
        """Put the stored run's outputs in ``nb`` and install its answers and run record.

        Parameters
        ----------
        nb : nbformat.NotebookNode
            The submission as nbgrader has just sanitized it; its cells are
            replaced by the executed ones.
        resources : dict
            nbgrader's resources; ``resources["nbgrader"]`` names the student,
            assignment and notebook, and receives ``answers_dir``,
            ``run_record`` and, if the pool judged the answers, their verdicts.
        km : optional
            Unused: nothing is executed here.

        Returns
        -------
        nb : nbformat.NotebookNode
        resources : dict

        Raises
        ------
        ExecutionMismatch
            If there is no stored run, or it did not execute this notebook
            (cells differ in number, kind, id, source or grading metadata).
        """
        info = resources["nbgrader"]
        root = self._course().root
        stored = stage.ExecutionStore(root, self.executions_directory).load(info["student"], info["assignment"])
        if stored is None:
            raise ExecutionMismatch(
                f"No stored execution for {info['student']}/{info['assignment']}: run "
                "`python -m solutions_lib autograde` (or plain `nbgrader autograde`), not this step alone.")
        executed = nbformat.reads(stored.notebook_json(info["notebook"]), as_version=4)
        self._check_same_notebook(nb, executed)
        nb.cells = executed.cells
        if "language_info" in executed.metadata:
            nb.metadata["language_info"] = executed.metadata["language_info"]
        store = records.answers_folder(root, self.answers_directory, info["student"], info["assignment"])
        record = stored.install_answers(store)
        info["answers_dir"] = str(store)
        info["run_record"] = record
        judged = stored.judgement()
        if judged is not None:
            info[JUDGED_RESOURCE] = judged
        return nb, resources

    @staticmethod
    def _check_same_notebook(nb, executed) -> None:
        if len(nb.cells) != len(executed.cells):
            raise ExecutionMismatch(
                f"The stored execution has {len(executed.cells)} cells, the submission {len(nb.cells)}; "
                "run `python -m solutions_lib autograde` again to execute the submission anew.")
        for index, (cell, ran) in enumerate(zip(nb.cells, executed.cells)):
            if cell_signature(cell) != cell_signature(ran):
                raise ExecutionMismatch(
                    f"Cell {index} of the stored execution differs from the submission as nbgrader "
                    "prepares it now (the submission or the source notebook changed); run "
                    "`python -m solutions_lib autograde` again to execute the submission anew.")
