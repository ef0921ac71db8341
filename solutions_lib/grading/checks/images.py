"""Checks of the masks and the rebuilt image."""
from __future__ import annotations

import numpy as np
from scipy import ndimage

from ..verdict import Reason, Verdict, fail, ok

# Region mask: share of the simulator's bright point sources that must be
# covered, the largest share of the usable sky that a sane mask may remove,
# and the share of the unused chips (the reference mask's boxes) it must cover.
SOURCE_COVERAGE = 0.8
MAX_USABLE_MASKED = 0.3
UNUSED_CHIP_COVERAGE = 0.8
# No chip in use may lose more than this share to the regions (chips: >= this many usable pixels).
MAX_CHIP_MASKED = 0.5
MIN_CHIP_PIXELS = 5000
# A plausible set of good pixels keeps at least this share of the pixels on the chips in use.
MIN_GOOD_SHARE = 0.5


def same_shape(label: str, array: np.ndarray, shape) -> Verdict | None:
    """A failing verdict if ``array`` does not have the image's ``shape``, else None.

    Parameters
    ----------
    label : str
        The answer's name, for the message.
    array : ndarray
        The answer.
    shape : tuple of int
        The image's ``(ny, nx)``.

    Returns
    -------
    Verdict or None
    """
    if array.shape != tuple(shape):
        return fail(Reason.MALFORMED,
                    f"`{label}` has shape {array.shape}; it should match the image, {tuple(shape)}.")
    return None


def exposure_mask_verdict(student: np.ndarray, expected: np.ndarray) -> Verdict:
    """``exp_mask`` must be boolean and equal ``expected`` pixel by pixel.

    Parameters
    ----------
    student : ndarray
        The student's ``exp_mask``.
    expected : ndarray of bool, shape (ny, nx)
        True where the exposure is below half its maximum.

    Returns
    -------
    Verdict
    """
    problem = same_shape("exp_mask", student, expected.shape)
    if problem:
        return problem
    if student.dtype != bool:
        return fail(Reason.MALFORMED, f"`exp_mask` should be boolean (True = masked), not {student.dtype}.")
    wrong = int(np.count_nonzero(student != expected))
    if wrong:
        return fail(Reason.WRONG_VALUE,
                    f"`exp_mask` differs from the expected mask in {wrong} pixels. It should be True "
                    "exactly where the exposure is below half of its maximum.")
    return ok()


def plausible_goodpix(goodpix: np.ndarray, usable: np.ndarray, pixels_in_use: int) -> np.ndarray | None:
    """``goodpix`` as flat indices if it is a sane set of usable pixels, else None.

    Sane: integers, no repeats, all on ``usable`` pixels, and at least
    `MIN_GOOD_SHARE` of the ``pixels_in_use``; a mask that removes more
    has lost the cluster.

    Parameters
    ----------
    goodpix : ndarray
        The student's good pixels.
    usable : ndarray of bool, shape (ny * nx,)
        Pixels above the exposure cut, flattened.
    pixels_in_use : int
        The number of pixels on the chips in use.

    Returns
    -------
    ndarray of int64, shape (n_good,) or None
    """
    if goodpix.dtype.kind not in "iu":
        return None
    goodpix = goodpix.astype(np.int64).ravel()
    if goodpix.size < MIN_GOOD_SHARE * pixels_in_use or goodpix.size > usable.size:
        return None
    if goodpix.size and (goodpix.min() < 0 or goodpix.max() >= usable.size):
        return None
    seen = np.zeros(usable.size, dtype=bool)
    seen[goodpix] = True
    if np.count_nonzero(seen) != goodpix.size or not usable[goodpix].all():
        return None
    return goodpix


def rebuilt_image_verdict(new_im: np.ndarray, goodpix: np.ndarray | None, image: np.ndarray) -> Verdict:
    """``new_im`` must hold the counts of ``image`` on ``goodpix`` and NaN elsewhere.

    Parameters
    ----------
    new_im : ndarray
        The student's rebuilt image.
    goodpix : ndarray of int or None
        The student's good pixels if `plausible_goodpix`, else None.
    image : ndarray, shape (ny, nx)
        The counts.

    Returns
    -------
    Verdict
    """
    problem = same_shape("new_im", new_im, image.shape)
    if problem:
        return problem
    if new_im.dtype.kind != "f":
        return fail(Reason.MALFORMED, "`new_im` must be a float array so that masked pixels can hold NaN.")
    if goodpix is None:
        return fail(Reason.WRONG_VALUE,
                    "`data['goodpix']` is not a plausible set of unmasked pixels; rerun the cells above.")
    flat = new_im.ravel()
    if not np.array_equal(flat[goodpix], image.ravel()[goodpix].astype(float)):
        return fail(Reason.WRONG_VALUE, "`new_im` does not reproduce the counts in every good pixel.")
    outside = np.ones(flat.size, dtype=bool)
    outside[goodpix] = False
    if not np.isnan(flat[outside]).all():
        return fail(Reason.WRONG_VALUE, "Pixels that are masked should be NaN in `new_im`.")
    return ok()


