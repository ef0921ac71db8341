"""Observations unlike the course's, as real data come (validate_engine and bench_engine fit them).

Each is simulated (`data.mock`), written as FITS files and read back through
the course's reader (so the exposure map's units go through its BUNIT), then
given counts drawn exactly from the model with the simulator's truth on that
exposure map and mask (`engine.synthetic.redraw_counts`): the model then
describes the data exactly, and the truth must lie inside the posterior's
intervals as often as they say. What differs from the course's mocks:

* ``seconds``: the exposure map in seconds (no effective area, as
  XMM-Newton's), a short exposure of a bright cluster: F ~ 3 counts/s,
  above the absolute flux ceiling of the engine before issue 22;
* ``brighter``: ten times the course's cluster counts (ACIS-S);
* ``fainter``: a tenth of them, under the same background;
* ``4arcsec-512``: 4" pixels on a 512 x 512 image (the whole ACIS-I array);
* ``5000-counts``: a 7 ks exposure, about 5 000 counts in the good pixels.
"""
from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from solutions_lib.data.mock import ObservationPlan, simulate
from solutions_lib.data.mock.fitsio import write_observation
from solutions_lib.data.mock.simulate import CLUSTER_COUNTS
from solutions_lib.data.observation import prepare
from solutions_lib.engine.likelihood import PixelData
from solutions_lib.engine.models import DOUBLE
from solutions_lib.engine.synthetic import redraw_counts

CASES = {
    "seconds": ObservationPlan("", 2201, "acis-i", 8.0, "strong", cluster_counts=9 * CLUSTER_COUNTS,
                               exposure_units="s"),
    "brighter": ObservationPlan("", 2202, "acis-s", 60.0, "strong", cluster_counts=10 * CLUSTER_COUNTS),
    "fainter": ObservationPlan("", 2203, "acis-i", 60.0, "strong", cluster_counts=0.1 * CLUSTER_COUNTS),
    "4arcsec-512": ObservationPlan("", 2204, "acis-i", 60.0, "strong", pixel_arcsec=4.0, size=512),
    "5000-counts": ObservationPlan("", 2205, "acis-i", 7.0, "strong"),
}


@dataclass
class Observation:
    """Good pixels with exact-model counts, and the truth (double model, paramnames2 order)."""

    name: str
    pixels: PixelData
    truth: np.ndarray
    units: str


def observation(name: str, seed: int = 0) -> Observation:
    """The case ``name`` of `CASES`, its counts redrawn from the model with ``seed``."""
    plan = CASES[name]
    simulated = simulate(plan)
    with tempfile.TemporaryDirectory() as folder:
        paths = write_observation(simulated, folder)
        data = prepare(folder, Path(paths["mask"]).read_text())
    params = simulated.truth["params"]
    exact = redraw_counts(data, params, seed=seed)
    units = "counts/s/pixel" if plan.exposure_units == "s" else "counts/s/cm^2/pixel"
    return Observation(name, PixelData.from_data(exact), DOUBLE.vector(params), units)
