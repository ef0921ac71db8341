"""The notebook's visible convergence test (its locked ``chain_tools`` cell), run on made-up chains."""
import incredible
import numpy as np
import pytest

from solutions_lib.course import release

from notebook_edits import run_locked_cell

SOURCE_NB = release.REPO_ROOT / "source" / release.ASSIGNMENT / f"{release.NOTEBOOK}.ipynb"
NAMES = ["a", "b"]


@pytest.fixture(scope="module")
def check_convergence():
    import matplotlib.pyplot as plt

    return run_locked_cell(SOURCE_NB, "chain_tools", {"np": np, "plt": plt, "cr": incredible})["check_convergence"]


def test_independent_chains_pass(check_convergence):
    chains = np.random.default_rng(0).standard_normal((4, 1000, 2))
    assert check_convergence(chains, NAMES, 200).shape == (4, 1000, 2)


def test_chains_apart_fail_on_R(check_convergence):
    chains = np.random.default_rng(1).standard_normal((4, 1000, 2))
    chains[0] += 5.0
    with pytest.raises(AssertionError, match="not converged"):
        check_convergence(chains, NAMES, 200)


def test_unestimable_n_eff_is_an_assertion_that_says_what_to_do(check_convergence):
    """Chains whose autocorrelation outlasts maxlag make incredible raise its own error; the
    test turns it into an assertion message instead of a crash."""
    rng = np.random.default_rng(2)
    # Four chains that all follow one slow random walk (so R is close to 1) with a little noise:
    # over 3000 steps its autocorrelation is still positive at lag 750.
    walk = np.cumsum(rng.standard_normal((3000, 2)), axis=0)
    slow = walk + 0.1 * rng.standard_normal((4, 3000, 2))
    with pytest.raises(AssertionError, match="n_eff cannot be estimated.*Run longer, thin"):
        check_convergence(slow, NAMES, 200)
