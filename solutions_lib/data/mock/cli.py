"""``python -m solutions_lib mock``: simulate one observation into a folder."""
from __future__ import annotations

from .fitsio import write_observation
from .instrument import LAYOUTS
from .simulate import ObservationPlan, simulate


def add_parser(subparsers):
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
    parser.set_defaults(func=run)


def run(args) -> int:
    plan = ObservationPlan(name="", seed=args.seed, layout=args.layout, exposure_ks=args.exposure,
                           cool_core=args.cool_core, ellipticity=args.ellipticity,
                           streak=args.streak, extra_s_chips=args.extra_s_chips)
    obs = simulate(plan)
    paths = write_observation(obs, args.out)
    print(f"wrote {paths['image'].parent}: {args.layout}, {obs.exposure_s / 1000:.1f} ks, "
          f"{int(obs.counts.sum())} counts, {len(obs.truth['point_sources'])} point sources")
    return 0
