"""nbgrader's metadata check, failing one submission rather than the class run."""
from __future__ import annotations

from nbgrader.nbgraderformat import SchemaTooNewError, SchemaTooOldError, ValidationError
from nbgrader.preprocessors import CheckCellMetadata


class CheckSubmissionMetadata(CheckCellMetadata):
    """`CheckCellMetadata`, with a cell of another metadata version reported as invalid.

    nbgrader's converter stops the whole class run on `SchemaTooOldError`
    or `SchemaTooNewError` (it asks for ``nbgrader update``, which is right
    for the instructor's own notebooks), but in a submission such a cell was
    pasted or edited by a student: that one notebook fails to validate, is
    recorded as an error, and nbgrader goes on with the next student.
    """

    def preprocess(self, nb, resources):
        """Check every cell's nbgrader metadata, as `CheckCellMetadata` does.

        Parameters
        ----------
        nb : nbformat.NotebookNode
            The submitted notebook.
        resources : dict
            nbgrader's resources.

        Returns
        -------
        nb : nbformat.NotebookNode
        resources : dict

        Raises
        ------
        nbgrader.nbgraderformat.ValidationError
            If a cell's metadata is invalid, including metadata of another
            format version.
        """
        try:
            return super().preprocess(nb, resources)
        except (SchemaTooOldError, SchemaTooNewError) as error:
            message = (f"A cell's nbgrader metadata is of another format version ({error.args[0]}); "
                       "the submission's cells were edited or pasted from another notebook.")
            self.log.error(message)
            raise ValidationError(message) from None
