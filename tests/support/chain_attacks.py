"""Chains a dishonest student could hand in without sampling the posterior (issue 19's table).

Each attack uses only what a student has: the likelihood of their own
pixels, an optimiser's maximum and its curvature. The tests and
``benchmarks/judge_chains.py`` judge them; every one must fail, except
Laplace draws on a near-Gaussian posterior, which are flagged instead.
"""
from __future__ import annotations

import numpy as np

from solutions_lib.data import catalogue
from solutions_lib.engine.dic import dic_from_deviance
from solutions_lib.engine.fisher import fisher_information
from solutions_lib.engine.likelihood import PixelData, loglike_batch
from solutions_lib.engine.models import model_named
from solutions_lib.grading.reference import reference_for

SHAPE = (12, 900)          # chains x samples handed in
TARGET_SPREAD = 1.0        # sd(D) / sqrt(2k) the attacker tunes to


def student_pixels(name: str) -> PixelData:
    return PixelData.from_data(catalogue.reference_data(name))


def _vector(summary: dict, model: str) -> np.ndarray:
    return np.array([summary[p] for p in model_named(model).paramnames], dtype=float)


def _spread_ratio(samples: np.ndarray, pixels: PixelData) -> float:
    rows = samples.reshape(-1, samples.shape[-1])[::max(1, samples[..., 0].size // 400)]
    deviance = -2.0 * loglike_batch(rows, pixels)
    if not np.all(np.isfinite(deviance)):
        return np.inf
    return float(np.std(deviance) / np.sqrt(2 * samples.shape[-1]))


def tuned_scale(centre: np.ndarray, widths: np.ndarray, pixels: PixelData, seed: int = 0) -> float:
    """The factor on ``widths`` (bisection in log) for which independent Gaussian noise around
    ``centre`` has a deviance that spreads like a posterior's: sd(D) / sqrt(2k) = 1."""
    unit = np.random.default_rng(seed).standard_normal((400, centre.size))
    low, high = 1e-4, 10.0
    while high / low > 1.05:
        scale = np.sqrt(low * high)
        if _spread_ratio(_possible(centre + scale * widths * unit), pixels) > TARGET_SPREAD:
            high = scale
        else:
            low = scale
    return float(np.sqrt(low * high))


def tuned_noise(centre: np.ndarray, widths: np.ndarray, pixels: PixelData, seed: int = 0,
                shape=SHAPE, scale: float | None = None) -> np.ndarray:
    """Independent Gaussian noise around ``centre`` with ``widths`` times `tuned_scale` (or ``scale``),
    reflected at zero in every parameter but the centre, so that each sample is a possible model."""
    scale = tuned_scale(centre, widths, pixels, seed) if scale is None else scale
    return _possible(centre + scale * widths * np.random.default_rng(seed).standard_normal((*shape, centre.size)))


def _possible(samples: np.ndarray) -> np.ndarray:
    """Samples with every parameter after the centre (x0, y0) made positive, as a careful attacker would."""
    samples = samples.copy()
    samples[..., 2:] = np.abs(samples[..., 2:])
    return samples


def made_up_centre(name: str, model: str) -> np.ndarray:
    """Round numbers near the answer, as read off a plot: the centre to a pixel, the rest to two
    significant figures; the double model's compact component nearly empty."""
    median = reference_for(name, model)["median"]
    centre = np.array([float(f"{v:.2g}") for v in _vector(median, model)])
    centre[:2] = np.round(_vector(median, model)[:2])
    if model == "double":
        single = reference_for(name, "single")["median"]
        centre[2:6] = [1e-3 * single["S0"], 3.0, 1.0, float(f"{single['B']:.2g}")]
        centre[6:] = [float(f"{single[p]:.2g}") for p in ("S0", "rc", "beta")]
    return centre


def reference_widths(name: str, model: str) -> np.ndarray:
    return _vector(reference_for(name, model)["sd"], model)


def noise_chains(name: str, model: str, seed: int = 0) -> np.ndarray:
    """Row 'tuned noise': no fit at all."""
    pixels = student_pixels(name)
    return tuned_noise(made_up_centre(name, model), reference_widths(name, model), pixels, seed)


def dic_of(chains: np.ndarray, pixels: PixelData) -> float:
    rows = chains.reshape(-1, chains.shape[-1])[::max(1, chains[..., 0].size // 2000)]
    return dic_from_deviance(-2.0 * loglike_batch(rows, pixels))


def dic_by_construction(name: str, target_delta: float, seed: int = 0,
                        single: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Row 'DIC by construction': noise chains of both models (or ``single``'s chains for the first), the
    double model's point moved along B until DIC1 - DIC2 is ``target_delta``. Returns (chains, chains2)."""
    pixels = student_pixels(name)
    chains = noise_chains(name, "single", seed) if single is None else single
    dic1 = dic_of(chains, pixels)
    centre = made_up_centre(name, "double")
    widths = reference_widths(name, "double")

    def moved(log_shift):
        point = centre.copy()
        point[5] *= np.exp(log_shift)
        return point

    scale = tuned_scale(centre, widths, pixels, seed + 1)
    shifts = np.linspace(-1.0, 1.0, 41)
    deltas = [dic1 - dic_of(tuned_noise(moved(t), widths, pixels, seed + 1, (2, 200), scale), pixels) for t in shifts]
    best = shifts[int(np.argmin(np.abs(np.array(deltas) - target_delta)))]
    return chains, tuned_noise(moved(best), widths, pixels, seed + 1, scale=scale)


def map_plus_background_noise(name: str, model: str, seed: int = 0, jitter: float = 0.0) -> np.ndarray:
    """Row 'MAP plus tuned noise': the posterior maximum moved by 2 sd in B, noise in B alone tuned;
    ``jitter`` (in reference sd) adds that much noise to every other parameter."""
    pixels = student_pixels(name)
    ref = reference_for(name, model)
    centre = _vector(ref["map"], model)
    widths = reference_widths(name, model)
    centre[5] += 2.0 * widths[5]
    noise_widths = np.where(np.arange(centre.size) == 5, widths, 0.0)
    chains = tuned_noise(centre, noise_widths, pixels, seed)
    if jitter:
        chains = chains + jitter * widths * np.where(np.arange(centre.size) == 5, 0.0, 1.0) \
            * np.random.default_rng(seed + 7).standard_normal(chains.shape)
    return chains


def laplace_draws(name: str, model: str, seed: int = 0, shape=SHAPE) -> np.ndarray:
    """Row 'Laplace draws': N(MAP, I^-1), I the Fisher information at the maximum."""
    pixels = student_pixels(name)
    centre = _vector(reference_for(name, model)["map"], model)
    covariance = np.linalg.inv(fisher_information(centre, pixels))
    return _possible(np.random.default_rng(seed).multivariate_normal(centre, covariance, size=shape))
