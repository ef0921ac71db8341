"""Answer folders of honest submissions, as the grading sandbox stores them, from cached honest chains.

Each folder holds what the instructor notebook's hidden tests hand in
(``dataset``, ``region_mask``, ``exposure_mask``, ``rebuilt_image``,
``beta_model``, ``chains-*``, ``posterior-*``, ``dic``), written by the
kernel side's own `hand_in`, for a student who used the reference mask and
sampled with the reference engine (`honest_chains`, kind ``engine``). The
judging benchmark (`bench_grading.py --judging`) judges them.
"""
from __future__ import annotations

import os
from pathlib import Path

import honest_chains
from solutions_lib.data import catalogue
from solutions_lib.data.masks import exposure_mask, region_mask
from solutions_lib.data.observation import add_good_pixels, data_dict, load_observation, rebuild_image
from solutions_lib.engine.dic import compute_dic
from solutions_lib.engine.model import beta_model
from solutions_lib.engine.models import DOUBLE, SINGLE
from solutions_lib.grading.kernel_side import xray_handin


def write_answers(folder: Path, name: str, chains: dict) -> Path:
    """Hand in an honest submission's answers on data set ``name`` into ``folder``; return it."""
    obs = load_observation(catalogue.course_data_dir(name))
    regions = region_mask(catalogue.reference_region_string(name), obs.wcs, obs.im.shape)
    exp_mask = exposure_mask(obs.ex)
    data = add_good_pixels(data_dict(obs), regions | exp_mask)
    goodpix = data["goodpix"]
    single, double = chains["chains"], chains["chains2"]
    folder.mkdir(parents=True, exist_ok=True)
    previous = os.environ.get(xray_handin.ANSWERS_ENV)
    os.environ[xray_handin.ANSWERS_ENV] = str(folder)
    try:
        xray_handin.hand_in("dataset", dataset_name=name)
        xray_handin.hand_in("region_mask", region_mask=regions)
        xray_handin.hand_in("exposure_mask", exp_mask=exp_mask)
        xray_handin.hand_in("rebuilt_image", new_im=rebuild_image(data), goodpix=goodpix)
        xray_handin.hand_in("beta_model", **xray_handin.probe_beta_model(beta_model))
        for key, value in (("single", single), ("double", double)):
            xray_handin.hand_in(f"chains-{key}", chains=value, goodpix=goodpix)
            xray_handin.hand_in(f"posterior-{key}", chains=value, goodpix=goodpix)
        xray_handin.hand_in("dic", DIC1=compute_dic(single, data, SINGLE), DIC2=compute_dic(double, data, DOUBLE),
                            chains=single, chains2=double, goodpix=goodpix)
    finally:
        if previous is None:
            del os.environ[xray_handin.ANSWERS_ENV]
        else:
            os.environ[xray_handin.ANSWERS_ENV] = previous
    return folder


def stored_class(root: Path, students: int, names: list[str]) -> dict[str, tuple[Path, str]]:
    """``students`` honest answer folders under ``root``, the data sets ``names`` in turn: student -> (folder, data set).

    Honest chains are made (and cached) first where missing.
    """
    table = {}
    for index in range(students):
        name = names[index % len(names)]
        student = f"student{index + 1:02d}"
        folder = root / student
        if not (folder / "dic.npz").is_file():
            write_answers(folder, name, honest_chains.make(name, "engine"))
        table[student] = (folder, name)
    return table
