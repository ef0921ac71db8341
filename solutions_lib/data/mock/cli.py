"""``python -m solutions_lib mock``: simulate one observation into a folder."""
from __future__ import annotations

from .fitsio import write_observation
from .instrument import LAYOUTS, PIXEL_ARCSEC
from .simulate import CLUSTER_COUNTS, EXPOSURE_UNITS, SIZE, ObservationPlan, simulate


def add_parser(subparsers):
    """Add the ``mock`` subcommand and its options.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        What `argparse.ArgumentParser.add_subparsers` returned; the new
        parser's ``func`` default is `run`.
    """
    parser = subparsers.add_parser("mock", help="simulate one Chandra observation of a cluster")
    parser.add_argument("--seed", type=int, required=True, help="random seed (same seed, same files)")
    parser.add_argument("--layout", choices=LAYOUTS, default="acis-i")
    parser.add_argument("--out", required=True, help="output folder")
    core = parser.add_mutually_exclusive_group()
    core.add_argument("--cool-core", dest="cool_core", action="store_const", const="strong",
                      help="a bright compact core (two components; the default)")
    core.add_argument("--weak-cool-core", dest="cool_core", action="store_const", const="weak")
    core.add_argument("--no-cool-core", dest="cool_core", action="store_const", const="none",
                      help="a single beta component")
    parser.set_defaults(cool_core="strong")
    parser.add_argument("--exposure", type=float, default=60.0, help="exposure in ks (default 60)")
    parser.add_argument("--streak", action="store_true", help="add a readout streak")
    parser.add_argument("--ellipticity", type=float, default=0.0)
    parser.add_argument("--extra-s-chips", type=int, default=0, choices=(0, 1, 2),
                        help="ACIS-I only: ACIS-S chips also on")
    parser.add_argument("--brightness", type=float, default=1.0,
                        help=f"cluster counts in units of the course's ({CLUSTER_COUNTS:g} per 60 ks)")
    parser.add_argument("--pixel-arcsec", type=float, default=PIXEL_ARCSEC,
                        help=f"image pixel size in arcsec (default {PIXEL_ARCSEC}, 4x4 ACIS pixels)")
    parser.add_argument("--size", type=int, default=SIZE, help=f"image pixels per side (default {SIZE})")
    parser.add_argument("--exposure-units", choices=EXPOSURE_UNITS, default="cm2",
                        help="exposure map in cm^2 without the time (the course's files, default) "
                             "or in seconds without the effective area (as XMM-Newton's)")
    parser.set_defaults(func=run)


def run(args) -> int:
    """Simulate the observation the options describe, write it, and print a summary.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed ``mock`` options; truth and mask are written next to the
        FITS files in ``args.out``.

    Returns
    -------
    int
        The exit status, 0.

    Raises
    ------
    ValueError
        If the options make an invalid `ObservationPlan`.
    """
    plan = ObservationPlan(name="", seed=args.seed, layout=args.layout, exposure_ks=args.exposure,
                           cool_core=args.cool_core, ellipticity=args.ellipticity,
                           streak=args.streak, extra_s_chips=args.extra_s_chips,
                           cluster_counts=CLUSTER_COUNTS * args.brightness,
                           pixel_arcsec=args.pixel_arcsec, size=args.size,
                           exposure_units=args.exposure_units)
    obs = simulate(plan)
    paths = write_observation(obs, args.out)
    print(f"wrote {paths['image'].parent}: {args.layout}, {obs.exposure_s / 1000:.1f} ks, "
          f"{args.size}x{args.size} pixels of {args.pixel_arcsec:g}\", exposure map in "
          f"{'seconds' if args.exposure_units == 's' else 'cm^2'}, {int(obs.counts.sum())} counts, "
          f"{len(obs.truth['point_sources'])} point sources")
    return 0
