"""The trusted inputs of the checks for one course data set, built once per data set and process.

Everything the checks compare a submission with is read here: the course
copy of the observation, the instructor's reference mask, the simulator's
truth and the stored reference answers. A `TrustedDataset` is built once
per data set (`trusted_dataset`, cached) and keeps the likelihood's pixels
of each set of good pixels it was asked for (a student's own, or the
reference mask's), so that one process judging many students reads and
builds each only once. Nothing here depends on a submission but the good
pixels, which are checked first (`checks.images.plausible_goodpix`).
"""
from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from ..data import catalogue
from ..data.masks import exposure_mask, parse_regions, region_mask
from ..data.observation import load_observation
from ..engine.likelihood import PixelData
from ..engine.models import MODELS
from .checks.images import chip_labels, plausible_goodpix
from .reference import reference_for

BRIGHT_SOURCE_COUNTS = 40  # counts above which a simulated point source is "clearly visible"
CACHED_DATASETS = 16
CACHED_PIXEL_SETS = 8      # per data set: a student's own good pixels are asked for by several cells


@dataclass(frozen=True)
class SkyTruth:
    """What a sane region mask must respect on one data set, in image pixels.

    Parameters
    ----------
    centre : tuple of int
        (row, column) of the cluster's true centre, rounded.
    sources : ndarray of int, shape (n, 2)
        (row, column) of the bright point sources on usable pixels.
    unused : ndarray of bool, shape (ny, nx)
        Usable pixels inside the reference mask's boxes (chips or streaks not used).
    chips : ndarray of int, shape (ny, nx)
        The chips in use (usable and not unused), labelled 1..n, 0 elsewhere.
    """

    centre: tuple
    sources: np.ndarray
    unused: np.ndarray
    chips: np.ndarray


@dataclass
class TrustedDataset:
    """One course data set as the checks need it.

    Parameters
    ----------
    name : str
        The data set.
    image : ndarray of int, shape (ny, nx)
        Counts.
    exposure : ndarray, shape (ny, nx)
        Exposure map in cm^2 s.
    exposure_mask : ndarray of bool, shape (ny, nx)
        The expected ``exp_mask``.
    sky : SkyTruth
        What a region mask must respect.
    reference : dict
        Model name -> the stored reference posterior summary and DIC.
    reference_goodpix : ndarray of int
        Flat indices of the pixels the reference mask keeps.
    """

    name: str
    image: np.ndarray
    exposure: np.ndarray
    exposure_mask: np.ndarray
    sky: SkyTruth
    reference: dict
    reference_goodpix: np.ndarray
    _pixels: OrderedDict = field(default_factory=OrderedDict, repr=False)

    @property
    def shape(self) -> tuple:
        return self.image.shape

    def plausible_goodpix(self, goodpix) -> np.ndarray | None:
        """A student's ``goodpix`` as flat indices if it is plausible on these data, else None.

        Parameters
        ----------
        goodpix : array_like
            The student's good pixels.

        Returns
        -------
        ndarray of int64 or None
            See `checks.images.plausible_goodpix`.
        """
        goodpix = np.asarray(goodpix)
        return plausible_goodpix(goodpix, ~self.exposure_mask.ravel(), int(np.count_nonzero(self.sky.chips)))

    def fit_pixels(self, goodpix) -> PixelData:
        """The pixels a student fitted, or the reference mask's if theirs are not plausible.

        Parameters
        ----------
        goodpix : array_like or None
            The student's good pixels.

        Returns
        -------
        `engine.likelihood.PixelData`
        """
        chosen = self.plausible_goodpix(goodpix) if goodpix is not None else None
        return self.pixels(self.reference_goodpix if chosen is None else chosen)

    def pixels(self, goodpix: np.ndarray) -> PixelData:
        """The likelihood's pixels for the flat indices ``goodpix``, kept for the next asker.

        The last `CACHED_PIXEL_SETS` sets are kept.

        Parameters
        ----------
        goodpix : ndarray of int
            Plausible flat indices.

        Returns
        -------
        `engine.likelihood.PixelData`
        """
        key = hashlib.sha256(np.ascontiguousarray(goodpix, dtype=np.int64).tobytes()).hexdigest()
        if key in self._pixels:
            self._pixels.move_to_end(key)
            return self._pixels[key]
        nx = self.shape[1]
        pixels = PixelData.from_data({"im": self.image, "flatim": self.image.ravel()[goodpix],
                                      "flatex": self.exposure.ravel()[goodpix],
                                      "flatx": goodpix % nx, "flaty": goodpix // nx})
        self._pixels[key] = pixels
        if len(self._pixels) > CACHED_PIXEL_SETS:
            self._pixels.popitem(last=False)
        return pixels


def _boxes_mask(region_string: str, wcs, shape) -> np.ndarray:
    """Pixels inside the boxes of a DS9 region list (the reference mask's unused chips and streaks)."""
    boxes = [r for r in parse_regions(region_string) if type(r).__name__.startswith("Rectangle")]
    mask = np.zeros(shape, dtype=bool)
    for region in boxes:
        stamp = region.to_pixel(wcs).to_mask(mode="center").to_image(shape)
        if stamp is not None:
            mask |= stamp.astype(bool)
    return mask


def _bright_sources(truth: dict, usable: np.ndarray) -> np.ndarray:
    """(row, column) of the truth's point sources with at least `BRIGHT_SOURCE_COUNTS` counts on usable pixels."""
    ny, nx = usable.shape
    found = [(int(round(s["y"])), int(round(s["x"]))) for s in truth["point_sources"]
             if s["counts"] >= BRIGHT_SOURCE_COUNTS]
    found = [(row, col) for row, col in found if 0 <= row < ny and 0 <= col < nx and usable[row, col]]
    return np.array(found, dtype=np.int64).reshape(-1, 2)


@lru_cache(maxsize=CACHED_DATASETS)
def trusted_dataset(name: str) -> TrustedDataset:
    """The trusted inputs of course data set ``name``, read once per process.

    Parameters
    ----------
    name : str
        A course data set.

    Returns
    -------
    TrustedDataset

    Raises
    ------
    KeyError
        If ``name`` is not a course data set.
    """
    obs = load_observation(catalogue.course_data_dir(name))
    regions = catalogue.reference_region_string(name)
    expected = exposure_mask(obs.ex)
    usable = ~expected
    unused = _boxes_mask(regions, obs.wcs, obs.im.shape) & usable
    truth = catalogue.load_truth(name)
    centre = (int(round(truth["params"]["y0"])), int(round(truth["params"]["x0"])))
    sky = SkyTruth(centre, _bright_sources(truth, usable), unused, chip_labels(usable & ~unused))
    reference_mask = expected | region_mask(regions, obs.wcs, obs.im.shape)
    return TrustedDataset(
        name=name, image=obs.im, exposure=obs.ex, exposure_mask=expected, sky=sky,
        reference={model: reference_for(name, model) for model in MODELS},
        reference_goodpix=np.flatnonzero(~reference_mask))
