"""`SingleBeta`: one beta component plus a flat background (the notebook's first model).

Prior (independent, bounds from the observation, see `priors`): x0, y0
uniform over the image; S0 log-uniform on ``S0_RANGE`` times the count rate
per pixel; rc log-uniform from `priors.RC_MIN` to the image's larger side;
beta uniform on ``BETA_BOUNDS``; B log-uniform on ``B_RANGE`` times the
mean counts per good pixel. Sampler coordinates
``(x0, y0, log S0, u, v, log B)``.
"""
from __future__ import annotations

import numpy as np

from ..model import PARAMNAMES
from ..sampler import Schedule
from .base import Model


class SingleBeta(Model):
    """One beta component ``S0 (1 + r^2/rc^2)^(1/2 - 3 beta)`` and a background ``B`` per pixel."""

    name = "single"
    paramnames = tuple(PARAMNAMES)
    flat_names = ("x0", "y0", "S0", "rc", "beta", "B")
    log_names = ("S0", "rc", "B")
    profiles = (("rc", "beta"),)
    chains_variable, dic_variable = "chains", "DIC1"
    min_neff = 200
    schedule = Schedule(n_walkers=12, n_burn=300, block=900, max_steps=6000)

    def optimiser_starts(self, guess: np.ndarray, nested_map: np.ndarray | None = None) -> list:
        """``guess`` with its core radius and brightness set to a few typical proportions.

        Parameters
        ----------
        guess : ndarray, shape (6,)
            `optimize.initial_guess` of the data.
        nested_map : ndarray or None, optional
            Unused: the model contains no other.

        Returns
        -------
        list of ndarray, shape (6,)
            Three starts (rc = 8, 25 and 3 pixels).
        """
        return [guess * np.array([1, 1, f, rc / 8.0, 1, 1])
                for f, rc in ((1.0, 8.0), (0.5, 25.0), (2.0, 3.0))]


SINGLE = SingleBeta()
