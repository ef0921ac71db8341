"""The report's figures, drawn with matplotlib and returned as PNG bytes."""
from __future__ import annotations

import io

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from .collect import ClassData, DatasetRow  # noqa: E402

PASSED_COLOUR = "#1f77b4"
FAILED_COLOUR = "#d62728"
REFERENCE_COLOUR = "0.35"
TRUTH_COLOUR = "#ff7f0e"
LABELS = {"beta": r"single-beta slope $\beta$", "rc": r"core radius $r_c$ (pixels)",
          "delta_dic": r"DIC$_1$ $-$ DIC$_2$"}


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


MARKS_Y = 0.3  # the reference and truth markers sit at the top of a row, the students below


def _spread(count: int) -> np.ndarray:
    """Vertical offsets that keep a data set's students apart within its row, below the reference marks."""
    return np.full(1, -0.1) if count == 1 else np.linspace(-0.35, 0.15, count)


def _parameter_panel(ax, row: DatasetRow, param: str) -> None:
    values = []
    offsets = _spread(len(row.students))
    for offset, student in zip(offsets, [s for s in row.students]):
        post = student.posterior
        if post is None:
            continue
        colour = PASSED_COLOUR if student.chains_passed else FAILED_COLOUR
        median, low, high = post.median[param], post.low[param], post.high[param]
        ax.errorbar(median, offset, xerr=[[median - low], [high - median]], fmt="o", ms=4, color=colour,
                    mfc=colour if student.chains_passed else "white", capsize=2, lw=1)
        values += [low, high]
    if row.reference:
        median, low, high = row.reference[param]
        ax.axvspan(low, high, color=REFERENCE_COLOUR, alpha=0.18, lw=0)
        ax.axvline(median, color=REFERENCE_COLOUR, lw=1.2)
        values += [low, high]
    if row.truth and row.truth.get(param) is not None:
        ax.plot(row.truth[param], MARKS_Y, marker="*", ms=11, color=TRUTH_COLOUR, mec="black", mew=0.5, ls="none")
        values.append(row.truth[param])
    _limits(ax, values)


def _dic_panel(ax, row: DatasetRow) -> None:
    values = [0.0]
    deltas = [(s.delta_dic, s.dic_passed) for s in row.students if s.delta_dic is not None]
    for offset, (delta, passed) in zip(_spread(len(deltas)), deltas):
        colour = PASSED_COLOUR if passed else FAILED_COLOUR
        ax.plot(delta, offset, "o", ms=4, color=colour, mfc=colour if passed else "white")
        values.append(delta)
    if row.reference and row.reference.get("delta_dic") is not None:
        ax.plot(row.reference["delta_dic"], MARKS_Y, "D", ms=6, color=REFERENCE_COLOUR, mec="black", mew=0.5)
        values.append(row.reference["delta_dic"])
    ax.axvline(0.0, color="black", lw=0.8, ls="--")
    _limits(ax, values)
    low, high = ax.get_xlim()
    ax.axvspan(0.0, high, color="#2ca02c", alpha=0.07, lw=0)
    ax.set_xlim(low, high)


def _limits(ax, values) -> None:
    values = [v for v in values if v is not None and np.isfinite(v)]
    if not values:
        return
    low, high = min(values), max(values)
    pad = 0.08 * (high - low) if high > low else 0.05 * max(abs(low), 1e-3)
    ax.set_xlim(low - pad, high + pad)


