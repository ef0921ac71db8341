"""nbgrader's output limits, in bytes as well as in lines."""
from __future__ import annotations

import json

from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import LimitOutput
from traitlets import Integer

TRUNCATED = "\n... output truncated by the autograder: more than {limit} of output ...\n"


def _size(output) -> int:
    return len(json.dumps(output, ensure_ascii=False).encode())


def _mb(limit: int) -> str:
    return f"{limit / 2**20:g} MB"


class LimitOutputBytes(LimitOutput):
    """`LimitOutput` (lines of text, lines of traceback) plus caps on bytes per cell and per notebook.

    LimitOutput counts lines, so one 45 MB line, or a figure of tens of MB,
    passes it whole into the autograded notebook, formgrader and the
    feedback page. Here a cell keeps its outputs in order while they fit
    ``max_cell_bytes`` (a stream that crosses the limit is cut, and the
    rest is replaced by a note), and cells stop keeping outputs once the
    notebook's outputs reach ``max_notebook_bytes``.
    """

    max_cell_bytes = Integer(2 * 2**20, help="Largest size of one cell's outputs, in bytes (JSON).").tag(config=True)
    max_notebook_bytes = Integer(20 * 2**20, help="Largest size of all outputs of a notebook, in bytes (JSON)."
                                 ).tag(config=True)

    def preprocess(self, nb, resources):
        """Limit the outputs of every cell, with the whole notebook's byte budget.

        Parameters
        ----------
        nb : nbformat.NotebookNode
            The graded notebook.
        resources : dict
            nbgrader's resources.

        Returns
        -------
        nb : nbformat.NotebookNode
        resources : dict
        """
        self._left = self.max_notebook_bytes
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        """`LimitOutput`'s line limits, then the byte caps, on one cell's outputs.

        Parameters
        ----------
        cell : nbformat.NotebookNode
            One cell of the graded notebook.
        resources : dict
            nbgrader's resources.
        index : int
            The cell's index in the notebook.

        Returns
        -------
        cell : nbformat.NotebookNode
        resources : dict
        """
        cell, resources = super().preprocess_cell(cell, resources, index)
        if cell.cell_type == "code":
            if self._left < self.max_cell_bytes:
                budget, cap = max(self._left, 0), self.max_notebook_bytes
            else:
                budget, cap = self.max_cell_bytes, self.max_cell_bytes
            cell.outputs = self._within(cell.outputs, budget, _mb(cap))
            self._left -= sum(_size(output) for output in cell.outputs)
        return cell, resources

    @staticmethod
    def _within(outputs, budget: int, cap: str) -> list:
        """The outputs that fit in ``budget`` bytes, then a note naming the ``cap`` that cut them."""
        kept, used = [], 0
        for output in outputs:
            size = _size(output)
            if used + size <= budget:
                kept.append(output)
                used += size
                continue
            room = budget - used
            if output.get("output_type") == "stream" and room > 1024:
                text = output.get("text", "")
                output.text = text.encode()[: room - 512].decode(errors="ignore")
                kept.append(output)
            kept.append(NotebookNode(output_type="stream", name="stdout", text=TRUNCATED.format(limit=cap)))
            break
        return kept
