"""Chains judged as posterior draws: honest chains of every data set pass, every attack fails.

The figures behind `grading.stein`'s tolerances and issue 19's closing
table. For each data set:

* honest chains (`honest_chains`: the reference engine, both models; the
  single model with a prior uniform in S0; the student-style double fit),
  judged by the chain check, with Stein's largest excesses (< 0 passes);
* the attacks of `tests/support/chain_attacks.py`, judged by the cells they fake
  (chains, posterior, DIC);
* Laplace draws, N(MAP, Fisher^-1), over several seeds: the share that
  fails (the test's power) and the share that passes flagged for the hand
  grader.

Usage (``make validate-judging``; about 25 minutes on 2 cores once the
honest chains are cached)::

    python benchmarks/judge_chains.py [--datasets NAME ...] [--laplace-seeds 5] [--make-missing]

Writes ``benchmarks/out/judge_chains.json``.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tests" / "support")]

import chain_attacks  # noqa: E402
import honest_chains  # noqa: E402
from solutions_lib.data import catalogue  # noqa: E402
from solutions_lib.engine.models import model_named  # noqa: E402
from solutions_lib.grading import stein  # noqa: E402
from solutions_lib.grading.checks.chains import order_components  # noqa: E402
from solutions_lib.grading.handins import HandIn  # noqa: E402
from solutions_lib.grading.judgement import Judgement  # noqa: E402
from solutions_lib.grading.reference import reference_for  # noqa: E402
from solutions_lib.grading.trusted import trusted_dataset  # noqa: E402
from solutions_lib.grading.verdict import Verdict  # noqa: E402

PARTS = ("honest", "attacks", "laplace")
HONEST = (("engine", "chains", "single"), ("engine", "chains2", "double"),
          ("uniform_s0", "chains", "single"), ("student", "chains2", "double"))


def verdict(name: str, key: str, arrays: dict) -> Verdict:
    """The grader's verdict of check ``key`` (e.g. ``chains-single``) on ``arrays``, on data set ``name``."""
    return Judgement(None, name).check(HandIn(key, tuple(arrays)), arrays)


def stein_excess(chains: np.ndarray, name_of_model: str, name: str, goodpix) -> dict:
    """Stein's largest mean and spread excesses (> 0 fails) and the judged parameters."""
    model = model_named(name_of_model)
    chains, _ = order_components(chains, model)
    pixels = trusted_dataset(name).fit_pixels(goodpix)
    judged = stein.judged_parameters(reference_for(name, name_of_model), model)
    result = stein.stein_statistics(chains, model, judged, stein.likelihood_at_draws(chains, pixels)[1])
    return {"judged": list(judged), "mean_excess": float(result.mean_excess().max(initial=-np.inf)),
            "spread_excess": float(result.spread_excess().max(initial=-np.inf)),
            "tau_min": float(result.tau.min())}


def judge_honest(name: str, make_missing: bool) -> list[dict]:
    rows = []
    for kind, key, model in HONEST:
        cached = honest_chains.make(name, kind) if make_missing else honest_chains.load(name, kind)
        if cached is None:
            rows.append({"kind": kind, "model": model, "verdict": "not made"})
            continue
        judged = verdict(name, f"chains-{model}", {"chains": cached[key], "goodpix": cached["goodpix"]})
        row = {"kind": kind, "model": model, "verdict": "pass" if judged.passed else "FAIL",
               "flagged": bool(judged.flag), "message": judged.message}
        row.update(stein_excess(cached[key], model, name, cached["goodpix"]))
        rows.append(row)
    return rows


def _cells(chains: np.ndarray, model: str, name: str, goodpix) -> dict:
    arrays = {"chains": chains, "goodpix": goodpix}
    return {cell: verdict(name, f"{cell}-{model}", arrays) for cell in ("chains", "posterior")}


def _dic_cell(chains: np.ndarray, chains2: np.ndarray, name: str, goodpix) -> Verdict:
    pixels = chain_attacks.student_pixels(name)
    arrays = {"chains": chains, "chains2": chains2, "goodpix": goodpix,
              "DIC1": np.array(chain_attacks.dic_of(chains, pixels)),
              "DIC2": np.array(chain_attacks.dic_of(chains2, pixels))}
    return verdict(name, "dic", arrays)


