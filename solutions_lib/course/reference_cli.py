"""Command-line front ends of the inference engine.

``python -m solutions_lib fit DATADIR --model single|double [--regions FILE]
[--seed N] [--out chains.npz]`` fits one model to one observation (masked
with the region file, if any, and the low-exposure mask) and prints one JSON
object as the last line of stdout: model, paramnames, map, median, R, neff,
dic, seconds, the maximum log-likelihood, the prior's bounds and the fit's
self-checks (`engine.selfcheck`). A failed self-check is also printed as a
warning on stderr. ``--out`` saves ``chains`` and ``paramnames`` to an npz
file. Exit status 2 when the chains did not converge, else 0.

``python -m solutions_lib reference`` fits both models to every course data
set (with its reference mask) and writes the stored reference answers,
``solutions_lib/reference/reference.json``: per data set and model the
posterior mean, standard deviation, median, central 99% interval (q005, q995),
MAP, DIC, the convergence diagnostics, the maximum log-likelihood, the
prior's bounds and the self-checks (and for the double model the compact
component's share of the flux inside 100 pixels), plus the data set's
``log_factorial_sum`` (DICs here leave out 2 sum(log N!)). It exits with
status 1, after writing, when any data set failed its self-checks or was
kept from an older file without them (the grader refuses to use such a
reference, `grading.reference.reference_for`).
"""
from __future__ import annotations

import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np

from ..engine.models import DOUBLE, MODELS, SINGLE, model_named
from ..grading.reference import REFERENCE_FILE, read_reference, write_reference


def add_fit_parser(subparsers):
    """Register ``fit``: fit one model to one observation.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        What `argparse.ArgumentParser.add_subparsers` returned.

    Returns
    -------
    argparse.ArgumentParser
        The ``fit`` parser.
    """
    parser = subparsers.add_parser("fit", help="fit the single- or double-beta model to one observation")
    parser.add_argument("datadir", help="folder with image_0.6-2.0keV.fits.gz and expmap_1.25kev.fits.gz")
    parser.add_argument("--model", choices=tuple(MODELS), default=SINGLE.name)
    parser.add_argument("--regions", help="DS9 region file of areas to mask (point sources, chips)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", help="save chains and paramnames to this .npz file")
    parser.add_argument("--quiet", action="store_true", help="no progress messages on stderr")
    parser.set_defaults(func=run_fit)
    return parser


def run_fit(args) -> int:
    """Fit, save the chains if asked, and print the fit's summary as one JSON line.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed ``fit`` options.

    Returns
    -------
    int
        The exit status: 2 if the chains did not converge, else 0.
    """
    from ..data.observation import prepare

    region_string = Path(args.regions).read_text() if args.regions else None
    data = prepare(args.datadir, region_string)
    result, status = _fit_and_warn(data, model_named(args.model), args.seed, not args.quiet, "fit")
    if args.out:
        np.savez(args.out, chains=result.chains, paramnames=np.array(result.paramnames))
    print(json.dumps(result.summary()))
    return status


def add_reference_parser(subparsers):
    """Register ``reference``: refit the course data sets and rewrite the reference answers.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        What `argparse.ArgumentParser.add_subparsers` returned.

    Returns
    -------
    argparse.ArgumentParser
        The ``reference`` parser.
    """
    parser = subparsers.add_parser(
        "reference", help="refit every course data set and rewrite solutions_lib/reference/reference.json")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--datasets", nargs="*", help="only these data sets (others are kept from the file)")
    parser.add_argument("--output", default=str(REFERENCE_FILE))
    parser.add_argument("--quiet", action="store_true")
    parser.set_defaults(func=run_reference)
    return parser


