"""Priors in the observation's own scale, and the coordinates the optimiser and sampler work in.

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

Single model (independent priors):

* x0, y0: uniform over the image, 0 <= x0 <= nx - 1, 0 <= y0 <= ny - 1 (pixels);
* S0: log-uniform on ``S0_RANGE`` = [1e-9, 1e2] x rate per pixel. At S0 =
  rate per pixel, one pixel at the mean exposure would expect all N counts;
  the ceiling leaves a factor 100 above that (a cusp whose centre sits
  between pixels), the floor is far below any detectable cluster;
* rc: log-uniform on [1, max(nx, ny)] pixels (the model is evaluated at
  pixel centres, so a smaller core is not resolved: it could hide between
  them; a core wider than the image cannot be told from the background);
* beta: uniform on [0.3, 3];
* B: log-uniform on ``B_RANGE`` = [1e-4, 1e2] x N / n counts/pixel.

On the course's data sets (count rates 1.3e-3-4.5e-3 counts/s/cm^2, 0.06-1
counts per pixel) these bounds lie within a factor of 50 of the absolute ones
used before (S0 in [1e-12, 1e-2], F in [1e-8, 1], B in [1e-5, 10], rc <=
500), all of them decades away from every reference posterior, so the
posteriors there are the same (the reference answers regenerated with these
bounds agree with the old ones within sampling noise).

Double model: the same centre, background, core radii and slopes, with

* rc2 >= 2 rc: component 1 is always the compact one, so the components
  cannot swap labels, and it is compact enough not to be a second copy of
  the extended one (two components of similar size and different slopes
  can mimic one beta component, a degeneracy that no sampler crosses
  quickly); the cool-core truths of the simulator have rc2/rc >= 2;
* beta >= beta2: the compact component falls off at least as steeply as
  the extended one (without it, weak cores give a second mode, a compact
  but shallow component that dominates at large radius);
* instead of independent S0 and S02, the total flux inside 100 pixels,
  F = F1 + F2 (`flux`), is log-uniform on ``FLUX_RANGE`` = [1e-6, 1e2] x
  rate (the cluster cannot give many more counts than the image holds;
  a factor 100 allows for an aperture mostly masked or off the chips), and
  the compact component's share of it, f = F1 / F, is uniform on
  [0, 1/2]. Measured on the cool-core truths of the catalogue the share is
  0.06-0.31. Why: when the data do not need a second component (no cool
  core), independent log-uniform priors on S0 and S02 put most of the
  posterior mass in a funnel towards the lower bound of the superfluous
  amplitude, where its rc and beta are free, and no sampler converges there.
  With a uniform share the superfluous component is small but not
  vanishing, and with f <= 1/2 only the compact one can be the superfluous
  one: the extended component is always the bulk of the cluster.

Sampler coordinates ``z`` (used inside the optimiser and sampler only):
single ``(x0, y0, log S0, u, v, log B)``, double
``(x0, y0, log F, u, v, log B, w, u2, v2)``, with per component
``v = log(3 beta - 1/2)`` and ``u = log rc - v/2``, and
``f = F_SHARE_MAX * sigmoid(w)``. Logs turn the log-uniform priors into
uniform ones and straighten the S0-rc degeneracy. (u, v) straighten the
rc-beta banana: for steep profiles ``(1 + r^2/rc^2)^-(3 beta - 1/2)`` tends
to a Gaussian of width ``rc / sqrt(3 beta - 1/2)``, so at fixed data
rc^2/(3 beta - 1/2) is what stays fixed, i.e. u, while v moves. The prior
is uniform in the "flat" coordinates of `to_flat` (log S0 or log F, log rc,
beta, log B, f, ...), so its density in z is the Jacobian `log_jacobian_z`.
Results are always reported in natural units, in the order of
`model.names_for` (the notebook's paramnames / paramnames2). The index
constants ``I_S0`` ... ``I_BETA2`` are positions in that order; in ``z``
the double model's ``I_S0`` and ``I_S02`` hold log F and w.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit, logit

from .flux import flux_per_brightness
from .model import names_for

# Bounds in units of the observation's scales (see the module's description and `Prior.from_pixels`).
S0_RANGE = (1e-9, 1e2)        # single model's S0, x the count rate per pixel
FLUX_RANGE = (1e-6, 1e2)      # total flux F inside `flux.APERTURE`, x the count rate
B_RANGE = (1e-4, 1e2)         # background, x the mean counts per good pixel
RC_MIN = 1.0                  # pixels; the ceiling is the image's larger side
BETA_BOUNDS = (0.3, 3.0)
F_SHARE_MAX = 0.5             # the compact component carries at most this share of F
CORE_RATIO_MIN = 2.0          # rc2 >= CORE_RATIO_MIN * rc

I_S0, I_RC, I_BETA, I_B, I_S02, I_RC2, I_BETA2 = 2, 3, 4, 5, 6, 7, 8


def fluxes(theta) -> tuple[np.ndarray, np.ndarray]:
    """Total flux F inside the aperture and the compact share f, for double-model rows."""
    theta = np.asarray(theta, dtype=float)
    f1 = theta[..., I_S0] * flux_per_brightness(theta[..., I_RC], theta[..., I_BETA])
    f2 = theta[..., I_S02] * flux_per_brightness(theta[..., I_RC2], theta[..., I_BETA2])
    total = f1 + f2
    return total, f1 / total


def to_flat(theta, model: str) -> np.ndarray:
    """Natural parameters to the coordinates in which the prior is uniform: single
    (x0, y0, log S0, log rc, beta, log B), double (x0, y0, log F, log rc, beta, log B,
    f, log rc2, beta2)."""
    theta = np.asarray(theta, dtype=float)
    flat = theta.copy()
    if model == "double":
        with np.errstate(divide="ignore", invalid="ignore"):
            total, share = fluxes(theta)
        flat[..., I_S0], flat[..., I_S02] = total, share
        for i in (I_S0, I_RC, I_B, I_RC2):
            flat[..., i] = np.log(flat[..., i])
    else:
        for i in (I_S0, I_RC, I_B):
            flat[..., i] = np.log(flat[..., i])
    return flat


def from_flat(flat, model: str) -> np.ndarray:
    """Inverse of `to_flat`."""
    theta = np.array(flat, dtype=float)
    logs = (I_S0, I_RC, I_B, I_RC2) if model == "double" else (I_S0, I_RC, I_B)
    for i in logs:
        theta[..., i] = np.exp(theta[..., i])
    if model == "double":
        total, share = theta[..., I_S0].copy(), theta[..., I_S02].copy()
        theta[..., I_S0] = share * total / flux_per_brightness(theta[..., I_RC], theta[..., I_BETA])
        theta[..., I_S02] = (1.0 - share) * total / flux_per_brightness(theta[..., I_RC2], theta[..., I_BETA2])
    return theta


def _pairs(model):
    """Indices of (log rc, beta) pairs per component in paramnames order."""
    return ((I_RC, I_BETA),) if model == "single" else ((I_RC, I_BETA), (I_RC2, I_BETA2))


def to_sampler(theta, model: str) -> np.ndarray:
    """Natural parameters (paramnames order, last axis) to sampler coordinates."""
    z = to_flat(theta, model)
    for i_rc, i_beta in _pairs(model):
        v = np.log(3.0 * z[..., i_beta] - 0.5)
        z[..., i_rc] = z[..., i_rc] - 0.5 * v
        z[..., i_beta] = v
    if model == "double":
        with np.errstate(divide="ignore"):
            z[..., I_S02] = logit(z[..., I_S02] / F_SHARE_MAX)
    return z


def from_sampler(z, model: str) -> np.ndarray:
    """Sampler coordinates back to natural parameters (paramnames order)."""
    flat = np.array(z, dtype=float)
    for i_rc, i_beta in _pairs(model):
        v = flat[..., i_beta].copy()
        flat[..., i_rc] = flat[..., i_rc] + 0.5 * v
        flat[..., i_beta] = (np.exp(v) + 0.5) / 3.0
    if model == "double":
        flat[..., I_S02] = F_SHARE_MAX * expit(flat[..., I_S02])
    return from_flat(flat, model)


def log_jacobian_z(z, model: str) -> np.ndarray:
    """log |d(flat coordinates)/dz|: the log-prior density in z, up to a constant."""
    z = np.atleast_2d(z)
    out = sum(z[:, i_beta] for _, i_beta in _pairs(model)) - len(_pairs(model)) * np.log(3.0)
    if model == "double":
        w = z[:, I_S02]
        # d f / d w = F_SHARE_MAX * s (1 - s), s = sigmoid(w); log s = -log(1 + e^-w)
        out = out + np.log(F_SHARE_MAX) - np.logaddexp(0.0, -w) - np.logaddexp(0.0, w)
    return out


@dataclass(frozen=True)
class Prior:
    """The prior bounds of one observation, in natural units (see the module's description).

    ``shape`` is the image's (ny, nx); ``S0``, ``F``, ``B`` and ``rc`` are
    (lower, upper) pairs: the single model's central brightness, the double
    model's total flux inside `flux.APERTURE`, the background (counts per
    pixel) and both core radii (pixels). Build it from the data with
    `from_pixels`; it is frozen, so a fit's prior is a record of what it used.
    """

    shape: tuple
    S0: tuple
    F: tuple
    B: tuple
    rc: tuple

    @classmethod
    def from_pixels(cls, pixels) -> "Prior":
        """The prior of the good pixels ``pixels`` (a `likelihood.PixelData`).

        Scales: the count rate N / E (N counts in the good pixels, E their
        mean exposure) and the mean counts per good pixel N / n; bounds at
        `S0_RANGE`, `FLUX_RANGE` and `B_RANGE` times them, core radii from
        `RC_MIN` to the image's larger side.
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
        """(lower, upper) of parameter ``name``: paramnames2 but S02 (the double model bounds S0 and S02
        through F and f, which it also answers for)."""
        ny, nx = self.shape
        ranges = {"x0": (0.0, float(nx - 1)), "y0": (0.0, float(ny - 1)), "S0": self.S0,
                  "rc": self.rc, "rc2": self.rc, "beta": BETA_BOUNDS, "beta2": BETA_BOUNDS, "B": self.B,
                  "F": self.F, "f": (0.0, F_SHARE_MAX)}
        if name not in ranges:
            raise KeyError(f"no prior range for {name!r}; parameters are {sorted(ranges)}")
        return tuple(float(v) for v in ranges[name])

    def box(self, model: str) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper bounds of the natural parameters of ``model`` (paramnames order); the
        double model's S0 and S02 are only required to be positive (their prior is on the flux
        and share, see `in_support`)."""
        pairs = [(0.0, np.inf) if model == "double" and name in ("S0", "S02") else self.range_of(name)
                 for name in names_for(model)]
        lower, upper = zip(*pairs)
        return np.array(lower), np.array(upper)

    def in_support(self, theta, model: str) -> np.ndarray:
        """Which rows of natural parameters ``theta`` lie inside the prior."""
        lower, upper = self.box(model)
        theta = np.atleast_2d(np.asarray(theta, dtype=float))
        ok = np.all(np.isfinite(theta), axis=1) & np.all(theta >= lower, axis=1) & np.all(theta <= upper, axis=1)
        if model == "double":
            ok &= theta[:, I_RC2] >= CORE_RATIO_MIN * theta[:, I_RC]
            ok &= theta[:, I_BETA] >= theta[:, I_BETA2]
            ok &= (theta[:, I_S0] > 0) & (theta[:, I_S02] > 0)
            with np.errstate(divide="ignore", invalid="ignore"):
                total, share = fluxes(np.where(ok[:, None], theta, 1.0))
            ok &= (total >= self.F[0]) & (total <= self.F[1]) & (share <= F_SHARE_MAX)
        return ok

    def pull_inside(self, theta, model: str) -> np.ndarray:
        """A copy of one parameter vector moved just inside the bounds of `box`, and for the double
        model with both normalisations scaled together so that the flux F lies inside its range
        (the order of the components is `starts.into_prior`'s business). Optimiser starts read off
        the data lie inside already; with a prior too narrow for the data they would not, and the
        fit, instead of stopping, runs into the bound where its self-checks report it."""
        lower, upper = self.box(model)
        inside = np.exp(1e-3)      # a thousandth of an e-fold inside a bound
        theta = np.clip(np.asarray(theta, dtype=float), lower * inside, upper / inside)
        if model == "double":
            total = fluxes(theta)[0]
            factor = np.clip(total, self.F[0] * inside, self.F[1] / inside) / total
            theta[I_S0] *= factor
            theta[I_S02] *= factor
        return theta

    def log_prior(self, theta, model: str) -> float:
        """Log-prior density of natural parameters, up to a constant (0 inside, -inf outside).

        The density is uniform in the coordinates of `to_flat`; this is the
        log of the density with respect to those coordinates (a constant).
        """
        theta = np.asarray(theta, dtype=float)
        n = len(names_for(model))
        if theta.shape != (n,):
            raise ValueError(f"the {model} model has {n} parameters in paramnames order; got shape {theta.shape}")
        return 0.0 if bool(self.in_support(theta, model)[0]) else -np.inf

    def as_dict(self) -> dict:
        """JSON-ready record: the image shape and every parameter's (lower, upper)."""
        names = ("x0", "y0", "S0", "rc", "beta", "B", "rc2", "beta2", "F", "f")
        return {"shape": list(self.shape), "bounds": {name: list(self.range_of(name)) for name in names}}

    @classmethod
    def from_dict(cls, record: dict) -> "Prior":
        """Inverse of `as_dict` (a stored fit's prior, e.g. in the reference answers)."""
        bounds = record["bounds"]
        return cls(shape=tuple(record["shape"]), S0=tuple(bounds["S0"]), F=tuple(bounds["F"]),
                   B=tuple(bounds["B"]), rc=tuple(bounds["rc"]))
