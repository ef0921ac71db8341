"""The beta profile of a cluster's surface brightness: one formula for the simulator and the engine.

``S(r) = S0 (1 + r^2 / rc^2)^(1/2 - 3 beta)``, radii in image pixels. The
simulator paints it on the sky (`mock.sky`), the engine fits it
(`engine.model`); the engine's numba likelihood kernels inline the same
expression for speed.
"""
from __future__ import annotations


def beta_profile(x2, S0, beta):
    """``S0 (1 + x2)^(-3 beta + 1/2)`` at ``x2 = (r / rc)^2``: scalars or arrays (numpy broadcasting).

    Taking the scaled squared radius lets each caller form it the way it
    has r (a radius or a squared radius), and works under `numba.njit`.

    Parameters
    ----------
    x2 : float or ndarray
        Squared radius over squared core radius, ``(r / rc)^2``.
    S0 : float or ndarray
        Central surface brightness.
    beta : float or ndarray
        Slope parameter.

    Returns
    -------
    float or ndarray
        The surface brightness, broadcast over the arguments.
    """
    return S0 * (1.0 + x2) ** (-3.0 * beta + 0.5)
