"""Full validation of the reference engine (slow: ~15 minutes; not part of `make test`).

1. Convergence, measured as the notebook measures it (incredible's
   GelmanRubinR and effective_samples with maxlag=750), with margin:
   R < 1.05 and n_eff >= 300 (single) / 225 (double), for every course data
   set (reference mask, seed 0) and for 5 seeds on the default data set.
2. Truth coverage on data the model describes exactly: for each circular
   data set without a streak whose truth has two components, ``--draws``
   fresh counts images drawn from the true double-beta model plus a flat
   background on that data set's exposure map and good pixels
   (`synthetic.redraw_counts`). Over all draws and parameters, the double
   model's central 99% interval must contain the truth >= 90% of the time.
   The committed mocks themselves are printed for information only: the model
   does not describe them exactly (their particle background falls with the
   dither coverage at chip edges and bad columns, and sources below ~10
   counts stay unmasked), which biases B and the halo by up to ~2 sigma.
3. DIC2 < DIC1 on every data set with a strong cool core.

Prints one table row per fit and exits non-zero if any check fails.
Usage: python benchmarks/validate_engine.py [--datasets A B ...] [--seeds N] [--draws N] [--skip-seeds]
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
from solutions_lib.fitting import NEFF_TARGET, R_TARGET, converged, fit_double, fit_single  # noqa: E402
from solutions_lib.likelihood import PixelData  # noqa: E402
from solutions_lib.model import PARAMNAMES2  # noqa: E402
from solutions_lib.synthetic import redraw_counts  # noqa: E402

COVERAGE_TARGET = 0.9


def coverage_applies(truth: dict) -> bool:
    return (truth.get("n_components") == 2 and not truth.get("streak")
            and float(truth.get("ellipticity") or 0.0) == 0.0)


def inside_interval(truth: dict, lower, upper) -> np.ndarray:
    """(9,) bool: which double-model parameters have their true value in [lower, upper]
    (both in paramnames2 order)."""
    true = np.array([truth["params"][p] for p in PARAMNAMES2])
    return (np.asarray(lower) <= true) & (true <= np.asarray(upper))


def missed(inside: np.ndarray) -> str:
    return ", ".join(p for p, ok in zip(PARAMNAMES2, inside) if not ok) or "-"


def coverage_verdict(records: list, what: str, failures: list | None) -> None:
    """Print the pooled coverage of ``records`` ((label, inside) pairs); with a ``failures``
    list, a pooled coverage below the target is a failure."""
    if not records:
        return
    inside = np.concatenate([flags for _, flags in records])
    print(f"coverage of the 99% intervals, {what}: {inside.sum()}/{inside.size} = {inside.mean():.3f}"
          f"{'' if failures is not None else ' (information only)'}")
    for label, flags in records:
        if not flags.all():
            print(f"  {label}: truth outside for {missed(flags)}")
    if failures is not None and inside.mean() < COVERAGE_TARGET:
        failures.append(f"coverage {what}: {inside.mean():.3f} < {COVERAGE_TARGET}")


def summarize(failures: list) -> int:
    """Print the failures and the verdict; the exit status."""
    for failure in failures:
        print("FAILED:", failure)
    print("ALL CHECKS PASSED" if not failures else f"{len(failures)} FAILURES")
    return 1 if failures else 0


def fit_row(label: str, seed: int, result, cover: str, failures: list) -> str:
    """One table row for a fit; a fit short of the convergence targets is a failure."""
    ok = converged(result.R, result.neff, result.model)
    if not ok:
        failures.append(f"{label} seed {seed} {result.model}: R max {result.R.max():.3f}, "
                        f"n_eff min {result.neff.min():.0f}")
    return (f"{label:12s} {seed:4d} {result.model:6s} {result.chains.shape[0]:3d}x{result.chains.shape[1]:<5d} "
            f"{result.R.max():7.3f} {result.neff.min():7.0f} {result.seconds:7.1f} {result.dic:13.1f} "
            f"{cover:>6s} {'ok' if ok else 'NOT CONVERGED'}")


def fit_and_report(label: str, data, seed: int, truth: dict, rows: list, failures: list,
                   records: list, models=("single", "double")):
    """Fit ``models`` to ``data``, print a row per fit and, for the double model on a
    coverage data set, append (label, inside) to ``records``."""
    pixels = PixelData.from_data(data)
    results = []
    try:
        if "single" in models:
            results.append(fit_single(pixels, seed=seed, progress=False))
        results.append(fit_double(pixels, seed=seed, single=results[0] if results else None,
                                  progress=False, with_dic="single" in models))
    except Exception as exc:  # report and carry on with the other fits
        failures.append(f"{label} seed {seed}: {type(exc).__name__}: {exc}")
        print(f"{label:12s} {seed:4d}  FAILED: {exc}", flush=True)
        return
    if len(results) == 2 and truth.get("cool_core_strength") == "strong" and not results[1].dic < results[0].dic:
        failures.append(f"{label} seed {seed}: strong cool core but DIC2 {results[1].dic:.1f} "
                        f">= DIC1 {results[0].dic:.1f}")
    for result in results:
        cover = ""
        if result.model == "double" and coverage_applies(truth):
            inside = inside_interval(truth, result.percentile(0.5), result.percentile(99.5))
            records.append((f"{label} seed {seed}", inside))
            cover = f"{inside.mean():.2f}"
        rows.append(fit_row(label, seed, result, cover, failures))
        print(rows[-1], flush=True)


def from_reference() -> int:
    """Convergence and coverage table from the stored reference answers (no refitting)."""
    import json

    from solutions_lib.fit_cli import REFERENCE_FILE

    document = json.loads(REFERENCE_FILE.read_text())
    failures, records = [], []
    print(f"{'data set':9s} {'model':6s} {'chains':9s} {'max R':>7s} {'min neff':>8s} {'cover':>6s}")
    for name, entry in document["datasets"].items():
        truth = datasets.load_truth(name)
        for model in ("single", "double"):
            ref = entry[model]
            R, neff = max(ref["R"].values()), min(ref["neff"].values())
            ok = R < R_TARGET and neff >= NEFF_TARGET[model]
            cover = ""
            if model == "double" and coverage_applies(truth) and "q005" in ref:
                inside = inside_interval(truth, [ref["q005"][p] for p in PARAMNAMES2],
                                         [ref["q995"][p] for p in PARAMNAMES2])
                records.append((name, inside))
                cover = f"{inside.mean():.2f}"
            if not ok:
                failures.append(f"{name} {model}: R max {R:.3f}, n_eff min {neff:.0f}")
            print(f"{name:9s} {model:6s} {ref['n_chains']:3d}x{ref['n_samples']:<5d} {R:7.3f} {neff:8.0f} "
                  f"{cover:>6s} {'ok' if ok else 'NOT CONVERGED'}")
    coverage_verdict(records, "committed mocks", None)
    return summarize(failures)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="*", default=None)
    parser.add_argument("--seeds", type=int, default=5, help="seeds on the default data set")
    parser.add_argument("--draws", type=int, default=3,
                        help="exact-model draws per coverage data set (default 3)")
    parser.add_argument("--skip-seeds", action="store_true")
    parser.add_argument("--only-seeds", action="store_true", help="only the extra seeds on the default data set")
    parser.add_argument("--from-reference", action="store_true")
    args = parser.parse_args(argv)
    if args.from_reference:
        return from_reference()
    names = args.datasets or datasets.dataset_names()
    started = time.perf_counter()
    rows, failures, mock_records, exact_records = [], [], [], []
    print(f"{'data set':12s} {'seed':>4s} {'model':6s} {'chains':9s} {'max R':>7s} {'min neff':>7s} "
          f"{'sec':>7s} {'DIC':>13s} {'cover':>6s}")
    for name in ([] if args.only_seeds else names):
        fit_and_report(name, datasets.reference_data(name), 0, datasets.load_truth(name), rows, failures, mock_records)
    if not args.skip_seeds:
        default = datasets.DEFAULT_DATASET
        for seed in range(1, args.seeds):
            # Same data, other sampler seeds: for convergence only (coverage would count one data set 5 times).
            fit_and_report(default, datasets.reference_data(default), seed, datasets.load_truth(default), rows,
                           failures, records=[])
    for name in ([] if args.only_seeds else names):
        truth = datasets.load_truth(name)
        if not coverage_applies(truth):
            continue
        data = datasets.reference_data(name)
        for draw in range(args.draws):
            fit_and_report(f"{name}~{draw}", redraw_counts(data, truth["params"], seed=draw), draw,
                           truth, rows, failures, exact_records, models=("double",))
    print(f"\n{len(rows)} fits in {time.perf_counter() - started:.0f} s; "
          f"targets R < {R_TARGET}, n_eff >= {NEFF_TARGET}, coverage >= {COVERAGE_TARGET}")
    print("(name~k: counts redrawn from the true model, draw k)")
    coverage_verdict(mock_records, "committed mocks", None)
    coverage_verdict(exact_records, "exact-model draws", failures)
    return summarize(failures)


if __name__ == "__main__":
    sys.exit(main())
