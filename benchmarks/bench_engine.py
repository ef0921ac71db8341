"""Speed of the reference inference engine on three observations of different kinds (`make bench`).

The observations: the default course data set (cl_j0142: ACIS-I, 70 ks, a
strong cool core), a course data set without a cool core on ACIS-S
(cl_j0933), and an independently simulated ACIS-I observation with a cool
core, an exposure map in seconds and a flux of ~3 counts/s, its counts drawn
exactly from the model (`other_observations`, case 'seconds'). For each it
prints, against its target:

1. one single-beta log-likelihood evaluation (ms): the plain numba loop
   (baseline, measured in this same run on this observation), one call of
   the fast kernel, and the per-evaluation cost of the batched kernel the
   sampler uses (target <= 0.4 ms on the course's 255k-pixel images);
2. double-beta fit time to the convergence thresholds, maximum and DIC2
   included (target <= 45 s);
3. both fits plus both DICs (target <= 90 s).

The machine may be shared, so absolute times are noisy: each fit's line
also gives its ratio to the baseline measured in the same process just
before (the double fit in baseline evaluations), the CPU time it used and
the load average at its end; the number of sampler evaluations does not
depend on the load at all.
Usage: python benchmarks/bench_engine.py [--datasets NAME ...] [--seed N] [--loglike-only]
"""
from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

import numpy as np
import numba

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from other_observations import observation  # noqa: E402

from solutions_lib.data import catalogue  # noqa: E402
from solutions_lib.engine.likelihood import (PixelData, loglike_batch, loglike_double,  # noqa: E402
                                             loglike_numpy, loglike_single)


@numba.njit(cache=True)
def _plain_loop(x, y, e, n, x0, y0, S0, rc, beta, B):
    total = 0.0
    for i in range(x.size):
        r = math.sqrt((x[i] - x0) ** 2 + (y[i] - y0) ** 2)
        mu = S0 * (1.0 + (r / rc) ** 2) ** (-3.0 * beta + 0.5) * e[i] + B
        total += n[i] * math.log(mu) - mu
    return total


def loglike_plain_numba(theta, data) -> float:
    """The straightforward numba loop over pixels: the baseline the fast kernels are measured against."""
    px = PixelData.from_data(data)
    return float(_plain_loop(px.x, px.y, px.exposure, px.counts, *np.asarray(theta, float)))


TARGETS = {"loglike_ms": 0.4, "double_s": 45.0, "total_s": 90.0}


def best_time(fn, repeat=7, number=50) -> float:
    """Best-of-``repeat`` mean time of ``number`` calls, in seconds (least disturbed by other load)."""
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - start) / number)
    return min(times)


def line(label, value, unit, target=None):
    verdict = "" if target is None else f"   target <= {target:g} {unit}: {'OK' if value <= target else 'MISSED'}"
    print(f"{label:<58s} {value:9.3f} {unit}{verdict}", flush=True)


DATASETS = ("cl_j0142", "cl_j0933", "seconds")   # course data sets by name; others from `other_observations`


def load(name: str) -> PixelData:
    """The good pixels of a course data set (its reference mask) or of an `other_observations` case."""
    if name in catalogue.dataset_names():
        return PixelData.from_data(catalogue.reference_data(name))
    return observation(name).pixels


