"""Checks a finished fit makes on itself, so that a wrong fit is never silently reported.

Converged chains are not necessarily right: a posterior can converge against
a bound of its prior, and a two-component fit can converge on a worse
solution than the one-component model it contains. `check_fit` looks at a
finished `fitting.FitResult` and returns a `FitChecks` of `Finding` s:

* ``prior_wall``: the posterior presses a bound: its maximum lies within
  ``MARGIN`` of the bound and more than ``MASS_AT_WALL`` of its mass lies
  within that margin, measured in the coordinate in which the prior is
  uniform (`models.Model.to_flat`: log S0, log F, log rc, beta, log B, the
  share f) as a fraction of the prior's range there. A posterior the data hold
  away from a bound has none of its mass there; one spread over the prior
  (the compact component of a cluster without a cool core) puts about
  ``MARGIN`` of its mass in each margin; one whose tail a bound cuts (the
  compact slope of a strong core against beta >= beta2, measured on an
  exact-model draw: 9% of the mass within the margin, maximum 5 margins
  away) has its maximum inside; one pressed against a bound has its maximum
  there, where the likelihood would go on rising beyond the bound (the
  XMM-Newton observation of issue 22: F at its ceiling).
* ``degenerate_components`` (a model with a compact share f, the double
  model): the same test on the walls
  between the components. Either the two shape walls at once, beta >= beta2
  and rc2 >= 2 rc (equal slopes pressed together, and radii as close as
  allowed: the two components are then copies of one profile, measured on
  an exact-model draw of two such components: 38% of the mass within both
  margins), or the compact share at its ceiling f <= 1/2 (a "core" that is
  half the cluster). One shape wall alone is not a degeneracy: the
  components still differ in the other respect, and the weak cool cores of
  the course press one of them honestly (measured on the reference fits:
  cl_j0815 rc2 = 2 rc with 12% of the mass, cl_j2231 and cl_j0266
  beta = beta2 with 11% and 13%).
* ``double_below_single`` (a model that holds another, `models.Model.nested`:
  the double model): its maximum log-likelihood is more than
  ``NESTED_TOLERANCE`` below the single model's. The double model holds the
  single one (a vanishing compact component), and its optimiser starts
  there, so this means the search failed.

Where the share f presses against 0 the data do not need a compact
component: its core radius and slope are then set by the prior alone, and
their walls are not judged (a cluster without a cool core is a right answer,
not a failure).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from .models.double import I_BETA, I_BETA2, I_RC, I_RC2
from .priors import CORE_RATIO_MIN, F_SHARE_MAX

MARGIN = 0.01            # a wall's margin, as a fraction of the prior's range in its uniform coordinate
MASS_AT_WALL = 0.05      # more posterior mass than this inside the margin: the wall shapes the posterior
NESTED_TOLERANCE = 0.5   # log-likelihood units the double maximum may fall below the single one

SHARE = "f"                        # the flat coordinate of a compact component's share of the flux
COMPACT_SHAPE = ("rc", "beta")     # the double model's compact component, judged only when it is there

# What a pressed bound means and what to change, by (parameter, side).
ADVICE = {
    ("S0", "upper"): "the cluster's centre is brighter than the prior allows. The bound follows the data's "
                     "count rate (priors.S0_RANGE): check that the counts image and the exposure map belong "
                     "together (the map's BUNIT: cm**2 or s), then widen priors.S0_RANGE",
    ("F", "upper"): "the cluster's flux is above the prior's ceiling. The bound follows the data's count rate "
                    "(priors.FLUX_RANGE): check that the counts image and the exposure map belong together "
                    "(the map's BUNIT: cm**2 or s), then widen priors.FLUX_RANGE",
    ("S0", "lower"): "the data show hardly any cluster: check the mask (does it cover the cluster?) and the centre",
    ("F", "lower"): "the data show hardly any cluster: check the mask (does it cover the cluster?) and the centre",
    ("B", "upper"): "the background is above the mean counts per pixel times priors.B_RANGE[1]: check the mask "
                    "(bright sources or chip edges left in) and the exposure map",
    ("B", "lower"): "the data show almost no background: lower priors.B_RANGE[0] if that is real",
    ("rc", "lower"): "the core is narrower than a pixel (unresolved): mask a point source at the centre, "
                     "or bin the image more finely",
    ("rc2", "lower"): "the cluster is narrower than a pixel (unresolved): mask a point source at the centre, "
                      "or bin the image more finely",
    ("rc", "upper"): "the core is as wide as the image: the cluster fills the field, and its core and the "
                     "background cannot be told apart; use a larger field",
    ("rc2", "upper"): "the cluster is as wide as the image: its core and the background cannot be told apart; "
                      "use a larger field",
}
for _slope in ("beta", "beta2"):
    ADVICE[(_slope, "lower")] = ("the profile is flatter than beta = 0.3 allows: check the background (a gradient, "
                                 "unmasked sources at large radius)")
    ADVICE[(_slope, "upper")] = "the profile falls faster than beta = 3 allows: mask a point source at the centre"
for _axis in ("x0", "y0"):
    for _side in ("lower", "upper"):
        ADVICE[(_axis, _side)] = "the centre is at the edge of the image: is the cluster in the field and unmasked?"
DEGENERATE_ADVICE = {
    "beta - beta2, rc2 / rc": "the two components have the same slope (beta = beta2) and radii as close as "
                              "allowed (rc2 = 2 rc): they are copies of one profile, not a core and a halo",
    "f": "the compact component carries half of the flux, the most the prior allows: it is not a core",
}
DEGENERATE_WHAT_TO_DO = ("Check the single fit and the prior walls above; if they are sound, the data do not "
                         "support two distinct components.")


class FitCheckWarning(UserWarning):
    """A fit failed its self-checks (its result's ``checks`` say which and what to change)."""


@dataclass(frozen=True)
class Finding:
    """One failed self-check.

    Parameters
    ----------
    check : str
        'prior_wall', 'degenerate_components' or 'double_below_single'.
    model : str
        The name of the model of the fit it concerns.
    parameter : str
        The parameter or relation ('F', 'beta - beta2', 'log-likelihood', ...).
    bound : str
        'lower' or 'upper' for a wall; '' otherwise.
    amount : float
        The posterior mass within the margin of the wall, or the
        log-likelihood by which the double maximum falls short.
    message : str
        What was found and what to change.
    """

    check: str
    model: str
    parameter: str
    bound: str
    amount: float
    message: str


@dataclass(frozen=True)
class FitChecks:
    """The findings of a fit's self-checks; ``passed`` when there are none.

    Parameters
    ----------
    findings : tuple of Finding, optional
        The failed checks.
    """

    findings: tuple = ()

    @property
    def passed(self) -> bool:
        return not self.findings

    def as_dict(self) -> dict:
        """JSON-ready: ``passed`` and the list of findings (each a dict of `Finding`'s fields)."""
        return {"passed": self.passed, "findings": [asdict(finding) for finding in self.findings]}

    @classmethod
    def from_dict(cls, record: dict) -> "FitChecks":
        """Inverse of `as_dict` (for stored results, e.g. the reference answers).

        Parameters
        ----------
        record : dict
            As written by `as_dict`; only its ``findings`` are read.

        Returns
        -------
        FitChecks
        """
        return cls(tuple(Finding(**finding) for finding in record["findings"]))

    def lines(self) -> list[str]:
        """One line per finding, for people."""
        return [f"{finding.model} fit: {finding.message}" for finding in self.findings]


def check_fit(result) -> FitChecks:
    """The self-checks of a finished fit.

    Parameters
    ----------
    result : `fitting.FitResult`
        The fit; its ``model``, ``prior``, ``map``, ``samples`` and, for a
        nested model, the maxima in ``extra`` are read.

    Returns
    -------
    FitChecks
        The findings (see the module's description); passed when none.
    """
    model, prior = result.model, result.prior
    points = np.vstack([result.map, result.samples])     # the maximum first, then the samples
    flat = model.to_flat(points)
    names = model.flat_names
    has_share = SHARE in names
    widths = {}
    findings = []
    compact_absent = False
    if has_share:
        compact_absent = _mass_near(flat[1:, names.index(SHARE)], MARGIN * F_SHARE_MAX) > MASS_AT_WALL
    for i, name in enumerate(names):
        low, high = prior.range_of(name)
        if name in model.log_names:
            low, high = np.log(low), np.log(high)
        widths[name] = high - low
        if name == SHARE or (compact_absent and name in COMPACT_SHAPE):
            continue         # the share is judged with the components (`_degeneracies`)
        for side, distance in (("lower", flat[:, i] - low), ("upper", high - flat[:, i])):
            mass = _pressed(distance, MARGIN * widths[name])
            if mass is not None:
                findings.append(_wall(model.name, name, side, mass))
    if has_share:
        findings += _degeneracies(model.name, points, flat[:, names.index(SHARE)], widths, compact_absent)
    if model.nested is not None:
        findings += _nested(result)
    return FitChecks(tuple(findings))


def _mass_near(distance: np.ndarray, margin: float) -> float:
    """Fraction of the samples less than ``margin`` from a wall (``distance`` >= 0 inside the prior)."""
    return float(np.mean(distance < margin))


def _pressed(distance: np.ndarray, margin: float) -> float | None:
    """The mass within ``margin`` of a wall if the posterior presses it, else None.

    ``distance``: from the wall, of the maximum (first entry) and of the samples.
    """
    mass = _mass_near(distance[1:], margin)
    return mass if distance[0] < margin and mass > MASS_AT_WALL else None


def _wall(model: str, name: str, side: str, mass: float) -> Finding:
    message = (f"the posterior of {name} presses the {side} bound of its prior (its maximum and {mass:.0%} of "
               f"its mass lie within {MARGIN:.0%} of the prior's range of it), so the prior, not the data, "
               f"sets it: {ADVICE[(name, side)]}.")
    return Finding("prior_wall", model, name, side, mass, message)


def _degeneracies(model: str, points: np.ndarray, share: np.ndarray, widths: dict, compact_absent: bool) -> list:
    """The walls between the components of the double-beta fit named ``model``: f <= 1/2 and, when
    the compact component is there, beta >= beta2 and rc2 >= 2 rc together (each with the margin of
    its parameters' prior range). ``points`` and ``share``: the maximum, then the samples (natural
    parameters and the share f). Distances are in margins, so that 1 is the edge of the margin."""
    walls = {SHARE: (F_SHARE_MAX - share) / (MARGIN * F_SHARE_MAX)}
    if not compact_absent:
        slopes = (points[:, I_BETA] - points[:, I_BETA2]) / (MARGIN * widths["beta"])
        radii = (np.log(points[:, I_RC2] / points[:, I_RC]) - np.log(CORE_RATIO_MIN)) / (MARGIN * widths["rc"])
        walls["beta - beta2, rc2 / rc"] = np.maximum(slopes, radii)      # inside both margins when < 1
    findings = []
    for relation, distance in walls.items():
        mass = _pressed(distance, 1.0)
        if mass is not None:
            message = (f"the posterior presses the prior's wall{'s' if ',' in relation else ''} {relation} (its "
                       f"maximum and {mass:.0%} of its mass lie within {MARGIN:.0%} of the prior's range): "
                       f"{DEGENERATE_ADVICE[relation]}. {DEGENERATE_WHAT_TO_DO}")
            findings.append(Finding("degenerate_components", model, relation, "upper" if relation == SHARE
                                    else "lower", mass, message))
    return findings


def _nested(result) -> list:
    """The fit's maximum against that of the model it holds (both log-likelihoods in ``result.extra``)."""
    outer, inner = result.model.name, result.model.nested.name
    nested, own = result.extra["nested_loglike_max"], result.extra["loglike_max"]
    shortfall = nested - own
    if not shortfall > NESTED_TOLERANCE:
        return []
    message = (f"the maximum log-likelihood of the {outer} model ({own:.2f}) is {shortfall:.2f} below the "
               f"{inner} model's ({nested:.2f}), although the {outer} model holds the {inner} one: its search "
               "for the maximum failed. Check the prior walls above; a single fit with a core radius under "
               f"{CORE_RATIO_MIN * 1.05:g} pixels cannot be held (rc2 >= {CORE_RATIO_MIN:g} rc >= 2 pixels).")
    return [Finding(f"{outer}_below_{inner}", outer, "log-likelihood", "", shortfall, message)]
