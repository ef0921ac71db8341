"""Full validation of the reference engine (slow: tens of minutes; not part of `make test`).

1. Convergence, measured as the notebook measures it (incredible's
   GelmanRubinR and effective_samples with maxlag=750), with margin:
   R < 1.05 and n_eff >= 300 (single) / 225 (double), for every course data
   set (reference mask, seed 0) and for 5 seeds on the default data set.
2. Truth coverage: on the circular data sets without a streak whose truth
   has two components, the double model's central 99% interval must contain
   the true value for >= 90% of the parameters.

Prints one table row per fit and exits non-zero if any check fails.
Usage: python benchmarks/validate_engine.py [--datasets A B ...] [--seeds N] [--skip-seeds]
       python benchmarks/validate_engine.py --from-reference   (table from reference.json, no fitting)
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from solutions_lib import datasets  # noqa: E402
from solutions_lib.data import prepare  # noqa: E402
from solutions_lib.fitting import NEFF_TARGET, R_TARGET, converged, fit_double, fit_single  # noqa: E402
from solutions_lib.likelihood import PixelData  # noqa: E402
from solutions_lib.model import PARAMNAMES2  # noqa: E402

COVERAGE_TARGET = 0.9


def coverage_applies(truth: dict) -> bool:
    return (truth.get("n_components") == 2 and not truth.get("streak")
            and float(truth.get("ellipticity") or 0.0) == 0.0)


def coverage(truth: dict, lower: dict, upper: dict, label: str, failures: list) -> str:
    """Fraction of double-model parameters whose truth lies in [lower, upper], as a table cell;
    appends a failure naming the missed parameters when below the target."""
    inside = [lower[p] <= truth["params"][p] <= upper[p] for p in PARAMNAMES2]
    if np.mean(inside) < COVERAGE_TARGET:
        failures.append(f"{label}: truth outside the 99% interval for "
                        f"{[p for p, i in zip(PARAMNAMES2, inside) if not i]}")
    return f"{np.mean(inside):.2f}"


def summarize(failures: list) -> int:
    """Print the failures and the verdict; the exit status."""
    for failure in failures:
        print("FAILED:", failure)
    print("ALL CHECKS PASSED" if not failures else f"{len(failures)} FAILURES")
    return 1 if failures else 0


def run_one(name: str, seed: int, rows: list, failures: list):
    truth = datasets.load_truth(name)
    pixels = PixelData.from_data(prepare(datasets.course_data_dir(name), datasets.reference_region_string(name)))
    results = []
    try:
        single = fit_single(pixels, seed=seed, progress=False)
        results.append(single)
        results.append(fit_double(pixels, seed=seed, single=single, progress=False))
    except Exception as exc:  # report and carry on with the other fits
        failures.append(f"{name} seed {seed}: {type(exc).__name__}: {exc}")
        print(f"{name:9s} {seed:4d}  FAILED: {exc}", flush=True)
        return
    for result in results:
        ok = converged(result.R, result.neff, result.model)
        cover = ""
        if result.model == "double" and coverage_applies(truth):
            lo, hi = np.percentile(result.samples, [0.5, 99.5], axis=0)
            cover = coverage(truth, dict(zip(PARAMNAMES2, lo)), dict(zip(PARAMNAMES2, hi)),
                             f"{name} seed {seed}", failures)
        if not ok:
            failures.append(f"{name} seed {seed} {result.model}: R max {result.R.max():.3f}, "
                            f"n_eff min {result.neff.min():.0f}")
        row = (f"{name:9s} {seed:4d} {result.model:6s} {result.chains.shape[0]:3d}x{result.chains.shape[1]:<5d} "
               f"{result.R.max():7.3f} {result.neff.min():7.0f} {result.seconds:7.1f} {result.dic:13.1f} "
               f"{cover:>6s} {'ok' if ok else 'NOT CONVERGED'}")
        rows.append(row)
        print(row, flush=True)


def from_reference() -> int:
    """Convergence and coverage table from the stored reference answers (no refitting)."""
    import json

    from solutions_lib.fit_cli import REFERENCE_FILE

    document = json.loads(REFERENCE_FILE.read_text())
    failures = []
    print(f"{'data set':9s} {'model':6s} {'chains':9s} {'max R':>7s} {'min neff':>8s} {'cover':>6s}")
    for name, entry in document["datasets"].items():
        truth = datasets.load_truth(name)
        for model in ("single", "double"):
            ref = entry[model]
            R, neff = max(ref["R"].values()), min(ref["neff"].values())
            ok = R < R_TARGET and neff >= NEFF_TARGET[model]
            cover = ""
            if model == "double" and coverage_applies(truth) and "q005" in ref:
                cover = coverage(truth, ref["q005"], ref["q995"], name, failures)
            if not ok:
                failures.append(f"{name} {model}: R max {R:.3f}, n_eff min {neff:.0f}")
            print(f"{name:9s} {model:6s} {ref['n_chains']:3d}x{ref['n_samples']:<5d} {R:7.3f} {neff:8.0f} "
                  f"{cover:>6s} {'ok' if ok else 'NOT CONVERGED'}")
    return summarize(failures)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="*", default=None)
    parser.add_argument("--seeds", type=int, default=5, help="seeds on the default data set")
    parser.add_argument("--skip-seeds", action="store_true")
    parser.add_argument("--only-seeds", action="store_true", help="only the extra seeds on the default data set")
    parser.add_argument("--from-reference", action="store_true")
    args = parser.parse_args(argv)
    if args.from_reference:
        return from_reference()
    names = args.datasets or datasets.dataset_names()
    started = time.perf_counter()
    rows, failures = [], []
    print(f"{'data set':9s} {'seed':>4s} {'model':6s} {'chains':9s} {'max R':>7s} {'min neff':>7s} "
          f"{'sec':>7s} {'DIC':>13s} {'cover':>6s}")
    for name in ([] if args.only_seeds else names):
        run_one(name, 0, rows, failures)
    if not args.skip_seeds:
        for seed in range(1, args.seeds):
            run_one(datasets.DEFAULT_DATASET, seed, rows, failures)
    print(f"\n{len(rows)} fits in {time.perf_counter() - started:.0f} s; "
          f"targets R < {R_TARGET}, n_eff >= {NEFF_TARGET}, coverage >= {COVERAGE_TARGET}")
    return summarize(failures)


if __name__ == "__main__":
    sys.exit(main())
