"""The engine's R and n_eff are incredible's numbers (which the notebook's tests use), computed fast."""
import time

import incredible
import numpy as np
import pytest

from solutions_lib.engine import convergence


def ar1_chains(n_chains, n_steps, phis, offsets, seed=0):
    """Autocorrelated chains: one AR(1) series per parameter, around large offsets."""
    rng = np.random.default_rng(seed)
    noise = rng.standard_normal((n_chains, n_steps, len(phis)))
    chains = np.empty_like(noise)
    chains[:, 0] = noise[:, 0]
    for step in range(1, n_steps):
        chains[:, step] = np.asarray(phis) * chains[:, step - 1] + noise[:, step]
    return chains * [0.01, 1.0, 3e-7][: len(phis)] + offsets


@pytest.mark.parametrize("shape, maxlag", [((8, 2000), 750), ((24, 1200), 750), ((4, 800), 400)])
def test_r_and_neff_equal_incredibles(shape, maxlag):
    chains = ar1_chains(*shape, phis=[0.5, 0.9, 0.97], offsets=[150.0, -3.0, 2e-6])
    assert np.allclose(convergence.gelman_rubin(chains), incredible.GelmanRubinR(chains), rtol=1e-12)
    wanted = incredible.effective_samples(chains, maxlag=maxlag, throw=True)
    assert np.allclose(convergence.effective_samples(chains, maxlag), wanted, rtol=1e-8)


def test_a_maxlag_too_short_raises_where_incredible_does():
    chains = ar1_chains(4, 600, phis=[0.999], offsets=[0.0])
    with pytest.raises(Exception, match="maglax"):
        incredible.effective_samples(chains, maxlag=50, throw=True)
    with pytest.raises(convergence.MaxlagTooShort, match="maxlag=50"):
        convergence.effective_samples(chains, 50)
    with pytest.raises(convergence.MaxlagTooShort, match="more than 750 steps"):
        convergence.effective_samples(chains[:, :700], 750)


@pytest.mark.slow
def test_the_largest_accepted_answer_is_judged_in_seconds():
    """incredible took 145 s on 1024 chains x 3413 steps x 9 parameters (the grader's cap on an answer)."""
    chains = np.random.default_rng(1).standard_normal((1024, 3413, 9))
    started = time.perf_counter()
    convergence.effective_samples(chains, 750)
    assert time.perf_counter() - started < 30
