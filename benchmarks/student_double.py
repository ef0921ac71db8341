"""Can a student pass the double-model checks, and how long does the sampling take?

For each data set: the student-style fit of `student_fit` (numba + emcee
DEMove, no solutions_lib) on the good pixels left by the reference mask,
sampled until the notebook's targets hold (R < 1.1, n_eff > 150) or 10
minutes pass (of two cores' CPU time: 1200 CPU seconds, so that a shared
machine does not cut the run short); then the grader's own hidden checks (chains, posterior, DIC)
on the result, as handed in and with the two components' labels exchanged. DIC1 uses the reference engine's single-model chains (the
single model is not what this measures); both DICs are computed the
student's way (<D> + var(D)/2, as the notebook defines it), with the
student's likelihood.

Usage: python benchmarks/student_double.py [--datasets A B ...] [--max-seconds 600]
(default: the catalogue's data sets without a cool core).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import student_fit  # noqa: E402


def student_dic(chains, data) -> float:
    """DIC = <D> + var(D)/2 from about 4000 samples, the notebook's recipe."""
    samples = chains.reshape(-1, chains.shape[-1])
    samples = samples[:: max(1, samples.shape[0] // 4000)]
    args = (data["flatx"], data["flaty"], data["flatex"], data["flatim"])
    deviance = np.array([-2 * student_fit.loglike_double(*args, *theta) for theta in samples])
    return float(deviance.mean() + 0.5 * deviance.var())


def as_double(single_chains):
    """Single-model chains as double-model rows with S02 = 0 (for the shared likelihood)."""
    extra = np.broadcast_to([0.0, 1.0, 1.0], single_chains.shape[:-1] + (3,))
    return np.concatenate([single_chains, extra], axis=-1)


# paramnames2 order with the two components' (S, rc, beta) exchanged: the other labelling.
SWAP_COMPONENTS = [0, 1, 6, 7, 8, 5, 2, 3, 4]


def grade(name, chains2, chains, dic1, dic2, goodpix, suffix="") -> dict:
    """The grader's hidden double-model and DIC verdicts on what this student hands in."""
    from solutions_lib.grading.handins import HandIn
    from solutions_lib.grading.judgement import Judgement

    judgement = Judgement(None, name)
    handed_in = {"chains": chains2, "goodpix": goodpix}
    dics = {"DIC1": np.array(dic1), "DIC2": np.array(dic2), "chains": chains, "chains2": chains2,
            "goodpix": goodpix}
    return {"chains" + suffix: judgement.check(HandIn("chains-double", tuple(handed_in)), handed_in),
            "posterior" + suffix: judgement.check(HandIn("posterior-double", tuple(handed_in)), handed_in),
            "dic" + suffix: judgement.check(HandIn("dic", tuple(dics)), dics)}


def run(name: str, max_seconds: float) -> dict:
    from solutions_lib.data import catalogue
    from solutions_lib.engine.fitting import fit_single

    data = student_fit.load(str(catalogue.course_data_dir(name)) + "/", catalogue.reference_region_string(name))
    single = fit_single(catalogue.reference_data(name), seed=0, progress=False)
    started = time.perf_counter()
    start = student_fit.find_maximum(data, single.median)
    optimise_s = time.perf_counter() - started
    chains, R, neff, sample_s, sample_cpu = student_fit.sample(
        data, start, max_seconds=max_seconds, log=lambda m: print(f"  [{name}] {m}", flush=True))
    dic1, dic2 = student_dic(as_double(single.chains), data), student_dic(chains, data)
    verdicts = {}
    for labels, handed in (("", chains), (" (labels swapped)", chains[..., SWAP_COMPONENTS])):
        verdicts.update(grade(name, handed, single.chains, dic1, dic2, data["goodpix"], labels))
    return {"name": name, "optimise_s": optimise_s, "sample_s": sample_s, "sample_cpu": sample_cpu,
            "shape": chains.shape,
            "R": float(R.max()), "neff": float(neff.min()), "dDIC": dic1 - dic2,
            "medians": np.median(chains.reshape(-1, 9), axis=0), "verdicts": verdicts}


def main(argv=None) -> int:
    from solutions_lib.data import catalogue

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="*")
    parser.add_argument("--max-seconds", type=float, default=600.0)
    args = parser.parse_args(argv)
    names = args.datasets or [s.name for s in catalogue.CATALOGUE if s.cool_core == "none"]
    rows = [run(name, args.max_seconds) for name in names]
    print(f"\n{'data set':9s} {'optimise':>8s} {'sampling':>8s} {'CPU/2':>7s} {'chains':>12s} {'max R':>6s} "
          f"{'min neff':>8s} {'dDIC':>7s}  checks")
    failed = 0
    for row in rows:
        verdicts = ", ".join(f"{k} {'ok' if v.passed else 'FAILED'}" for k, v in row["verdicts"].items())
        failed += sum(not v.passed for v in row["verdicts"].values())
        print(f"{row['name']:9s} {row['optimise_s']:7.0f}s {row['sample_s']:7.0f}s {row['sample_cpu'] / 2:6.0f}s "
              f"{str(row['shape']):>12s} "
              f"{row['R']:6.3f} {row['neff']:8.0f} {row['dDIC']:7.1f}  {verdicts}")
        for key, verdict in row["verdicts"].items():
            if not verdict.passed:
                print(f"    {key}: {verdict.message}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
