"""A notebook as Google Colab saves it, for the tests of hand-ins made in Colab.

What Colab does to a notebook it saves (to Drive, or File > Download .ipynb), as far as
the grader can notice:

* the file is nbformat 4.0 (``nbformat_minor`` 0), so cells lose the ``id`` of nbformat 4.5;
  Colab keeps its own cell id in the cell's metadata (``metadata.id``);
* the notebook's metadata gains ``colab`` (``provenance``) and Colab's own ``kernelspec``
  and ``language_info``;
* a code cell with outputs gains ``colab`` (``base_uri``) and ``outputId`` metadata, and
  one that ran, ``executionInfo`` (status, time, who ran it);
* it may drop the ``deletable`` and ``editable`` flags nbgrader puts on locked cells;
* other cell metadata (``nbgrader`` among it) is kept.
"""

from __future__ import annotations

import copy
import random
import string
import uuid

import nbformat

_ID_CHARS = string.ascii_letters + string.digits + "_-"


def as_colab_saves(notebook, seed: int = 0):
    """``notebook`` with Colab's changes on save (see the module's docstring)."""
    rng = random.Random(seed)
    saved = copy.deepcopy(notebook)
    saved.nbformat, saved.nbformat_minor = 4, 0
    saved.metadata = nbformat.from_dict({
        **{k: v for k, v in saved.metadata.items() if k not in ("kernelspec", "language_info")},
        "colab": {"provenance": []},
        "kernelspec": {"name": "python3", "display_name": "Python 3"},
        "language_info": {"name": "python"},
    })
    for cell in saved.cells:
        cell.pop("id", None)
        for flag in ("deletable", "editable"):
            cell.metadata.pop(flag, None)
        cell.metadata["id"] = "".join(rng.choice(_ID_CHARS) for _ in range(12))
        if cell.cell_type == "code" and cell.outputs:
            cell.metadata["colab"] = {"base_uri": "https://localhost:8080/"}
            cell.metadata["outputId"] = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        if cell.cell_type == "code" and cell.execution_count:
            cell.metadata["executionInfo"] = {
                "status": "ok", "timestamp": 1767225600000 + 1000 * cell.execution_count,
                "user_tz": 0, "elapsed": 25,
                "user": {"displayName": "A Student", "userId": "01234567890123456789"}}
    return saved
