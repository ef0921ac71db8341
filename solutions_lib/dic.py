"""The deviance information criterion (DIC) from posterior samples.

DIC = <D> + pD with D(theta) = -2 log L(theta) and pD = <D> - D(<theta>),
the averages taken over the (thinned) posterior samples and <theta> the
posterior mean in natural units. The log-likelihood of `likelihood` leaves
out the constant -sum(log N!), so these DICs are lower than the fully
normalised ones by 2 sum(log N!) (``PixelData.log_factorial_sum``); the
constant is the same for both models, so DIC1 - DIC2 is unaffected.
"""
from __future__ import annotations

import numpy as np

from .likelihood import PixelData, loglike_batch
from .model import NPARAMS


def validate_chains(chains, n_params: int | None = None, model: str | None = None) -> np.ndarray:
    """Return chains as a float array (n_chains, n_samples, n_params), or raise ValueError saying why."""
    if model is not None:
        if model not in NPARAMS:
            raise ValueError(f"model must be 'single' or 'double', not {model!r}")
        n_params = NPARAMS[model]
    try:
        array = np.asarray(chains, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"chains must be numbers shaped (n_chains, n_samples, n_params): {exc}") from exc
    expected = "(n_chains, n_samples, n_params)" if n_params is None else f"(n_chains, n_samples, {n_params})"
    if array.ndim != 3:
        raise ValueError(f"chains must be a 3-D array shaped {expected}; got shape {array.shape}.")
    if n_params is not None and array.shape[2] != n_params:
        what = f" for the {model} model" if model else ""
        raise ValueError(f"chains must have {n_params} parameters in paramnames order{what}, i.e. "
                         f"shape {expected}; got shape {array.shape}.")
    if array.shape[0] < 1 or array.shape[1] < 1:
        raise ValueError(f"chains are empty: shape {array.shape}, expected {expected}.")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"chains contain {np.count_nonzero(~np.isfinite(array))} NaN or infinite values.")
    return array


def thin(chains: np.ndarray, per_chain: int = 1000) -> np.ndarray:
    """Keep at most ``per_chain`` evenly spaced samples of each chain."""
    step = max(1, int(np.ceil(chains.shape[1] / per_chain)))
    return chains[:, ::step]


def dic(chains, loglike_fn, data, thin_to: int = 1000) -> float:
    """DIC for any log-likelihood function ``loglike_fn(theta, data)``.

    ``chains``: (n_chains, n_samples, n_params) in the order ``loglike_fn``
    expects; each chain is thinned to at most ``thin_to`` samples.
    """
    chains = thin(validate_chains(chains), thin_to)
    samples = chains.reshape(-1, chains.shape[-1])
    deviance = np.array([-2.0 * loglike_fn(theta, data) for theta in samples])
    return _dic_from_deviance(deviance, -2.0 * loglike_fn(samples.mean(axis=0), data))


def _dic_from_deviance(deviance: np.ndarray, at_mean: float) -> float:
    """2 <D> - D(<theta>) = <D> + pD, after checking every deviance is finite."""
    if not np.all(np.isfinite(deviance)) or not np.isfinite(at_mean):
        raise ValueError("The log-likelihood is not finite for some samples (or their mean).")
    return float(2.0 * deviance.mean() - at_mean)


def compute_dic(chains, data, model: str, thin_to: int = 1000, max_samples: int = 4000) -> float:
    """DIC of the reference likelihood for ``model`` ('single' or 'double').

    ``data`` is the tutorial's data dict or a `PixelData`. Each chain is
    thinned to at most ``thin_to`` samples, and further so that at most
    ``max_samples`` samples are used in all (many short emcee walkers);
    the Monte Carlo error of the mean deviance from 4000 samples with
    n_eff of a few hundred is well below 1. Uses the batched likelihood.
    """
    chains = validate_chains(chains, model=model)
    per_chain = max(1, min(thin_to, max_samples // chains.shape[0]))
    chains = thin(chains, per_chain)
    pixels = PixelData.from_data(data)
    samples = chains.reshape(-1, chains.shape[-1])
    deviance = -2.0 * loglike_batch(samples, pixels)
    return _dic_from_deviance(deviance, -2.0 * loglike_batch(samples.mean(axis=0)[None, :], pixels)[0])
