"""Honest chains of every data set, made once and kept in ``benchmarks/out/chains/``.

Three kinds, all sampling the right posterior:

* ``engine``: the reference engine (`engine.fitting`), both models, with a
  seed other than the stored reference's;
* ``student``: the held-in student-style script (`student_fit`), double
  model, emcee's `DEMove` in the notebook's recommended coordinates;
* ``uniform_s0``: the single model with a prior uniform in S0 instead of
  ln S0 (a variation the notebook allows), sampled with emcee's `DEMove` on
  the engine's likelihood.

`judge_chains.py` judges them. Usage::

    python benchmarks/honest_chains.py [--datasets NAME ...] [--kinds engine student uniform_s0]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent / "out" / "chains"
KINDS = ("engine", "student", "uniform_s0")


def path_for(name: str, kind: str) -> Path:
    return OUT / f"{name}.{kind}.npz"


def _engine(name: str) -> dict:
    from solutions_lib.data import catalogue
    from solutions_lib.engine.fitting import fit_double, fit_single

    data = catalogue.reference_data(name)
    single = fit_single(data, seed=1, progress=False)
    double = fit_double(data, seed=1, single=single, progress=False)
    return {"chains": single.chains, "chains2": double.chains, "map": single.map, "map2": double.map,
            "goodpix": np.asarray(data["goodpix"])}


def _student(name: str, max_seconds: float = 600.0) -> dict:
    import student_fit
    from solutions_lib.data import catalogue

    data = student_fit.load(str(catalogue.course_data_dir(name)) + "/", catalogue.reference_region_string(name))
    single = np.array(list(_reference_single_median(name)))
    start = student_fit.find_maximum(data, single)
    chains, R, neff, seconds, _ = student_fit.sample(data, start, max_seconds=max_seconds,
                                                    log=lambda m: print(f"  [{name}] {m}", flush=True))
    return {"chains2": chains, "goodpix": data["goodpix"], "R": R, "neff": neff}


def _reference_single_median(name: str):
    from solutions_lib.engine.models import SINGLE
    from solutions_lib.grading.reference import reference_for

    ref = reference_for(name, SINGLE.name)
    return (ref["median"][p] for p in SINGLE.paramnames)


def _uniform_s0(name: str, seed: int = 2) -> dict:
    """Single model, prior uniform in S0 (bounds as the engine's), emcee DEMove, R < 1.1 and n_eff > 200."""
    import emcee
    import incredible as cr
    from solutions_lib.data import catalogue
    from solutions_lib.engine.likelihood import PixelData, loglike_batch
    from solutions_lib.engine.models import SINGLE
    from solutions_lib.engine.priors import Prior

    data = catalogue.reference_data(name)
    pixels = PixelData.from_data(data)
    lower, upper = SINGLE.box(Prior.from_pixels(pixels))
    centre = np.array(list(_reference_single_median(name)))

    def log_post(rows):
        rows = np.atleast_2d(rows)
        # sampled: x0, y0, S0, ln rc, beta, ln B; uniform in S0, log-uniform in rc and B, as the engine otherwise
        theta = rows.copy()
        theta[:, 3], theta[:, 5] = np.exp(rows[:, 3]), np.exp(rows[:, 5])
        inside = np.all((theta >= lower) & (theta <= upper), axis=1)
        out = np.full(rows.shape[0], -np.inf)
        if inside.any():
            out[inside] = loglike_batch(theta[inside], pixels)
        return out

    rng = np.random.default_rng(seed)
    start = centre.copy()
    start[3], start[5] = np.log(centre[3]), np.log(centre[5])
    scale = np.where(start != 0, np.abs(start) * 1e-3, 1e-3)  # relative: S0 is of order 1e-4
    walkers = start + scale * rng.standard_normal((24, 6))
    sampler = emcee.EnsembleSampler(24, 6, log_post, vectorize=True, moves=emcee.moves.DEMove())
    sampler.random_state = np.random.RandomState(seed).get_state()
    state = sampler.run_mcmc(walkers, 1500)
    sampler.reset()
    for _ in range(20):
        state = sampler.run_mcmc(state, 1000)
        chains = np.swapaxes(sampler.get_chain(thin=5), 0, 1).copy()
        chains[..., 3], chains[..., 5] = np.exp(chains[..., 3]), np.exp(chains[..., 5])
        try:
            neff = np.asarray(cr.effective_samples(chains, maxlag=750, throw=True))
        except Exception:
            continue
        if np.all(np.asarray(cr.GelmanRubinR(chains)) < 1.1) and np.all(neff > 250):
            break
    return {"chains": chains, "goodpix": np.asarray(data["goodpix"])}


MAKERS = {"engine": _engine, "student": _student, "uniform_s0": _uniform_s0}


def load(name: str, kind: str) -> dict | None:
    path = path_for(name, kind)
    if not path.is_file():
        return None
    with np.load(path) as archive:
        return {key: archive[key] for key in archive.files}


def make(name: str, kind: str) -> dict:
    """The cached chains of ``kind`` for data set ``name``, made first if need be."""
    cached = load(name, kind)
    if cached is not None:
        return cached
    started = time.perf_counter()
    result = MAKERS[kind](name)
    OUT.mkdir(parents=True, exist_ok=True)
    np.savez(path_for(name, kind), **result)
    print(f"{name} {kind}: made in {time.perf_counter() - started:.0f} s", flush=True)
    return result


def main(argv=None) -> int:
    from solutions_lib.data import catalogue

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="*")
    parser.add_argument("--kinds", nargs="*", default=list(KINDS), choices=KINDS)
    args = parser.parse_args(argv)
    for kind in args.kinds:
        for name in args.datasets or [entry.name for entry in catalogue.CATALOGUE]:
            make(name, kind)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.exit(main())
