"""Checks of the DICs: each the DIC of the student's own chains, and DIC1 - DIC2 near the reference's."""
from __future__ import annotations

import numpy as np

from ...engine.dic import dic_from_deviance
from ...engine.models import DOUBLE, SINGLE
from ..verdict import Reason, Verdict, fail, ok

DIC_ABS_TOLERANCE = 10.0
DELTA_DIC_REL_TOLERANCE = 0.3
DELTA_DIC_ABS_TOLERANCE = 30.0
DIC_MODELS = (SINGLE, DOUBLE)  # their DICs (`models.Model.dic_variable`) are compared as DIC1 - DIC2


def dic_value_verdict(key: str, value: np.ndarray) -> Verdict | None:
    """A failing verdict if the answer ``key`` is not a single finite number, else None.

    Parameters
    ----------
    key : str
        The answer's name (DIC1 or DIC2), for the message.
    value : ndarray
        The student's answer.

    Returns
    -------
    Verdict or None
    """
    if value.size != 1 or value.dtype.kind not in "iuf" or not np.isfinite(value).all():
        return fail(Reason.MALFORMED, f"`{key}` should be a single finite number.")
    return None


def dic_variants(deviance: np.ndarray, deviance_at_mean: float) -> list[float]:
    """The DIC of draws with deviances ``deviance``, in the ways a student may compute it.

    With pD = var(D)/2 and, where defined, pD = <D> - D(<theta>). The notebook
    teaches the first; the second (Spiegelhalter's) agrees with it for the
    near-Gaussian posteriors of clusters with a cool core, and a student
    who uses it there is not penalised.

    Parameters
    ----------
    deviance : ndarray, shape (n_draws,)
        -2 ln L of each draw.
    deviance_at_mean : float
        D at the mean of the draws; not finite if undefined there.

    Returns
    -------
    list of float
        One or two DICs, var(D)/2's first.

    Raises
    ------
    ValueError
        If a deviance is not finite or there are fewer than 2
        (`engine.dic.dic_from_deviance`).
    """
    variants = [dic_from_deviance(deviance)]
    if np.isfinite(deviance_at_mean):
        variants.append(float(2.0 * deviance.mean() - deviance_at_mean))
    return variants


def dic_verdict(key: str, value: float, candidates: list[float], constant: float) -> Verdict:
    """Whether ``value`` is the DIC of the student's chains, with or without ``constant``.

    Students may keep or drop the constant 2 sum(ln N!) of the Poisson
    likelihood; both are accepted.

    Parameters
    ----------
    key : str
        The answer's name (DIC1 or DIC2), for the message.
    value : float
        The student's DIC.
    candidates : list of float
        The DICs of the student's chains (`dic_variants`).
    constant : float
        2 sum(ln N!) of the student's pixels.

    Returns
    -------
    Verdict
    """
    if min(abs(value - c - shift) for c in candidates for shift in (0.0, constant)) > DIC_ABS_TOLERANCE:
        return fail(Reason.WRONG_DIC,
                    f"`{key}` = {value:.1f} is not the DIC of your chains, which give {candidates[0]:.1f} "
                    f"(or {candidates[0] + constant:.1f} with the ln N! term); check D = -2 ln L, its mean "
                    "over the samples, and pD = var(D)/2.")
    return ok()


def delta_dic_verdict(delta: float, reference_delta: float) -> Verdict:
    """Whether DIC1 - DIC2 is near the reference's.

    Parameters
    ----------
    delta : float
        The student's DIC1 - DIC2.
    reference_delta : float
        The reference's.

    Returns
    -------
    Verdict
    """
    if abs(delta - reference_delta) > DELTA_DIC_REL_TOLERANCE * abs(reference_delta) + DELTA_DIC_ABS_TOLERANCE:
        return fail(Reason.WRONG_DIC,
                    "DIC1 - DIC2 is far from what these data give; check both fits and both likelihoods, and "
                    "use pD = var(D)/2, which does not depend on how the parameters are written.")
    return ok()
