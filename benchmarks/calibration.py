"""Calibration statistics of posterior samples against known truths (used by validate_engine).

For each fit on counts drawn from a known truth: whether each parameter's
central 68%, 95% and 99% intervals contain the truth, and the ratio of
each posterior standard deviation to the Fisher (expected-information)
standard deviation at the truth. `CoverageTable` pools them over fits and
judges them against binomial noise.

The Fisher width is the true posterior width only where the data, not the
prior, set it. A weak cool core is not such a case: measured on exact-model
draws, its Fisher sd of rc is 7-8 pixels for rc near 10 pixels, so the
Gaussian approximation runs far past rc2 >= 2 rc, and the posterior sd of
S0 comes out at 0.3 of Fisher's while a strong core's scatters about 1.
Such fits count for coverage, but their sd ratios are printed, not judged.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.stats import binomtest

LEVELS = (0.68, 0.95, 0.99)
P_MIN = 0.001            # per parameter and level: two-sided binomial p-value must exceed this
POOLED_SIGMAS = 3.0      # pooled over parameters: within this many binomial standard deviations
SD_PARAMS = ("x0", "y0", "S0", "B")
SD_TOLERANCE = 0.05      # mean posterior sd / Fisher sd within 5% of 1


def covered(samples: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """(levels, params) bool: is the truth inside each central interval of the pooled samples?"""
    rows = []
    for level in LEVELS:
        tail = 50.0 * (1.0 - level)
        low, high = np.percentile(samples, [tail, 100.0 - tail], axis=0)
        rows.append((low <= truth) & (truth <= high))
    return np.array(rows)


@dataclass
class CoverageTable:
    names: list
    hits: list = field(default_factory=list)        # (levels, params) bool per fit
    sd_ratios: list = field(default_factory=list)   # (params,) per fit
    sd_judged: list = field(default_factory=list)   # per fit: does the data set the width (see module doc)?

    def add(self, samples, truth, fisher_sd, judge_sd: bool = True) -> np.ndarray:
        hit = covered(samples, truth)
        self.hits.append(hit)
        self.sd_ratios.append(samples.std(axis=0, ddof=1) / fisher_sd)
        self.sd_judged.append(judge_sd)
        return hit

    @property
    def judged_ratios(self) -> np.ndarray:
        """(judged fits, params): the sd ratios of the fits whose width the data set."""
        return np.array(self.sd_ratios)[np.array(self.sd_judged, dtype=bool)]

    @property
    def n(self) -> int:
        return len(self.hits)

    def failures(self) -> list[str]:
        """What is inconsistent with nominal coverage or with the Fisher widths."""
        if not self.hits:
            return []
        problems = []
        counts = np.sum(self.hits, axis=0)                       # (levels, params)
        for i, level in enumerate(LEVELS):
            for j, name in enumerate(self.names):
                p = binomtest(int(counts[i, j]), self.n, level).pvalue
                if p < P_MIN:
                    problems.append(f"{name}: {counts[i, j]}/{self.n} inside the {level:.0%} intervals "
                                    f"(binomial p = {p:.1e})")
            pooled = counts[i].sum() / (self.n * len(self.names))
            sigma = np.sqrt(level * (1 - level) / (self.n * len(self.names)))
            if abs(pooled - level) > POOLED_SIGMAS * sigma:
                problems.append(f"pooled {level:.0%} coverage {pooled:.3f} is more than "
                                f"{POOLED_SIGMAS:g} binomial sd ({sigma:.3f}) from nominal")
        for name, mean, _ in self.sd_summary():
            if abs(mean - 1) > SD_TOLERANCE:
                problems.append(f"{name}: posterior sd / Fisher sd = {mean:.3f} on average")
        return problems

    def sd_summary(self):
        """(name, mean ratio, standard error) over the judged fits, for the parameters whose sd
        is compared with Fisher's."""
        ratios = self.judged_ratios
        out = []
        if len(ratios) < 2:
            return out
        for name in SD_PARAMS:
            if name in self.names:
                column = ratios[:, self.names.index(name)]
                out.append((name, column.mean(), column.std(ddof=1) / np.sqrt(column.size)))
        return out

    def format(self, title: str) -> str:
        counts = np.sum(self.hits, axis=0)
        ratios = np.array(self.sd_ratios)
        lines = [f"{title}: {self.n} observations",
                 f"{'param':7s}" + "".join(f" {f'{level:.0%} cover':>12s}" for level in LEVELS)
                 + f" {'sd/Fisher':>10s} {'(judged)':>9s}"]
        judged = self.judged_ratios
        for j, name in enumerate(self.names):
            cells = "".join(f" {f'{counts[i, j]}/{self.n} {counts[i, j] / self.n:.2f}':>12s}"
                            for i in range(len(LEVELS)))
            judged_mean = f"{judged[:, j].mean():9.3f}" if len(judged) else f"{'-':>9s}"
            lines.append(f"{name:7s}{cells} {ratios[:, j].mean():10.3f} {judged_mean}")
        pooled = "".join(f" {counts[i].sum() / (self.n * len(self.names)):12.3f}" for i in range(len(LEVELS)))
        lines.append(f"{'pooled':7s}{pooled}")
        lines.append("nominal" + "".join(f" {level:12.2f}" for level in LEVELS))
        lines.append(f"mean posterior sd / Fisher sd over the {len(judged)} fits whose width the data set: " + ", ".join(
            f"{name} {mean:.3f} +- {err:.3f}" for name, mean, err in self.sd_summary()))
        return "\n".join(lines)