def largest_masked_chip_share(student: np.ndarray, chips: np.ndarray) -> float:
    """Largest share of any chip in use that ``student`` masks.

    Only chips of at least `MIN_CHIP_PIXELS` pixels count.

    Parameters
    ----------
    student : ndarray of bool, shape (ny, nx)
        The student's mask (True = masked).
    chips : ndarray of int, shape (ny, nx)
        The chips in use labelled 1..n, 0 elsewhere (`chip_labels`).

    Returns
    -------
    float
        0 when no chip counts.
    """
    count = int(chips.max(initial=0))
    if count == 0:
        return 0.0
    sizes = np.bincount(chips.ravel(), minlength=count + 1)
    masked = np.bincount(chips.ravel(), weights=student.ravel().astype(float), minlength=count + 1)
    kept = np.flatnonzero(sizes >= MIN_CHIP_PIXELS)
    kept = kept[kept > 0]
    return float((masked[kept] / sizes[kept]).max()) if kept.size else 0.0


def chip_labels(in_use: np.ndarray) -> np.ndarray:
    """The chips in use: connected areas of ``in_use``.

    The exposure cut removes the gaps between chips, so each chip is one area.

    Parameters
    ----------
    in_use : ndarray of bool, shape (ny, nx)
        Usable pixels of chips in use.

    Returns
    -------
    ndarray of int, shape (ny, nx)
        Labels 1..n, 0 elsewhere.
    """
    return ndimage.label(in_use)[0]


def region_mask_verdict(student: np.ndarray, sky) -> Verdict:
    """Whether ``region_mask`` is a sane mask for this sky.

    It must leave the cluster's centre free, cover most bright point
    sources on the chips in use and most of the unused chips (the reference
    mask's boxes), and remove neither most of a chip in use nor much of the
    usable image.

    Parameters
    ----------
    student : ndarray, shape (ny, nx)
        The student's ``region_mask`` (True = masked).
    sky : `trusted.SkyTruth`
        What the mask must respect.

    Returns
    -------
    Verdict
    """
    problem = same_shape("region_mask", student, sky.chips.shape)
    if problem:
        return problem
    student = student.astype(bool)
    if student[sky.centre]:
        return fail(Reason.WRONG_VALUE,
                    "Your regions cover the centre of the cluster; that is the part we want to fit.")
    if len(sky.sources):
        covered = int(np.count_nonzero(student[sky.sources[:, 0], sky.sources[:, 1]]))
        if covered < SOURCE_COVERAGE * len(sky.sources):
            return fail(Reason.WRONG_VALUE,
                        f"Your regions cover {covered} of the {len(sky.sources)} clearly visible point "
                        "sources on the chips in use. Look again, especially far from the centre "
                        "where sources are larger and fainter.")
    if sky.unused.any() and student[sky.unused].mean() < UNUSED_CHIP_COVERAGE:
        return fail(Reason.WRONG_VALUE, "Some chips (or a streak) that should not be used are left unmasked.")
    lost_chip = largest_masked_chip_share(student, sky.chips)
    if lost_chip > MAX_CHIP_MASKED:
        return fail(Reason.WRONG_VALUE,
                    f"Your regions remove {100 * lost_chip:.0f}% of a chip that holds data we fit. Keep every chip "
                    "in use; mask only its point sources (circles), and use boxes only for chips or streaks you "
                    "do not use.")
    removed = student[sky.chips > 0].mean()
    if removed > MAX_USABLE_MASKED:
        return fail(Reason.WRONG_VALUE,
                    f"Your regions remove {100 * removed:.0f}% of the usable image; mask point "
                    "sources with circles a few PSF widths across rather than large areas.")
    return ok()
