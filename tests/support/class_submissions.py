"""A small class of cheap submissions for the tests of class-wide grading and the class report.

Built from a course's own freshly generated release, so that the
submissions match its gradebook. None of them runs an MCMC, so each
notebook takes seconds in the sandbox:

* ``blank``: the release as handed out; no assigned data set;
* ``honest``: honest answers to the first four tests on its assigned
  data set, nothing after;
* ``chains``: the same four answers for the default data set, while
  assigned another one, plus chains and DICs loaded from files handed in
  beside the notebook (independent draws around the assigned data set's
  reference posterior), so that the class comparison has something to show.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import numpy as np

from solutions_lib.course import release
from solutions_lib.data import catalogue
from solutions_lib.engine.model import PARAMNAMES, PARAMNAMES2
from solutions_lib.grading import reference

from notebook_edits import find_cell, set_answer

REFERENCE_JSON = reference.REFERENCE_FILE
ASSIGNED = {"honest": "cl_j0142", "chains": "cl_j0815"}  # blank has none
HONEST_POINTS = 10.0  # region mask 3 + exposure mask 2 + rebuilt image 2 + betaModel 3


def set_dataset(notebook, name: str):
    """Set the notebook's ``dataset_name`` (the cell a student edits to choose a data set)."""
    index = find_cell(notebook, lambda cell: cell.cell_type == "code"
                      and re.match(r"\s*dataset_name\s*=", cell.source) is not None)
    notebook.cells[index].source = f'dataset_name = "{name}"'
    return notebook


def first_answers(notebook, name: str):
    """Honest answers to the mask, image and betaModel tests for data set ``name``."""
    regions = catalogue.reference_region_string(name)
    notebook = set_dataset(notebook, name)
    notebook = set_answer(notebook, "region_string", f'region_string = """{regions}"""')
    notebook = set_answer(notebook, "exp_mask", "exp_mask = ex < 0.5 * ex.max()")
    notebook = set_answer(notebook, "new_im", "new_im = np.full(data['im'].shape, np.nan)\n"
                                              "new_im.flat[data['goodpix']] = data['flatim']")
    return set_answer(notebook, "betaModel", "@njit\ndef betaModel(r, S0, rc, beta):\n"
                                             "    return S0 * (1.0 + (r / rc) ** 2) ** (0.5 - 3.0 * beta)\n")


def made_up_chains(name: str, folder: Path, seed: int = 0, steps: int = 400) -> list[Path]:
    """Files with chains (4 x ``steps``) around ``name``'s reference posterior and its
    reference DICs."""
    reference = json.loads(REFERENCE_JSON.read_text())["datasets"][name]
    rng = np.random.default_rng(seed)
    paths = []
    for model, names, file in (("single", PARAMNAMES, "chains1.npy"), ("double", PARAMNAMES2, "chains2.npy")):
        median = np.array([reference[model]["median"][k] for k in names])
        sd = np.array([reference[model]["sd"][k] for k in names])
        np.save(folder / file, median + sd * rng.standard_normal((4, steps, len(names))))
        paths.append(folder / file)
    np.save(folder / "dics.npy", np.array([reference["single"]["dic"], reference["double"]["dic"]]))
    return [*paths, folder / "dics.npy"]


def submit_class(root: Path, work: Path) -> None:
    """Write assignments.csv and submit the three students into the course at ``root``."""
    released = nbformat.read(root / "release" / release.ASSIGNMENT / f"{release.NOTEBOOK}.ipynb", as_version=4)
    (root / "assignments.csv").write_text(
        "student_id,dataset\n" + "".join(f"{s},{d}\n" for s, d in sorted(ASSIGNED.items())))
    notebooks = {"blank": released, "honest": first_answers(released, ASSIGNED["honest"])}
    chains = first_answers(released, catalogue.DEFAULT_DATASET)
    chains = set_answer(chains, "fit_single", "chains = np.load('chains1.npy')")
    chains = set_answer(chains, "fit_double", "chains2 = np.load('chains2.npy')")
    notebooks["chains"] = set_answer(chains, "dic", "DIC1, DIC2 = (float(v) for v in np.load('dics.npy'))")
    extra = {"chains": made_up_chains(ASSIGNED["chains"], work)}
    for student, notebook in notebooks.items():
        path = work / f"{student}.ipynb"
        nbformat.write(notebook, path)
        release.submit(root, student, path, extra_files=extra.get(student, ()))
