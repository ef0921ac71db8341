"""The deviance information criterion (DIC) from posterior samples.

DIC = <D> + pD with D(theta) = -2 log L(theta), <D> its average over the
(thinned) posterior samples, and the effective number of parameters
pD = var(D) / 2 (Gelman et al., Bayesian Data Analysis, 3rd ed., 7.2).
For a Gaussian posterior in k parameters D - D_min follows a chi-square
law with k degrees of freedom, so var(D)/2 = k, as for the older
pD = <D> - D(<theta>) of Spiegelhalter et al. Why not that one: it depends
on the parametrisation through the posterior mean <theta>, and when the
data do not need the second component (no cool core) the free core radius
of the superfluous component gives S0 a long tail; on cl_j0309 the mean
S0 is 26 times the median, D(<theta>) lies 127 above <D>, pD = -127, and
that DIC would favour the double model by 129 while the two models' best
log-likelihoods differ by 0. var(D)/2 uses only the deviances (7.4 there).

The log-likelihood of `likelihood` leaves out the constant -sum(log N!),
so these DICs are lower than the fully normalised ones by 2 sum(log N!)
(``PixelData.log_factorial_sum``); the constant is the same for both
models, so DIC1 - DIC2 is unaffected.
"""
from __future__ import annotations

import numpy as np

from .likelihood import PixelData, loglike_batch


def validate_chains(chains, n_params: int | None = None, model=None) -> np.ndarray:
    """Check chains and return them as a float array.

    Parameters
    ----------
    chains : array_like, shape (n_chains, n_samples, n_params)
        The posterior samples; all entries must be finite.
    n_params : int, optional
        The number of parameters required (any, if neither this nor ``model``
        is given).
    model : `models.Model`, optional
        Requires its number of parameters, and names it in the message.

    Returns
    -------
    ndarray, shape (n_chains, n_samples, n_params)
        ``chains`` as float64.

    Raises
    ------
    ValueError
        If ``chains`` is not numeric, not 3-D, has the wrong number of
        parameters, is empty or holds NaN or infinite values; the message
        says which.
    """
    if model is not None:
        n_params = model.n_params
    try:
        array = np.asarray(chains, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"chains must be numbers shaped (n_chains, n_samples, n_params): {exc}") from exc
    expected = "(n_chains, n_samples, n_params)" if n_params is None else f"(n_chains, n_samples, {n_params})"
    if array.ndim != 3:
        raise ValueError(f"chains must be a 3-D array shaped {expected}; got shape {array.shape}.")
    if n_params is not None and array.shape[2] != n_params:
        what = f" for the {model.name} model" if model else ""
        raise ValueError(f"chains must have {n_params} parameters in paramnames order{what}, i.e. "
                         f"shape {expected}; got shape {array.shape}.")
    if array.shape[0] < 1 or array.shape[1] < 1:
        raise ValueError(f"chains are empty: shape {array.shape}, expected {expected}.")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"chains contain {np.count_nonzero(~np.isfinite(array))} NaN or infinite values.")
    return array


def thin(chains: np.ndarray, per_chain: int = 1000) -> np.ndarray:
    """Keep at most ``per_chain`` evenly spaced samples of each chain.

    Parameters
    ----------
    chains : ndarray, shape (n_chains, n_samples, n_params)
        The samples.
    per_chain : int, optional
        The most samples to keep from each chain.

    Returns
    -------
    ndarray, shape (n_chains, m, n_params)
        Every k-th sample of each chain, with ``m <= per_chain``.
    """
    step = max(1, int(np.ceil(chains.shape[1] / per_chain)))
    return chains[:, ::step]


def dic_from_deviance(deviance: np.ndarray) -> float:
    """DIC, ``<D> + var(D)/2``, from the deviances of posterior samples.

    Parameters
    ----------
    deviance : array_like
        ``-2 log L`` of each sample.

    Returns
    -------
    float
        The DIC.

    Raises
    ------
    ValueError
        If there are fewer than 2 deviances or any is not finite.
    """
    deviance = np.asarray(deviance, dtype=float)
    if deviance.size < 2 or not np.all(np.isfinite(deviance)):
        raise ValueError("The log-likelihood is not finite for some samples (or there are fewer than 2).")
    return float(deviance.mean() + 0.5 * deviance.var())


def compute_dic(chains, data, model, thin_to: int = 1000, max_samples: int = 4000) -> float:
    """DIC of the reference likelihood for chains of ``model``.

    Each chain is thinned to at most ``thin_to`` samples, and further so
    that at most ``max_samples`` samples are used in all (many short emcee
    walkers); from 4000 samples with n_eff of a few hundred the Monte Carlo
    error of <D> is below 0.3 and that of var(D)/2 about 10% of pD (<1).
    Uses the batched likelihood.

    Parameters
    ----------
    chains : array_like, shape (n_chains, n_samples, n_params)
        Posterior samples in the model's paramnames order.
    data : dict or `PixelData`
        The tutorial's data dict or the pixels built from it.
    model : `models.Model`
        The model the chains sample.
    thin_to : int, optional
        The most samples kept from each chain.
    max_samples : int, optional
        The most samples used in all.

    Returns
    -------
    float
        The DIC (without the ``2 sum(log N!)`` constant, see above).

    Raises
    ------
    ValueError
        If the chains are malformed (see `validate_chains`) or the
        log-likelihood is not finite at some sample.
    """
    chains = validate_chains(chains, model=model)
    per_chain = max(1, min(thin_to, max_samples // chains.shape[0]))
    chains = thin(chains, per_chain)
    samples = chains.reshape(-1, chains.shape[-1])
    return dic_from_deviance(-2.0 * loglike_batch(samples, PixelData.from_data(data)))
