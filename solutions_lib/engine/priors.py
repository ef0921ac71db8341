"""The prior's bounds in the observation's own scale, which every model (`models`) draws on.

The bounds are not absolute numbers: they follow the observation
(`Prior.from_pixels`), so that a change of units or of instrument moves the
prior with the data. An exposure map in seconds instead of cm^2 s, a longer
exposure, a brighter cluster or bigger pixels change S0, F and B by orders
of magnitude; with absolute bounds set for the course's Chandra mocks such
data pressed the posterior against a bound (an XMM-Newton observation with
its map in seconds has F ~ 3 counts/s, above the old ceiling F <= 1), and
the sampler converged against that wall. Two scales, both read off the good
pixels (N counts in n pixels of mean exposure E, in whatever units the map
has):

* the count rate ``rate = N / E`` (counts/s/cm^2 for a map in cm^2 s,
  counts/s for a map in s): the flux that, at the mean exposure, would give
  every count of the image. On the course's data sets the cluster's flux
  inside 100 pixels is 0.2-0.8 of it, and its central brightness S0 is
  1e-4-1e-2 of it per pixel;
* the mean counts per good pixel ``N / n``: the background B is 0.06-0.5 of
  it on the course's data sets (it cannot be much more: it is a floor under
  every pixel).

The bounds (each model, `models`, says which it uses and how):

* x0, y0: uniform over the image, 0 <= x0 <= nx - 1, 0 <= y0 <= ny - 1 (pixels);
* S0 (single model): log-uniform on ``S0_RANGE`` = [1e-9, 1e2] x rate per
  pixel. At S0 = rate per pixel, one pixel at the mean exposure would expect
  all N counts; the ceiling leaves a factor 100 above that (a cusp whose
  centre sits between pixels), the floor is far below any detectable cluster;
* F (double model): the total flux inside 100 pixels, log-uniform on
  ``FLUX_RANGE`` = [1e-6, 1e2] x rate, and f, the compact component's share
  of it, uniform on [0, ``F_SHARE_MAX``] (`models.double` says why);
* rc, rc2: log-uniform on [1, max(nx, ny)] pixels (the model is evaluated at
  pixel centres, so a smaller core is not resolved: it could hide between
  them; a core wider than the image cannot be told from the background);
* beta, beta2: uniform on [0.3, 3];
* B: log-uniform on ``B_RANGE`` = [1e-4, 1e2] x N / n counts/pixel.

On the course's data sets (count rates 1.3e-3-4.5e-3 counts/s/cm^2, 0.06-1
counts per pixel) these bounds lie within a factor of 50 of the absolute ones
used before (S0 in [1e-12, 1e-2], F in [1e-8, 1], B in [1e-5, 10], rc <=
500), all of them decades away from every reference posterior, so the
posteriors there are the same (the reference answers regenerated with these
bounds agree with the old ones within sampling noise).

Sampler coordinates (used inside the optimiser and sampler only, see
`models.Model.to_sampler`): per beta component ``v = log(3 beta - 1/2)``
and ``u = log rc - v/2``, the other coordinates as in the "flat"
coordinates in which the prior is uniform (`models.Model.to_flat`: log S0
or log F, log rc, beta, log B, the share f, ...). Logs turn the
log-uniform priors into uniform ones and straighten the S0-rc degeneracy.
(u, v) straighten the rc-beta banana: for steep profiles
``(1 + r^2/rc^2)^-(3 beta - 1/2)`` tends to a Gaussian of width
``rc / sqrt(3 beta - 1/2)``, so at fixed data rc^2/(3 beta - 1/2) is what
stays fixed, i.e. u, while v moves. The prior's density in z is the
Jacobian `models.Model.log_jacobian_z`. Results are always reported in
natural units, in the order of the model's ``paramnames`` (the notebook's
paramnames / paramnames2).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Bounds in units of the observation's scales (see the module's description and `Prior.from_pixels`).
S0_RANGE = (1e-9, 1e2)        # single model's S0, x the count rate per pixel
FLUX_RANGE = (1e-6, 1e2)      # total flux F inside `flux.APERTURE`, x the count rate
B_RANGE = (1e-4, 1e2)         # background, x the mean counts per good pixel
RC_MIN = 1.0                  # pixels; the ceiling is the image's larger side
BETA_BOUNDS = (0.3, 3.0)
F_SHARE_MAX = 0.5             # the compact component carries at most this share of F
CORE_RATIO_MIN = 2.0          # rc2 >= CORE_RATIO_MIN * rc


@dataclass(frozen=True)
class Prior:
    """The prior bounds of one observation, in natural units (see the module's description).

    Build it from the data with `from_pixels`; it is frozen, so a fit's
    prior is a record of what it used. Each model turns it into its own
    bounds (`models.Model.box`, ``in_support``).

    Parameters
    ----------
    shape : tuple of int
        The image's ``(ny, nx)``.
    S0 : tuple of float
        (lower, upper) of the single model's central brightness.
    F : tuple of float
        (lower, upper) of the double model's total flux inside
        `flux.APERTURE`.
    B : tuple of float
        (lower, upper) of the background, in counts per pixel.
    rc : tuple of float
        (lower, upper) of both core radii, in pixels.
    """

    shape: tuple
    S0: tuple
    F: tuple
    B: tuple
    rc: tuple

    @classmethod
    def from_pixels(cls, pixels) -> "Prior":
        """The prior of the good pixels ``pixels``.

        Scales: the count rate N / E (N counts in the good pixels, E their
        mean exposure) and the mean counts per good pixel N / n; bounds at
        `S0_RANGE`, `FLUX_RANGE` and `B_RANGE` times them, core radii from
        `RC_MIN` to the image's larger side.

        Parameters
        ----------
        pixels : `likelihood.PixelData`
            The good pixels.

        Returns
        -------
        Prior

        Raises
        ------
        ValueError
            If the good pixels hold no counts.
        """
        counts = float(np.sum(pixels.counts))
        if not counts > 0:
            raise ValueError("The good pixels hold no counts, so there is nothing to fit and no scale for "
                             "the prior: check the mask (it may cover the whole cluster) and the image.")
        rate = counts / float(np.mean(pixels.exposure))
        per_pixel = counts / pixels.size
        shape = tuple(int(n) for n in pixels.shape)
        return cls(shape=shape,
                   S0=(S0_RANGE[0] * rate, S0_RANGE[1] * rate),
                   F=(FLUX_RANGE[0] * rate, FLUX_RANGE[1] * rate),
                   B=(B_RANGE[0] * per_pixel, B_RANGE[1] * per_pixel),
                   rc=(RC_MIN, float(max(shape))))

    def range_of(self, name: str) -> tuple:
        """(lower, upper) of one parameter.

        Parameters
        ----------
        name : str
            A name of paramnames2 other than S02 (the double model bounds S0 and
            S02 through F and f, which this also answers for).

        Returns
        -------
        tuple of float

        Raises
        ------
        KeyError
            If ``name`` has no range.
        """
        ny, nx = self.shape
        ranges = {"x0": (0.0, float(nx - 1)), "y0": (0.0, float(ny - 1)), "S0": self.S0,
                  "rc": self.rc, "rc2": self.rc, "beta": BETA_BOUNDS, "beta2": BETA_BOUNDS, "B": self.B,
                  "F": self.F, "f": (0.0, F_SHARE_MAX)}
        if name not in ranges:
            raise KeyError(f"no prior range for {name!r}; parameters are {sorted(ranges)}")
        return tuple(float(v) for v in ranges[name])

    def as_dict(self) -> dict:
        """JSON-ready record: the image shape and every parameter's (lower, upper)."""
        names = ("x0", "y0", "S0", "rc", "beta", "B", "rc2", "beta2", "F", "f")
        return {"shape": list(self.shape), "bounds": {name: list(self.range_of(name)) for name in names}}

    @classmethod
    def from_dict(cls, record: dict) -> "Prior":
        """Inverse of `as_dict` (a stored fit's prior, e.g. in the reference answers).

        Parameters
        ----------
        record : dict
            As written by `as_dict`.

        Returns
        -------
        Prior
        """
        bounds = record["bounds"]
        return cls(shape=tuple(record["shape"]), S0=tuple(bounds["S0"]), F=tuple(bounds["F"]),
                   B=tuple(bounds["B"]), rc=tuple(bounds["rc"]))