def bench_loglike(pixels: PixelData) -> float:
    """The kernel timings on ``pixels``; returns the baseline (plain numba loop) in ms."""
    ny, nx = pixels.shape
    # A cluster at the centre with S0 a thousandth of the data's count rate per pixel, in the data's units
    # (1e-4 to 1e-2 of it on the course's data sets), and the mean counts per pixel as background.
    S0 = 1e-3 * pixels.counts.sum() / pixels.exposure.mean()
    theta = np.array([nx / 2, ny / 2, S0, 8.0, 0.7, pixels.counts.mean()])
    theta2 = np.concatenate([theta, [0.1 * S0, 30.0, 0.65]])
    started = time.perf_counter()
    loglike_single(theta, pixels)
    loglike_double(theta2, pixels)
    loglike_batch(np.tile(theta, (4, 1)), pixels)
    first = time.perf_counter() - started
    rel = abs(loglike_single(theta, pixels) / loglike_numpy(theta, pixels) - 1)
    print(f"{pixels.size} good pixels ({pixels.n_positive} with counts), "
          f"{numba.get_num_threads()} numba threads, layer {numba.threading_layer()}")
    line("first calls (compile or load from numba cache)", first, "s")
    print(f"relative difference from numpy float64: {rel:.1e}")
    base = best_time(lambda: loglike_plain_numba(theta, pixels), repeat=5, number=10) * 1e3
    one = best_time(lambda: loglike_single(theta, pixels)) * 1e3
    batch4 = best_time(lambda: loglike_batch(np.tile(theta, (4, 1)), pixels)) * 1e3 / 4
    batch12 = best_time(lambda: loglike_batch(np.tile(theta, (12, 1)), pixels), number=20) * 1e3 / 12
    double12 = best_time(lambda: loglike_batch(np.tile(theta2, (12, 1)), pixels), number=20) * 1e3 / 12
    line("single loglike, plain numba loop (baseline)", base, "ms")
    line("single loglike, fast kernel, one call", one, "ms")
    line("single loglike per evaluation, batch of 4 (threads)", batch4, "ms")
    line("single loglike per evaluation, batch of 12 (sampler)", batch12, "ms", TARGETS["loglike_ms"])
    line("double loglike per evaluation, batch of 12", double12, "ms")
    print(f"speed-up over the plain loop: one call {base / one:.1f}x, batched {base / batch12:.1f}x")
    return base


def bench_fits(pixels: PixelData, seed: int, baseline_ms: float) -> dict:
    """Both fits with their DICs; returns the figures of the summary table."""
    from solutions_lib.engine.fitting import fit_double, fit_single

    started = time.perf_counter()
    single = fit_single(pixels, seed=seed, progress=False)
    cpu_started = time.process_time()
    double = fit_double(pixels, seed=seed, single=single, progress=False)
    cpu = time.process_time() - cpu_started
    total = time.perf_counter() - started
    for result in (single, double):
        print(f"{result.model.name}: {result.chains.shape[0]} chains x {result.chains.shape[1]} samples, "
              f"max R = {result.R.max():.3f}, min n_eff = {result.neff.min():.0f}, "
              f"{result.extra['evaluations']} evaluations, DIC = {result.dic:.1f}, "
              f"self-checks {'passed' if result.checks.passed else 'FAILED: ' + '; '.join(result.checks.lines())}")
    line("single fit + DIC1", single.seconds, "s")
    line("double fit (maximum + sampling to thresholds) + DIC2", double.seconds, "s", TARGETS["double_s"])
    line("both fits + both DICs", total, "s", TARGETS["total_s"])
    ratio = double.seconds / (baseline_ms / 1e3)
    print(f"double fit = {ratio:.0f} baseline evaluations (plain loop on this observation, this run); "
          f"{cpu:.1f} s of CPU time (both cores together), load average {os.getloadavg()[0]:.1f}")
    return {"double_s": double.seconds, "total_s": total, "ratio": ratio, "cpu_s": cpu,
            "evaluations": double.extra["evaluations"], "delta_dic": single.dic - double.dic,
            "load": os.getloadavg()[0]}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="*", default=list(DATASETS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--loglike-only", action="store_true")
    args = parser.parse_args(argv)
    rows = {}
    for name in args.datasets:
        pixels = load(name)
        print(f"\n=== {name}: {pixels.size} good pixels, {int(pixels.counts.sum())} counts ===")
        baseline = bench_loglike(pixels)
        if not args.loglike_only:
            rows[name] = bench_fits(pixels, args.seed, baseline)
    if rows:
        print(f"\n{'observation':12s} {'double+DIC2 s':>13s} {'cpu s':>6s} {'both s':>7s} {'in baselines':>12s} "
              f"{'evaluations':>11s} {'DIC1-DIC2':>9s} {'load':>5s}")
        for name, row in rows.items():
            verdict = "OK" if row["double_s"] <= TARGETS["double_s"] else "MISSED"
            print(f"{name:12s} {row['double_s']:13.1f} {row['cpu_s']:6.1f} {row['total_s']:7.1f} {row['ratio']:12.0f} "
                  f"{row['evaluations']:11d} {row['delta_dic']:9.1f} {row['load']:5.1f}  double target <= "
                  f"{TARGETS['double_s']:g} s: {verdict}")


if __name__ == "__main__":
    main()
