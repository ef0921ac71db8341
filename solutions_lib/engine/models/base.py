"""`Model`, the base class of the course's models: what the engine, the grader and the report ask of a model.

A model knows its parameters (names and order, as the notebook's
``paramnames``), its prior given an observation's `priors.Prior`, the
coordinates the optimiser and sampler work in, where they start, how its
components are ordered, and the notebook variables that hold its chains
and DIC. The generic parts live here: a model whose prior is a box in
coordinates that are either the parameter itself or its log, with one
``(log rc, beta)`` pair per beta component straightened as described in
`priors`, needs only its class attributes and `optimiser_starts`. A model
with more (the double model's flux and share) overrides the methods it
changes.
"""
from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

from ..priors import Prior
from ..sampler import Schedule, start_points


class Model(ABC):
    """One model of a cluster's image; subclasses set the attributes below.

    Attributes
    ----------
    name : str
        The model's name in files and on the command line: answer keys
        (``chains-single``), the reference answers, ``--model``.
    paramnames : tuple of str
        Natural parameters in the order of every parameter vector (the last
        axis of ``theta`` and of chains), as the notebook names them.
    flat_names : tuple of str
        At the same positions, the coordinates in which the prior is uniform
        (`to_flat`); every name is one `priors.Prior.range_of` knows.
    log_names : tuple of str
        The flat coordinates that are logs (of the parameter of that name,
        or for ``F`` of the flux).
    profiles : tuple of (str, str)
        ``(rc, beta)`` parameter names of each beta component, straightened
        together in sampler coordinates.
    share_names : tuple of str
        Normalisations the prior bounds only through the total flux and the
        compact component's share of it (`compact_share`); their own bounds
        are just ``> 0``.
    chains_variable, dic_variable : str
        The notebook's variables holding this model's chains and DIC.
    min_neff : int
        The notebook's threshold on each parameter's effective sample size.
    schedule : `sampler.Schedule`
        Walkers and steps of a fit (`fitting.fit`'s defaults).
    nested : Model or None
        A model this one contains as a special case: its maximum is among
        the optimiser's starts, and this model's maximum must not fall below it.
    """

    name: str
    paramnames: tuple
    flat_names: tuple
    log_names: tuple
    profiles: tuple
    share_names: tuple = ()
    chains_variable: str
    dic_variable: str
    min_neff: int
    schedule: Schedule
    nested: "Model | None" = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    @property
    def n_params(self) -> int:
        return len(self.paramnames)

    def vector(self, params: dict) -> np.ndarray:
        """The parameters of ``params`` as a vector in `paramnames` order.

        Parameters
        ----------
        params : dict
            Name -> value; names the model does not have are ignored.

        Returns
        -------
        ndarray, shape (n_params,)

        Raises
        ------
        KeyError
            If a parameter of the model is missing.
        """
        return np.array([params[name] for name in self.paramnames], dtype=float)

    # --- coordinates -----------------------------------------------------------------------------
    def _log_positions(self) -> list[int]:
        return [self.flat_names.index(name) for name in self.log_names]

    def _profile_positions(self) -> list[tuple[int, int]]:
        return [(self.paramnames.index(rc), self.paramnames.index(beta)) for rc, beta in self.profiles]

    def to_flat(self, theta) -> np.ndarray:
        """Natural parameters to the coordinates in which the prior is uniform (`flat_names`).

        Parameters
        ----------
        theta : array_like, shape (..., n_params)
            Parameter vectors in `paramnames` order along the last axis.

        Returns
        -------
        ndarray, shape (..., n_params)
        """
        flat = np.array(theta, dtype=float)
        for i in self._log_positions():
            flat[..., i] = np.log(flat[..., i])
        return flat

    def from_flat(self, flat) -> np.ndarray:
        """Inverse of `to_flat`.

        Parameters
        ----------
        flat : array_like, shape (..., n_params)
            Flat coordinates along the last axis.

        Returns
        -------
        ndarray, shape (..., n_params)
        """
        theta = np.array(flat, dtype=float)
        for i in self._log_positions():
            theta[..., i] = np.exp(theta[..., i])
        return theta

    def flat_to_sampler(self, flat) -> np.ndarray:
        """Flat coordinates to sampler coordinates.

        Per beta component ``v = log(3 beta - 1/2)`` takes the place of beta and
        ``u = log rc - v/2`` that of log rc.

        Parameters
        ----------
        flat : array_like, shape (..., n_params)
            Flat coordinates along the last axis.

        Returns
        -------
        ndarray, shape (..., n_params)
        """
        z = np.array(flat, dtype=float)
        for i_rc, i_beta in self._profile_positions():
            v = np.log(3.0 * z[..., i_beta] - 0.5)
            z[..., i_rc] = z[..., i_rc] - 0.5 * v
            z[..., i_beta] = v
        return z

    def sampler_to_flat(self, z) -> np.ndarray:
        """Inverse of `flat_to_sampler`.

        Parameters
        ----------
        z : array_like, shape (..., n_params)
            Sampler coordinates along the last axis.

        Returns
        -------
        ndarray, shape (..., n_params)
        """
        flat = np.array(z, dtype=float)
        for i_rc, i_beta in self._profile_positions():
            v = flat[..., i_beta].copy()
            flat[..., i_rc] = flat[..., i_rc] + 0.5 * v
            flat[..., i_beta] = (np.exp(v) + 0.5) / 3.0
        return flat

    def to_sampler(self, theta) -> np.ndarray:
        """Natural parameters to the coordinates the optimiser and sampler work in.

        Parameters
        ----------
        theta : array_like, shape (..., n_params)
            Parameter vectors in `paramnames` order along the last axis.

        Returns
        -------
        ndarray, shape (..., n_params)
        """
        return self.flat_to_sampler(self.to_flat(theta))

    def from_sampler(self, z) -> np.ndarray:
        """Sampler coordinates back to natural parameters in `paramnames` order.

        Parameters
        ----------
        z : array_like, shape (..., n_params)
            Sampler coordinates along the last axis.

        Returns
        -------
        ndarray, shape (..., n_params)
        """
        return self.from_flat(self.sampler_to_flat(z))

    def sampler_centre(self, theta) -> np.ndarray:
        """A maximum in sampler coordinates, where the Laplace approximation and the walkers are centred.

        Unlike `to_sampler`, the result must be finite; this base version is
        `to_sampler`.

        Parameters
        ----------
        theta : array_like, shape (n_params,)
            The maximum, in natural units.

        Returns
        -------
        ndarray, shape (n_params,)
        """
        return self.to_sampler(theta)

    def log_jacobian_z(self, z) -> np.ndarray:
        """log |d(flat coordinates)/dz|, the log-prior density in sampler coordinates up to a constant.

        Parameters
        ----------
        z : array_like, shape (n_points, n_params) or (n_params,)
            Points in sampler coordinates.

        Returns
        -------
        ndarray, shape (n_points,)
        """
        z = np.atleast_2d(z)
        pairs = self._profile_positions()
        return sum((z[:, i_beta] for _, i_beta in pairs), np.zeros(z.shape[0])) - len(pairs) * np.log(3.0)

    # --- prior -----------------------------------------------------------------------------------
    def box(self, prior: Prior) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper bounds of the natural parameters under ``prior``.

        Parameters
        ----------
        prior : `priors.Prior`
            The observation's prior; `share_names` get ``(0, inf)``.

        Returns
        -------
        lower, upper : ndarray, shape (n_params,)
        """
        pairs = [(0.0, np.inf) if name in self.share_names else prior.range_of(name)
                 for name in self.paramnames]
        lower, upper = zip(*pairs)
        return np.array(lower), np.array(upper)

    def in_support(self, theta, prior: Prior) -> np.ndarray:
        """Which rows of ``theta`` lie inside ``prior``.

        Parameters
        ----------
        theta : array_like, shape (n_points, n_params) or (n_params,)
            Natural parameter vectors.
        prior : `priors.Prior`
            The observation's prior.

        Returns
        -------
        ndarray of bool, shape (n_points,)
            True where a row is finite and within the bounds.
        """
        lower, upper = self.box(prior)
        theta = np.atleast_2d(np.asarray(theta, dtype=float))
        return np.all(np.isfinite(theta), axis=1) & np.all(theta >= lower, axis=1) & np.all(theta <= upper, axis=1)

    def pull_inside(self, theta, prior: Prior) -> np.ndarray:
        """A copy of one parameter vector moved just inside the bounds of `box`.

        Optimiser starts read off the data lie inside already; with a prior
        too narrow for the data they would not, and the fit, instead of
        stopping, runs into the bound, where its self-checks report it.

        Parameters
        ----------
        theta : array_like, shape (n_params,)
            Natural parameters.
        prior : `priors.Prior`
            The observation's prior.

        Returns
        -------
        ndarray, shape (n_params,)
        """
        lower, upper = self.box(prior)
        inside = np.exp(1e-3)      # a thousandth of an e-fold inside a bound
        return np.clip(np.asarray(theta, dtype=float), lower * inside, upper / inside)

    def log_prior(self, theta, prior: Prior) -> float:
        """Log-prior density of one vector up to a constant: 0 inside, -inf outside.

        The density is uniform in the coordinates of `to_flat`; this is its
        log with respect to those coordinates (a constant).

        Parameters
        ----------
        theta : array_like, shape (n_params,)
            Natural parameters in `paramnames` order.
        prior : `priors.Prior`
            The observation's prior.

        Returns
        -------
        float

        Raises
        ------
        ValueError
            If ``theta`` does not have the model's number of parameters.
        """
        theta = np.asarray(theta, dtype=float)
        if theta.shape != (self.n_params,):
            raise ValueError(f"the {self.name} model has {self.n_params} parameters in paramnames order; "
                             f"got shape {theta.shape}")
        return 0.0 if bool(self.in_support(theta, prior)[0]) else -np.inf

    def walled_names(self, low: dict, high: dict) -> tuple:
        """Parameters whose central posterior interval reaches a wall of the prior between parameters.

        A box prior has no such walls, so this base version returns none.

        Parameters
        ----------
        low, high : dict
            Name -> lower and upper end of each parameter's interval.

        Returns
        -------
        tuple of str
        """
        return ()

    # --- starts ----------------------------------------------------------------------------------
    @abstractmethod
    def optimiser_starts(self, guess: np.ndarray, nested_map: np.ndarray | None) -> list:
        """Natural parameter vectors from which the optimiser starts.

        Parameters
        ----------
        guess : ndarray, shape (6,)
            `optimize.initial_guess` of the data: one beta component and the
            background read off the image.
        nested_map : ndarray or None
            The maximum of the `nested` model (None when there is none).

        Returns
        -------
        list of ndarray, shape (n_params,)
        """

    def walker_starts(self, logpost_batch, z_map, cov, n_walkers: int, rng) -> np.ndarray:
        """Starting points of the walkers, in sampler coordinates.

        Parameters
        ----------
        logpost_batch : callable
            Log-posterior of rows of sampler coordinates (n_points, n_params) -> (n_points,).
        z_map : ndarray, shape (n_params,)
            The maximum in sampler coordinates (`sampler_centre`).
        cov : ndarray, shape (n_params, n_params)
            The Laplace covariance there.
        n_walkers : int
            How many walkers.
        rng : numpy.random.Generator
            Source of the draws.

        Returns
        -------
        ndarray, shape (n_walkers, n_params)
        """
        return start_points(logpost_batch, z_map, cov, n_walkers, rng)

    # --- components ------------------------------------------------------------------------------
    def order_components(self, chains: np.ndarray) -> tuple[np.ndarray, float]:
        """Relabel ``chains`` into the model's order of components.

        A model of one component returns them unchanged.

        Parameters
        ----------
        chains : ndarray, shape (..., n_params)
            Samples in `paramnames` order.

        Returns
        -------
        chains : ndarray, shape (..., n_params)
        fraction : float
            The fraction of samples that had to be relabelled (0 here).
        """
        return chains, 0.0

    def compact_share(self, theta) -> np.ndarray | None:
        """The compact component's share of the flux inside `flux.APERTURE`.

        Parameters
        ----------
        theta : array_like, shape (..., n_params)
            Natural parameters.

        Returns
        -------
        ndarray, shape (...) or None
            None for a model without a compact component (this base version).
        """
        return None
