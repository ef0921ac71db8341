"""A differential-evolution snooker move that leaves its target invariant.

The update of ter Braak & Vrugt (2008, Statistics and Computing 18, 435),
in emcee's red-blue form: for a walker x, three walkers z, z1, z2 are drawn
from the other sub-ensembles (one from each of the three). With the unit
vector e = (x - z) / |x - z|, the proposal is

    x' = x + gamma * ((z1 - z2) . e) e,

a jump along the line through x and z by the projected difference of z1 and
z2. Moving along lines through a fixed point z changes the volume element
by |x' - z|^(d - 1) / |x - z|^(d - 1) in d dimensions, so the move is
accepted with probability

    min(1, p(x') / p(x) * (|x' - z| / |x - z|)^(d - 1)).

emcee 3.1.6's ``DESnookerMove`` divides by sqrt(|x - z|) instead of
|x - z| (its direction is not a unit vector) and uses the exponent
(d - 1) / 2; both break detailed balance (emcee pull request 531 fixes it
upstream, not released). `tests/engine/test_sampler.py` checks this move on
targets with known variances.
"""
from __future__ import annotations

import numpy as np
from emcee.moves import RedBlueMove


class SnookerMove(RedBlueMove):
    """Snooker update with a unit direction and the (d - 1) Jacobian exponent.

    Parameters
    ----------
    gamma : float, optional
        Scale of the projected difference; 1.7 as recommended by ter Braak &
        Vrugt (2008).
    **kwargs
        Passed to `emcee.moves.RedBlueMove` (``randomize_split``,
        ``live_dangerously``); ``nsplits`` is always 4, the walker's group
        and the three that z, z1 and z2 come from.
    """

    def __init__(self, gamma: float = 1.7, **kwargs):
        self.gamma = float(gamma)
        kwargs["nsplits"] = 4          # the walker plus z, z1, z2 from three other groups
        super().__init__(**kwargs)

    def get_proposal(self, s, c, random):
        """Propose new positions for one group of walkers.

        Parameters
        ----------
        s : ndarray, shape (nwalkers_group, ndim)
            The walkers to move.
        c : list of ndarray
            The three other groups, each of shape ``(n, ndim)``; each walker
            draws one of z, z1, z2 from each.
        random : numpy.random.RandomState
            The sampler's random state.

        Returns
        -------
        q : ndarray, shape (nwalkers_group, ndim)
            The proposed positions; a walker that sits on its z stays put.
        factors : ndarray, shape (nwalkers_group,)
            Log of the Metropolis-Hastings factor
            ``(|x' - z| / |x - z|)^(d - 1)`` of each proposal.
        """
        n, ndim = s.shape
        # One walker from each of the three other groups, assigned to the roles z, z1, z2 at random.
        picks = np.stack([group[random.randint(len(group), size=n)] for group in c], axis=1)
        order = np.argsort(random.rand(n, 3), axis=1)
        picks = np.take_along_axis(picks, order[:, :, None], axis=1)
        z, z1, z2 = picks[:, 0], picks[:, 1], picks[:, 2]
        delta = s - z
        distance = np.linalg.norm(delta, axis=1)
        apart = distance > 0           # a walker on top of z has no direction: stay put
        e = np.zeros_like(delta)
        e[apart] = delta[apart] / distance[apart, None]
        step = self.gamma * np.einsum("ij,ij->i", z1 - z2, e)
        q = s + step[:, None] * e
        new_distance = np.linalg.norm(q - z, axis=1)
        factors = np.zeros(n)
        factors[apart] = (ndim - 1.0) * (np.log(new_distance[apart]) - np.log(distance[apart]))
        return q, factors