def comparison_figure(data: ClassData) -> bytes | None:
    """One row per data set: students' beta and r_c (median, 68%) and DIC1 - DIC2, with reference and truth.

    Parameters
    ----------
    data : `collect.ClassData`
        What the report shows; data sets without students' answers are left out.

    Returns
    -------
    bytes or None
        A PNG, or None when no data set has answers.
    """
    rows = [row for row in data.datasets if row.students]
    if not rows:
        return None
    fig, axes = plt.subplots(len(rows), 3, figsize=(12.5, 0.95 * len(rows) + 1.4), squeeze=False,
                             gridspec_kw={"hspace": 0.55, "wspace": 0.12})
    for r, row in enumerate(rows):
        _parameter_panel(axes[r, 0], row, "beta")
        _parameter_panel(axes[r, 1], row, "rc")
        _dic_panel(axes[r, 2], row)
        prefers = row.reference_prefers_double
        note = "" if prefers is None else ("  (double)" if prefers else "  (single)")
        axes[r, 0].set_ylabel(f"{row.name}{note}\n{len(row.students)} student(s)", rotation=0, ha="right",
                              va="center", fontsize=9)
        for ax in axes[r]:
            ax.set_ylim(-0.5, 0.5)
            ax.set_yticks([])
            ax.tick_params(axis="x", labelsize=8)
    for c, key in enumerate(("beta", "rc", "delta_dic")):
        axes[0, c].set_title(LABELS[key], fontsize=10)
    handles = [
        plt.Line2D([], [], marker="o", color=PASSED_COLOUR, ls="none", label="student: median, 68% (checks passed)"),
        plt.Line2D([], [], marker="o", color=FAILED_COLOUR, mfc="white", ls="none", label="student (checks failed)"),
        plt.Rectangle((0, 0), 1, 1, color=REFERENCE_COLOUR, alpha=0.3, label="reference: median, 99%"),
        plt.Line2D([], [], marker="D", color=REFERENCE_COLOUR, mec="black", ls="none", label="reference DIC1 - DIC2"),
        plt.Line2D([], [], marker="*", color=TRUTH_COLOUR, mec="black", ms=10, ls="none", label="simulator's truth"),
        plt.Rectangle((0, 0), 1, 1, color="#2ca02c", alpha=0.2, label="double model preferred"),
    ]
    fig.legend(handles=handles, loc="lower center", ncol=3, fontsize=8, frameon=False,
               bbox_to_anchor=(0.5, -0.02 - 0.25 / len(rows)))
    return _png(fig)


def scores_figure(data: ClassData) -> bytes | None:
    """Histogram of the students' totals.

    Parameters
    ----------
    data : `collect.ClassData`
        What the report shows.

    Returns
    -------
    bytes or None
        A PNG, or None when there are no students.
    """
    if not data.students:
        return None
    totals = [s.total for s in data.students]
    top = max(s.max_total for s in data.students) or 1.0
    fig, ax = plt.subplots(figsize=(6.0, 3.0))
    ax.hist(totals, bins=np.linspace(0, top, min(int(top), 20) + 1), color=PASSED_COLOUR, edgecolor="white")
    ax.set_xlabel(f"total score (of {top:g}, hand-graded answers included once graded)")
    ax.set_ylabel("students")
    ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.set_xlim(0, top)
    return _png(fig)


def cells_figure(data: ClassData) -> bytes | None:
    """Share of the class passing each automatically judged cell (mean score share for hand-graded ones).

    Parameters
    ----------
    data : `collect.ClassData`
        What the report shows.

    Returns
    -------
    bytes or None
        A PNG, or None when there are no graded cells.
    """
    cells = data.cells
    if not cells:
        return None
    shares, colours = [], []
    for cell in cells:
        if cell.pass_rate is not None:
            shares.append(cell.pass_rate)
            colours.append(PASSED_COLOUR)
        else:
            shares.append((cell.mean_score or 0.0) / cell.max_score if cell.max_score else 0.0)
            colours.append("0.6")
    fig, ax = plt.subplots(figsize=(6.0, 0.28 * len(cells) + 0.8))
    positions = np.arange(len(cells))[::-1]
    ax.barh(positions, shares, color=colours)
    ax.set_yticks(positions, [cell.grade_id for cell in cells], fontsize=8)
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of the class passing (grey: mean share of points, graded by hand)")
    return _png(fig)
