"""Check of the student's betaModel, from its values at the kernel side's fixed probe inputs."""
from __future__ import annotations

import numpy as np

from ...engine.model import beta_model
from ..kernel_side import xray_handin as probe
from ..untrusted_text import exception_name
from ..verdict import Reason, Verdict, fail, ok


def beta_model_verdict(arrays: dict) -> Verdict:
    """Compare the student's betaModel at the fixed probe inputs with the formula.

    Parameters
    ----------
    arrays : dict
        ``scalar_values`` (one per row of ``PROBE_ARGS``), ``array_values``
        (the call with ``PROBE_ARRAY_R``) and, if the call raised, ``error``.

    Returns
    -------
    Verdict
    """
    error = str(arrays["error"]) if "error" in arrays else ""
    if error:
        return fail(Reason.WRONG_VALUE,
                    f"betaModel raised {exception_name(error)} when called with numbers (and with an array of "
                    "radii); call it yourself with those inputs to see the error.")
    values = np.asarray(arrays["scalar_values"], dtype=float)
    expected = np.array([beta_model(*row) for row in probe.PROBE_ARGS])
    if values.shape != expected.shape or not np.allclose(values, expected, rtol=1e-6, atol=0):
        return fail(Reason.WRONG_VALUE,
                    "betaModel gives wrong values for some scalar inputs; check the exponent -3*beta + 1/2.")
    got = np.asarray(arrays["array_values"], dtype=float)
    wanted = beta_model(probe.PROBE_ARRAY_R, *probe.PROBE_ARRAY_ARGS)
    if got.shape != wanted.shape or not np.allclose(got, wanted, rtol=1e-6, atol=0):
        return fail(Reason.WRONG_VALUE, "betaModel does not work element-wise on an array of radii.")
    return ok()
