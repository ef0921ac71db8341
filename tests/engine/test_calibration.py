"""The calibration statistics that `make validate` judges the engine by (benchmarks/calibration.py)."""
import sys

import numpy as np
from repo_paths import REPO

sys.path.insert(0, str(REPO / "benchmarks"))

from calibration import CoverageTable, covered  # noqa: E402

NAMES = ["x0", "S0"]


def test_central_intervals_cover_by_level():
    samples = np.random.default_rng(0).standard_normal((200_000, 2))
    hit = covered(samples, np.array([0.5, 1.5]))
    # 0.5 sd is inside every central interval; 1.5 sd only inside the 95% and 99% ones.
    assert hit[:, 0].tolist() == [True, True, True]
    assert hit[:, 1].tolist() == [False, True, True]


def test_well_calibrated_gaussian_fits_pass_and_narrow_ones_fail():
    rng = np.random.default_rng(1)
    fisher = np.array([1.0, 1.0])
    honest, narrow = CoverageTable(NAMES), CoverageTable(NAMES)
    for _ in range(200):
        truth = rng.standard_normal(2)
        estimate = truth + rng.standard_normal(2)  # the posterior's centre scatters by one sd
        honest.add(estimate + rng.standard_normal((4000, 2)), truth, fisher)
        narrow.add(estimate + 0.8 * rng.standard_normal((4000, 2)), truth, fisher)
    assert honest.failures() == []
    problems = narrow.failures()
    assert any("68%" in p for p in problems)
    assert {p.split(":")[0] for p in problems if "Fisher" in p} == {"x0", "S0"}


def test_only_judged_fits_count_for_the_width_check():
    table = CoverageTable(NAMES)
    rng = np.random.default_rng(2)
    fisher = np.array([1.0, 1.0])
    for _ in range(5):
        table.add(rng.standard_normal((4000, 2)), np.zeros(2), fisher)
    table.add(0.3 * rng.standard_normal((4000, 2)), np.zeros(2), fisher, judge_sd=False)
    assert not [p for p in table.failures() if "Fisher" in p]
    assert "over the 5 fits" in table.format("t")
    table.sd_judged[-1] = True
    assert [p for p in table.failures() if "S0: posterior sd / Fisher sd" in p]
