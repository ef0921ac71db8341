"""Flux of a beta component inside a circular aperture (closed form).

``F(R) = 2 pi int_0^R S0 (1 + r^2/rc^2)^(1/2 - 3 beta) r dr
       = pi S0 rc^2 [(1 + R^2/rc^2)^a - 1] / a``,  ``a = 3/2 - 3 beta``,

and ``pi S0 rc^2 log(1 + R^2/rc^2)`` when ``beta = 1/2``. Units: S0 in
counts/s/cm^2/pixel and radii in pixels give counts/s/cm^2. The double
model's prior is written in terms of these fluxes (see `priors`).
"""
from __future__ import annotations

import numpy as np

APERTURE = 100.0   # pixels (about 3.3 arcmin): the radius within which fluxes are compared


def flux_per_brightness(rc, beta, radius: float = APERTURE):
    """Flux inside ``radius`` of a beta component with unit central brightness (S0 = 1).

    Parameters
    ----------
    rc : float or array_like
        Core radius in pixels.
    beta : float or array_like
        Slope; ``beta`` near 1/2 uses the logarithmic limit.
    radius : float, optional
        Aperture radius in pixels.

    Returns
    -------
    float or ndarray
        Flux per unit S0, broadcast over ``rc`` and ``beta``.
    """
    rc, beta = np.asarray(rc, dtype=float), np.asarray(beta, dtype=float)
    a = 1.5 - 3.0 * beta
    t = np.log1p((radius / rc) ** 2)
    small = np.abs(a) < 1e-8
    safe_a = np.where(small, 1.0, a)
    shape = np.where(small, t * (1.0 + 0.5 * a * t), np.expm1(a * t) / safe_a)
    return np.pi * rc**2 * shape


def aperture_flux(S0, rc, beta, radius: float = APERTURE):
    """Flux inside ``radius`` of the component ``(S0, rc, beta)``.

    Parameters
    ----------
    S0 : float or array_like
        Central surface brightness in counts/s/cm^2/pixel.
    rc, beta : float or array_like
        Core radius (pixels) and slope.
    radius : float, optional
        Aperture radius in pixels.

    Returns
    -------
    float or ndarray
        Flux in counts/s/cm^2, broadcast over the arguments.
    """
    return np.asarray(S0, dtype=float) * flux_per_brightness(rc, beta, radius)