def _stats(result) -> dict:
    stats = {
        "mean": result.as_dict(result.mean),
        "sd": result.as_dict(result.sd),
        "median": result.as_dict(result.median),
        "q005": result.as_dict(result.percentile(0.5)),
        "q995": result.as_dict(result.percentile(99.5)),
        "map": result.as_dict(result.map),
        "dic": float(result.dic),
        "R": result.as_dict(result.R),
        "neff": result.as_dict(result.neff),
        "n_chains": int(result.chains.shape[0]),
        "n_samples": int(result.chains.shape[1]),
        "converged": bool(result.extra.get("converged", True)),
        "loglike_max": float(result.extra["loglike_max"]),
        "prior": result.prior.as_dict(),
        "checks": result.checks.as_dict(),
    }
    share = result.model.compact_share(result.samples)
    if share is not None:
        # The compact component's share of the flux inside 100 pixels (the prior's coordinate):
        # near zero where the data need no cool core.
        stats["compact_share"] = {key: float(np.percentile(share, q))
                                  for key, q in (("q05", 5), ("median", 50), ("q95", 95))}
    return stats


def _fit_and_warn(data, model, seed, progress, label, nested_map=None):
    """Fit ``model`` (`engine.fitting.fit`), print a failed convergence or failed self-check as a
    warning on stderr, and return (result, status): status 2 if the convergence targets were not met
    (the unconverged result is kept), else 0."""
    from ..engine.fitting import ConvergenceError, fit
    from ..engine.selfcheck import FitCheckWarning

    status = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FitCheckWarning)     # printed below, once, in the CLI's words
        try:
            result = fit(data, model, seed, nested_map=nested_map, progress=progress)
        except ConvergenceError as error:
            print(f"[{label}] WARNING: {error}", file=sys.stderr, flush=True)
            result, status = error.result, 2
    for line in result.checks.lines():
        print(f"[{label}] WARNING, self-check failed: {line}", file=sys.stderr, flush=True)
    return result, status


def reference_answers(names=None, seed: int = 0, progress: bool = True) -> dict:
    """Fit every model to the named course data sets, each on its reference mask.

    The models are fitted in the order of `engine.models.MODELS`, each
    after the model nested in it, whose MAP starts its fit.

    Parameters
    ----------
    names : list of str, optional
        The data sets; all course data sets when None or empty.
    seed : int, optional
        Seed of every fit.
    progress : bool, optional
        Print progress messages on stderr.

    Returns
    -------
    dict
        Data set name -> per model name its statistics, plus
        ``log_factorial_sum``, ``n_good_pixels`` and ``seconds``.
    """
    from ..data import catalogue
    from ..engine.likelihood import PixelData

    names = names or catalogue.dataset_names()
    out = {}
    for name in names:
        started = time.perf_counter()
        pixels = PixelData.from_data(catalogue.reference_data(name))
        fits = {}
        for model in MODELS.values():
            nested_map = fits[model.nested.name].map if model.nested else None
            fits[model.name] = _fit_and_warn(pixels, model, seed, progress, f"reference {name}", nested_map)[0]
        out[name] = {
            **{model: _stats(result) for model, result in fits.items()},
            "log_factorial_sum": float(pixels.log_factorial_sum),
            "n_good_pixels": int(pixels.size),
            "seconds": round(time.perf_counter() - started, 1),
        }
        if progress:
            print(f"[reference] {name}: DIC1 - DIC2 = {fits[SINGLE.name].dic - fits[DOUBLE.name].dic:.1f} "
                  f"({out[name]['seconds']:.0f} s)", file=sys.stderr, flush=True)
    return out


def run_reference(args) -> int:
    """Refit, write the reference file and print what was written as one JSON line.

    With ``--datasets``, the other data sets are kept from the existing file.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed ``reference`` options.

    Returns
    -------
    int
        The exit status: 1 if any data set lacks passing self-checks, else 0.
    """
    output = Path(args.output)
    existing = read_reference(output) if output.exists() and args.datasets else {}
    results = dict(existing.get("datasets", {}))
    results.update(reference_answers(args.datasets, seed=args.seed, progress=not args.quiet))
    write_reference(results, args.seed, output)
    failed = sorted(name for name, entry in results.items()
                    if not all(entry[model].get("checks", {}).get("passed", False) for model in MODELS))
    print(json.dumps({"written": str(output), "datasets": sorted(results), "failed_self_checks": failed}))
    if failed:
        print(f"[reference] {len(failed)} data set(s) failed their self-checks: {', '.join(failed)}; the grader "
              "will refuse them until they are fitted again without failures.", file=sys.stderr)
    return 1 if failed else 0
