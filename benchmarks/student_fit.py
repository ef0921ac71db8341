"""A student's solution of the tutorial's fitting cells, written as the notebook suggests.

Nothing here comes from `solutions_lib`: the data are read with astropy and
regions as in the notebook, the log-likelihood is a plain `numba` loop over
the good pixels (``parallel=True``, so both cores work), the maximum comes
from scipy, and the posterior is sampled with emcee's `DEMove`. The double
model is sampled in the coordinates the notebook recommends: the total flux
inside 100 pixels (log-uniform) and the compact component's share of it
(uniform on [0, 1/2]), with 1 <= rc, rc2 >= 2 rc and beta >= beta2.
`benchmarks/student_double.py` times it and grades the result.
"""
from __future__ import annotations

import math
import time

import emcee
import incredible as cr
import numpy as np
from astropy.io import fits
from astropy.wcs import WCS
from numba import njit, prange
from regions import Regions
from scipy.optimize import minimize

APERTURE = 100.0


def load(datapath: str, region_string: str) -> dict:
    """The notebook's ``data`` dict: counts, exposure and coordinates of the good pixels."""
    with fits.open(datapath + "image_0.6-2.0keV.fits.gz") as imfits, \
            fits.open(datapath + "expmap_1.25kev.fits.gz") as exfits:
        im = imfits[0].data.astype(np.int64)
        ex = exfits[0].data * imfits[0].header["EXPOSURE"]
        wcs = WCS(imfits[0].header).celestial
    mask = ex < 0.5 * ex.max()
    for shape in Regions.parse(region_string, format="ds9"):
        stamp = shape.to_pixel(wcs).to_mask(mode="center").to_image(im.shape)
        if stamp is not None:
            mask |= stamp.astype(bool)
    ny, nx = im.shape
    imx, imy = np.meshgrid(np.arange(nx), np.arange(ny))
    good = np.flatnonzero(~mask)
    return {"im": im, "ex": ex, "goodpix": good, "flatim": im.ravel()[good].astype(np.float64),
            "flatex": ex.ravel()[good].astype(np.float64),
            "flatx": imx.ravel()[good].astype(np.float64), "flaty": imy.ravel()[good].astype(np.float64)}


@njit(parallel=True, fastmath=True)
def loglike_double(x, y, e, n, x0, y0, S0, rc, beta, B, S02, rc2, beta2):
    """sum over good pixels of N log(mu) - mu, with log(N!) left out."""
    total = 0.0
    for i in prange(x.size):
        r2 = (x[i] - x0) ** 2 + (y[i] - y0) ** 2
        mu = (S0 * (1.0 + r2 / rc**2) ** (0.5 - 3.0 * beta)
              + S02 * (1.0 + r2 / rc2**2) ** (0.5 - 3.0 * beta2)) * e[i] + B
        total += n[i] * math.log(mu) - mu
    return total


def flux_inside(rc, beta, radius=APERTURE):
    """Flux of a beta component with S0 = 1 inside ``radius`` (closed form of the integral)."""
    a = 1.5 - 3.0 * beta
    t = math.log1p((radius / rc) ** 2)
    return math.pi * rc**2 * (t if abs(a) < 1e-8 else math.expm1(a * t) / a)


def natural(p):
    """Sampled coordinates -> paramnames2 order (x0, y0, S0, rc, beta, B, S02, rc2, beta2)."""
    x0, y0, lnF, lnrc, beta, lnB, share, lnrc2, beta2 = p
    F, rc, rc2 = math.exp(lnF), math.exp(lnrc), math.exp(lnrc2)
    S0 = share * F / flux_inside(rc, beta)
    S02 = (1.0 - share) * F / flux_inside(rc2, beta2)
    return np.array([x0, y0, S0, rc, beta, math.exp(lnB), S02, rc2, beta2])


