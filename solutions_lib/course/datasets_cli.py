"""One-line summaries of the committed course data sets (instructor tool)."""
from __future__ import annotations

from ..data import catalogue


def summarize(name: str) -> dict:
    """Layout, exposure, total counts and good pixels of one course data set.

    Good pixels are those left by the instructor's reference mask together
    with the low-exposure mask, i.e. what the reference solution fits.

    Parameters
    ----------
    name : str
        A built catalogue data set.

    Returns
    -------
    dict
        ``name``, ``layout``, ``exposure_ks``, ``total_counts``,
        ``good_pixels``, ``cool_core`` (its strength) and ``streak``.
    """
    truth = catalogue.load_truth(name)
    data = catalogue.reference_data(name)
    return {
        "name": name,
        "layout": truth["layout"],
        "exposure_ks": truth["exposure_s"] / 1000.0,
        "total_counts": int(data["im"].sum()),
        "good_pixels": int(data["goodpix"].size),
        "cool_core": truth["cool_core_strength"],
        "streak": truth["streak"],
    }


def format_table(rows: list[dict]) -> str:
    """Render summaries as a fixed-width text table.

    Parameters
    ----------
    rows : list of dict
        As `summarize` returns them.

    Returns
    -------
    str
    """
    header = f"{'data set':<22} {'layout':<7} {'exposure':>9} {'counts':>9} {'good pix':>9}  notes"
    lines = [header, "-" * len(header)]
    for row in rows:
        notes = ", ".join(
            note
            for note, present in ((f"{row['cool_core']} cool core", row["cool_core"] != "none"),
                                  ("no cool core", row["cool_core"] == "none"),
                                  ("streak", row["streak"]))
            if present
        )
        default = " (default)" if row["name"] == catalogue.DEFAULT_DATASET else ""
        lines.append(
            f"{row['name']:<22} {row['layout']:<7} {row['exposure_ks']:>7.1f}ks "
            f"{row['total_counts']:>9d} {row['good_pixels']:>9d}  {notes}{default}"
        )
    return "\n".join(lines)


def add_parser(subparsers):
    """Register ``datasets``: build missing course data sets and summarise them.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        What `argparse.ArgumentParser.add_subparsers` returned.
    """
    parser = subparsers.add_parser(
        "datasets", help="build any missing course data sets and print a summary of each"
    )
    parser.add_argument("--force", action="store_true", help="rebuild even if present")
    parser.set_defaults(func=run)


def run(args) -> int:
    """Build the missing data sets (all with ``--force``) and print the summary table.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed ``datasets`` options.

    Returns
    -------
    int
        The exit status, 0.
    """
    catalogue.build_all(force=args.force)
    print(format_table([summarize(name) for name in catalogue.dataset_names()]))
    return 0