def judge_attacks(name: str) -> list[dict]:
    goodpix = np.asarray(catalogue.reference_data(name)["goodpix"])
    reference_delta = reference_for(name, "single")["dic"] - reference_for(name, "double")["dic"]
    rows = []

    def add(attack, verdicts):
        rows.append({"attack": attack, **{cell: ("pass" if v.passed else "fail") + (" (flagged)" if v.flag else "")
                                          for cell, v in verdicts.items()},
                     "reasons": {cell: v.message[:90] for cell, v in verdicts.items() if not v.passed}})

    noise = {model: chain_attacks.noise_chains(name, model) for model in ("single", "double")}
    for model, chains in noise.items():
        add(f"tuned noise, {model}", _cells(chains, model, name, goodpix))
    add("tuned noise, DIC", {"dic": _dic_cell(noise["single"], noise["double"], name, goodpix)})
    chains, chains2 = chain_attacks.dic_by_construction(name, 0.5 * reference_delta)
    add("DIC by construction", {"dic": _dic_cell(chains, chains2, name, goodpix)})
    engine = honest_chains.load(name, "engine")
    if engine is not None:  # the first model sampled honestly, the second made up to set the difference
        chains, chains2 = chain_attacks.dic_by_construction(name, 0.5 * reference_delta, single=engine["chains"])
        add("DIC by construction, honest single", {"dic": _dic_cell(chains, chains2, name, goodpix)})
    for jitter in (0.0, 1e-3, 0.3):
        for model in ("single", "double"):
            chains = chain_attacks.map_plus_background_noise(name, model, jitter=jitter)
            add(f"MAP + B noise (jitter {jitter}), {model}", _cells(chains, model, name, goodpix))
    return rows


def laplace_power(name: str, seeds: int) -> list[dict]:
    goodpix = np.asarray(catalogue.reference_data(name)["goodpix"])
    rows = []
    for model in ("single", "double"):
        verdicts = [verdict(name, f"chains-{model}", {"chains": chain_attacks.laplace_draws(name, model, seed),
                                                      "goodpix": goodpix}) for seed in range(seeds)]
        rows.append({"model": model, "seeds": seeds,
                     "failed": sum(not v.passed for v in verdicts),
                     "passed_flagged": sum(v.passed and bool(v.flag) for v in verdicts),
                     "passed_unflagged": sum(v.passed and not v.flag for v in verdicts)})
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="*")
    parser.add_argument("--laplace-seeds", type=int, default=5)
    parser.add_argument("--make-missing", action="store_true", help="make honest chains that are not cached")
    parser.add_argument("--parts", nargs="*", choices=PARTS, default=list(PARTS))
    parser.add_argument("--out", default=str(HERE / "out" / "judge_chains.json"))
    args = parser.parse_args(argv)
    report = {}
    for name in args.datasets or catalogue.dataset_names():
        started = time.perf_counter()
        report[name] = {
            "honest": judge_honest(name, args.make_missing) if "honest" in args.parts else [],
            "attacks": judge_attacks(name) if "attacks" in args.parts else [],
            "laplace": laplace_power(name, args.laplace_seeds) if "laplace" in args.parts else []}
        print(f"\n== {name} ({time.perf_counter() - started:.0f} s)")
        for row in report[name]["honest"]:
            print(f"  honest {row['kind']:<10} {row['model']:<6} {row['verdict']:<8}"
                  + (f" mean excess {row['mean_excess']:+.2f}  spread excess {row['spread_excess']:+.2f}"
                     f"  judged {','.join(row['judged'])}" if "judged" in row else ""), flush=True)
        for row in report[name]["attacks"]:
            cells = {k: v for k, v in row.items() if k not in ("attack", "reasons")}
            print(f"  attack {row['attack']:<34} " + "  ".join(f"{k}: {v}" for k, v in cells.items()), flush=True)
        for row in report[name]["laplace"]:
            print(f"  laplace {row['model']:<6} failed {row['failed']}/{row['seeds']}, passed flagged "
                  f"{row['passed_flagged']}, passed unflagged {row['passed_unflagged']}", flush=True)
    honest = [r for d in report.values() for r in d["honest"] if r["verdict"] != "not made"]
    attacks = [v for d in report.values() for r in d["attacks"] for k, v in r.items()
               if k not in ("attack", "reasons")]
    print(f"\nhonest chain sets passing: {sum(r['verdict'] == 'pass' for r in honest)}/{len(honest)}; "
          f"attacked cells failing: {sum(v.startswith('fail') for v in attacks)}/{len(attacks)}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1))
    print(f"written {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