def log_posterior(p, data, shape):
    """Uniform priors in the sampled coordinates (bounded), plus the Poisson likelihood."""
    x0, y0, lnF, lnrc, beta, lnB, share, lnrc2, beta2 = p
    inside = (0 <= x0 < shape[1] and 0 <= y0 < shape[0] and math.log(1e-8) < lnF < 0.0
              and 0.0 < lnrc and lnrc + math.log(2.0) <= lnrc2 < math.log(500.0)
              and 0.3 <= beta2 <= beta <= 3.0
              and math.log(1e-5) < lnB < math.log(10.0) and 0.0 < share <= 0.5)
    if not inside:
        return -np.inf
    return loglike_double(data["flatx"], data["flaty"], data["flatex"], data["flatim"], *natural(p))


def to_sampled(theta):
    """paramnames2 values -> sampled coordinates (inverse of `natural`)."""
    x0, y0, S0, rc, beta, B, S02, rc2, beta2 = theta
    f1, f2 = S0 * flux_inside(rc, beta), S02 * flux_inside(rc2, beta2)
    return np.array([x0, y0, math.log(f1 + f2), math.log(rc), beta, math.log(B), f1 / (f1 + f2),
                     math.log(rc2), beta2])


def find_maximum(data, single_median):
    """Posterior maximum (Nelder-Mead) from a few compact-core guesses around the single fit."""
    x0, y0, S0, rc, beta, B = single_median
    shape = data["im"].shape
    best = None
    for share, rc_core, rc_halo in ((0.05, 3.0, max(rc, 20.0)), (0.2, 6.0, 1.5 * rc), (0.3, 0.5 * rc, 2.0 * rc)):
        F = S0 * flux_inside(rc, max(beta, 0.55))
        start = np.array([x0, y0, math.log(F), math.log(min(rc_core, 0.45 * rc_halo)), max(beta, 0.9), math.log(B),
                          share, math.log(rc_halo), min(beta, 0.7)])
        result = minimize(lambda p: -log_posterior(p, data, shape), start, method="Nelder-Mead",
                          options={"maxfev": 6000, "xatol": 1e-4, "fatol": 1e-3})
        if best is None or result.fun < best.fun:
            best = result
    return best.x


def sample(data, start, seed=0, n_walkers=32, burn=1000, chunk=500, max_seconds=600.0, log=print):
    """emcee with DEMove from a small ball around ``start``; after burn-in, sample in chunks
    until R < 1.1 and n_eff > 150 (incredible, maxlag=750) or ``max_seconds`` of sampling on
    two cores (2 x max_seconds of CPU time).

    Returns (chains in paramnames2 order, R, n_eff, wall seconds of sampling, CPU seconds of
    this process over the same span: on a shared machine the CPU time says what the sampling
    would take with two idle cores, about half of it)."""
    shape = data["im"].shape
    rng = np.random.default_rng(seed)
    scale = np.array([0.1, 0.1, 0.01, 0.02, 0.01, 0.005, 0.01, 0.02, 0.01])
    walkers = []
    while len(walkers) < n_walkers:
        p = start + scale * rng.standard_normal(start.size)
        if np.isfinite(log_posterior(p, data, shape)):
            walkers.append(p)
    sampler = emcee.EnsembleSampler(n_walkers, start.size, log_posterior, args=(data, shape),
                                    moves=emcee.moves.DEMove())
    sampler.random_state = np.random.RandomState(seed).get_state()
    started, cpu_started = time.perf_counter(), time.process_time()
    state = sampler.run_mcmc(np.array(walkers), burn)
    sampler.reset()
    R = neff = None
    while time.process_time() - cpu_started < 2.0 * max_seconds:     # two cores' worth
        state = sampler.run_mcmc(state, chunk)
        sampled = sampler.get_chain()                        # (steps, walkers, 9)
        chains = np.array([[natural(p) for p in walker] for walker in np.swapaxes(sampled, 0, 1)])
        R = cr.GelmanRubinR(chains)
        try:
            neff = cr.effective_samples(chains, maxlag=750, throw=True)
        except Exception:
            neff = np.zeros(chains.shape[-1])
        log(f"{time.perf_counter() - started:6.0f} s ({time.process_time() - cpu_started:.0f} CPU s): "
            f"{chains.shape[1]} steps, max R {R.max():.3f}, "
            f"min n_eff {neff.min():.0f}")
        if np.all(R < 1.1) and np.all(neff > 150):
            break
    return chains, R, neff, time.perf_counter() - started, time.process_time() - cpu_started
