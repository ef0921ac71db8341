"""Draw one simulated Chandra observation of a galaxy cluster (pure numerics)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from astropy.wcs import WCS

from . import instrument as inst
from .sky import (
    cluster_brightness,
    draw_point_sources,
    readout_streak,
    scatter_point_sources,
)

SIZE = 883                    # image pixels per side (the course's images)
SHAPE = (SIZE, SIZE)
FI_BACKGROUND_RATE = 1.2e-6   # particle counts / s / course pixel (1.968"), 0.6-2 keV
BI_BACKGROUND_FACTOR = 2.5
VISIBLE_SOURCE_COUNTS = 10.0  # expected counts above which the reference mask covers a source
ACIS_S_IMAGE_OFFSET = 130.0   # binned pixels from the aimpoint (on S3) towards S1 to the image centre
STREAK_CORE_BOOST = 10.0      # a streak needs a core far brighter than the rest of the cluster
CLUSTER_COUNTS = 25000.0      # the course's clusters: expected counts in 60 ks (times 0.8-1.25)


COOL_CORES = ("strong", "weak", "none")
EXPOSURE_UNITS = ("cm2", "s")


@dataclass(frozen=True)
class ObservationPlan:
    """What to simulate: one course data set, or any other observation.

    Parameters
    ----------
    name : str
        Recorded in the truth ('' outside the catalogue).
    seed : int
        Seed of `numpy.random.default_rng`; same plan, same observation.
    layout : {'acis-i', 'acis-s'}
        The 2x2 ACIS-I array or a row of four ACIS-S chips.
    exposure_ks : float
        Exposure time in kiloseconds.
    cool_core : {'strong', 'weak', 'none'}
        Strength of the compact core component ('none': one component).
    ellipticity : float
        0 for circular isophotes; 0.1-0.2 for a mildly elliptical cluster.
    streak : bool
        Add the readout streak of the bright core.
    extra_s_chips : int
        ACIS-I only: number (0-2) of ACIS-S chips also on, to be masked.
    cluster_counts : float
        Expected cluster counts for a 60 ks exposure (scaled with exposure).
    pixel_arcsec : float
        Image pixel size in arcsec (the course's: 1.968, 4x4 native ACIS pixels).
        The same sky is drawn: chips, dither, cluster radii and the particle
        background per pixel follow the pixel size.
    size : int
        Image pixels per side.
    exposure_units : {'cm2', 's'}
        What the exposure map holds: 'cm2', the effective area without the
        exposure time (the course's files); 's', the exposure time per
        pixel without the effective area (as XMM-Newton's exposure maps),
        normalised to the live time on axis, so that surface brightness
        comes out in counts/s/pixel instead of counts/s/cm^2/pixel.
    """

    name: str
    seed: int
    layout: str = "acis-i"
    exposure_ks: float = 60.0
    cool_core: str = "strong"
    ellipticity: float = 0.0
    streak: bool = False
    extra_s_chips: int = 0
    cluster_counts: float = CLUSTER_COUNTS
    pixel_arcsec: float = inst.PIXEL_ARCSEC
    size: int = SIZE
    exposure_units: str = "cm2"

    def __post_init__(self):
        if self.layout not in inst.LAYOUTS:
            raise ValueError(f"layout must be one of {inst.LAYOUTS}, not {self.layout!r}")
        if self.cool_core not in COOL_CORES:
            raise ValueError(f"cool_core must be 'strong', 'weak' or 'none', not {self.cool_core!r}")
        if self.exposure_ks <= 0:
            raise ValueError(f"exposure_ks must be positive, not {self.exposure_ks}")
        if not 0 <= self.ellipticity < 0.5:
            raise ValueError(f"ellipticity must be in [0, 0.5), not {self.ellipticity}")
        if self.layout != "acis-i" and self.extra_s_chips:
            raise ValueError("extra_s_chips applies to the acis-i layout only")
        if not self.cluster_counts > 0:
            raise ValueError(f"cluster_counts must be positive, not {self.cluster_counts}")
        if not 0.1 <= self.pixel_arcsec <= 20:
            raise ValueError(f"pixel_arcsec must be between 0.1 and 20 arcsec, not {self.pixel_arcsec}")
        if not 64 <= self.size <= 4096:
            raise ValueError(f"size must be between 64 and 4096 pixels, not {self.size}")
        if self.exposure_units not in EXPOSURE_UNITS:
            raise ValueError(f"exposure_units must be one of {EXPOSURE_UNITS}, not {self.exposure_units!r}")

    @property
    def shape(self) -> tuple:
        """(ny, nx) of the image."""
        return (self.size, self.size)

    @property
    def scale(self) -> float:
        """Image pixels per course pixel: lengths the simulator draws in course pixels are multiplied by it."""
        return inst.PIXEL_ARCSEC / self.pixel_arcsec


@dataclass
class Pointing:
    """The detector drawn for one observation: where it points and what it sees per pixel.

    ``area`` (cm^2), ``background`` (expected particle counts), ``chip_index``
    (-1 off the chips) and the detector coordinates ``u`` are image-shaped
    arrays; ``background_fi`` is the front-illuminated chips' particle counts
    per pixel.
    """

    exposure_s: float
    wcs: WCS
    aimpoint: tuple
    roll: float
    chips: list
    u: np.ndarray
    area: np.ndarray
    background: np.ndarray
    chip_index: np.ndarray
    background_fi: float

    @property
    def exposure(self) -> np.ndarray:
        """Exposure map in cm^2 s."""
        return self.area * self.exposure_s


@dataclass
class SimulatedObservation:
    """A simulated observation.

    Attributes
    ----------
    counts : ndarray of int16, shape (size, size)
        Counts image.
    expmap : ndarray of float32, shape (size, size)
        Exposure map: in cm^2 (no exposure time) or, with ``exposure_units``
        's', in seconds (no effective area).
    wcs : astropy.wcs.WCS
        Celestial TAN WCS of both images.
    exposure_s : float
        Exposure time in seconds.
    truth : dict
        The parameters and sources used (see `truth.json`); its surface
        brightnesses are in counts/s/cm^2/pixel, or counts/s/pixel with an
        exposure map in seconds.
    chips : list of instrument.Chip
    roll : float
        Detector orientation, radians.
    aimpoint : tuple of float
        Image position ``(x, y)`` of the aimpoint.
    pixel_arcsec : float
        Image pixel size in arcsec.
    exposure_units : {'cm2', 's'}
    """

    counts: np.ndarray
    expmap: np.ndarray
    wcs: WCS
    exposure_s: float
    truth: dict
    chips: list
    roll: float
    aimpoint: tuple
    pixel_arcsec: float = inst.PIXEL_ARCSEC
    exposure_units: str = "cm2"


def make_wcs(rng, shape=SHAPE, pixel_arcsec: float = inst.PIXEL_ARCSEC) -> WCS:
    """A north-up TAN WCS at a random high-latitude-ish pointing, pixels of ``pixel_arcsec``.

    Parameters
    ----------
    rng : numpy.random.Generator
        Draws the pointing.
    shape : tuple of int, optional
        Image shape ``(ny, nx)``; the reference pixel is its centre.
    pixel_arcsec : float, optional
        Pixel size in arcsec.

    Returns
    -------
    astropy.wcs.WCS
    """
    wcs = WCS(naxis=2)
    wcs.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    wcs.wcs.crpix = [shape[1] / 2 + 0.5, shape[0] / 2 + 0.5]
    wcs.wcs.crval = [rng.uniform(0, 360), np.degrees(np.arcsin(rng.uniform(-0.85, 0.95)))]
    wcs.wcs.cdelt = [-pixel_arcsec / 3600, pixel_arcsec / 3600]
    wcs.wcs.cunit = ["deg", "deg"]
    wcs.wcs.radesys = "FK5"
    wcs.wcs.equinox = 2000.0
    return wcs


def cluster_parameters(rng, cool_core: str, centre, scale: float = 1.0) -> dict:
    """Beta-model parameters before normalisation (S0 + S02 scaled later).

    ``cool_core``: 'strong' (bright compact core), 'weak' (mild core) or
    'none' (a single component). Component 1 is always the compact one.
    Core radii are drawn in course pixels and multiplied by ``scale``
    (image pixels per course pixel), so that the cluster has the same size on the sky.

    Parameters
    ----------
    rng : numpy.random.Generator
        Draws the parameters.
    cool_core : {'strong', 'weak', 'none'}
        Strength of the compact component.
    centre : tuple of float
        Image position ``(x, y)`` of the cluster centre.
    scale : float, optional
        Image pixels per course pixel.

    Returns
    -------
    dict
        ``x0``, ``y0``, ``S0``, ``rc``, ``beta``, ``S02``, ``rc2``, ``beta2``
        (``S02`` 0 and ``rc2``, ``beta2`` None with no cool core).

    Raises
    ------
    ValueError
        If ``cool_core`` is not one of `COOL_CORES`.
    """
    params = {"x0": float(centre[0]), "y0": float(centre[1])}
    if cool_core == "none":
        params.update(S0=1.0, rc=scale * rng.uniform(18, 45), beta=rng.uniform(0.55, 0.8),
                      S02=0.0, rc2=None, beta2=None)
        return params
    if cool_core == "strong":
        ratio, rc, beta = rng.uniform(6, 14), rng.uniform(3, 7), rng.uniform(0.8, 1.15)
    elif cool_core == "weak":
        ratio, rc, beta = rng.uniform(1.5, 3.0), rng.uniform(7, 11), rng.uniform(0.75, 1.0)
    else:
        raise ValueError(f"cool_core must be 'strong', 'weak' or 'none', not {cool_core!r}")
    params.update(S0=ratio, rc=scale * rc, beta=beta, S02=1.0, rc2=scale * rng.uniform(22, 45),
                  beta2=rng.uniform(0.55, 0.72))
    return params


def simulate(plan: ObservationPlan) -> SimulatedObservation:
    """Simulate one observation, deterministic in ``plan.seed``.

    The random draws come in a fixed order (detector, cluster, counts, point
    sources), so a plan always gives the same observation.

    Parameters
    ----------
    plan : ObservationPlan
        What to simulate.

    Returns
    -------
    SimulatedObservation
    """
    rng = np.random.default_rng(plan.seed)
    pointing = point_detector(rng, plan)
    centre = cluster_centre(rng, pointing, plan.scale)
    params, angle, expected = cluster_expected_counts(rng, plan, pointing, centre)
    counts = rng.poisson(diffuse_counts(plan, pointing, params, expected))
    sources = draw_point_sources(rng, plan.shape, pointing.aimpoint, plan.exposure_ks, centre,
                                 avoid_radius=35 * plan.scale, pixel_arcsec=plan.pixel_arcsec)
    counts += add_point_sources(rng, pointing, sources, plan.scale)
    expmap, unit_area = exposure_map(plan, pointing)
    for key in ("S0", "S02"):
        params[key] *= unit_area
    return SimulatedObservation(
        counts=np.clip(counts, 0, np.iinfo(np.int16).max).astype(np.int16),
        expmap=expmap,
        wcs=pointing.wcs,
        exposure_s=float(pointing.exposure_s),
        truth=truth_record(plan, pointing, params, angle, sources),
        chips=pointing.chips,
        roll=float(pointing.roll),
        aimpoint=pointing.aimpoint,
        pixel_arcsec=plan.pixel_arcsec,
        exposure_units=plan.exposure_units,
    )


def exposure_map(plan: ObservationPlan, pointing: Pointing) -> tuple[np.ndarray, float]:
    """The exposure map as written, and the area (cm^2) by which its brightnesses are multiplied.

    'cm2': the effective area per pixel (the course's files; the reader
    multiplies it by the exposure time), brightness unchanged (area 1).
    's': exposure time per pixel, the effective area over its maximum times
    the live time, so that a brightness in counts/s/pixel (the course's
    brightness times the maximum area) times the map gives the same counts.

    Parameters
    ----------
    plan : ObservationPlan
        What to simulate.
        Its ``exposure_units`` picks the map.
    pointing : Pointing
        The detector drawn by `point_detector`.

    Returns
    -------
    expmap : ndarray of float32, shape (ny, nx)
        The map to write.
    unit_area : float
        Area (cm^2) to multiply the surface brightnesses by.
    """
    if plan.exposure_units == "cm2":
        return pointing.area.astype(np.float32), 1.0
    unit_area = float(pointing.area.max())
    return (pointing.area / unit_area * pointing.exposure_s).astype(np.float32), unit_area


def point_detector(rng, plan: ObservationPlan) -> Pointing:
    """Live time, sky pointing, aimpoint, roll, chips and the per-pixel response.

    Parameters
    ----------
    rng : numpy.random.Generator
        Draws the pointing and the detector.
    plan : ObservationPlan
        What to simulate.

    Returns
    -------
    Pointing
    """
    exposure_s = plan.exposure_ks * 1000.0 * rng.uniform(0.97, 0.995)  # live time
    shape, scale = plan.shape, plan.scale
    wcs = make_wcs(rng, shape, plan.pixel_arcsec)
    aimpoint = (shape[1] / 2 + scale * rng.uniform(-15, 15), shape[0] / 2 + scale * rng.uniform(-15, 15))
    roll = rng.uniform(0, 2 * np.pi)
    if plan.layout == "acis-s":
        # Centre the image between S2 and S3 so that both BI chips (S1, S3) are in view.
        aimpoint = (aimpoint[0] + scale * ACIS_S_IMAGE_OFFSET * np.cos(roll),
                    aimpoint[1] + scale * ACIS_S_IMAGE_OFFSET * np.sin(roll))
    chips = inst.chip_layout(plan.layout, rng, plan.extra_s_chips, scale)
    if not any(chip.used for chip in chips):  # pragma: no cover - layouts always use chips
        raise RuntimeError("no chip in use")
    u, v = inst.detector_coords(shape, aimpoint, roll)
    theta = inst.off_axis_arcmin(shape, aimpoint, plan.pixel_arcsec)
    # Particles per pixel grow with the pixel's area on the sky.
    background_fi = FI_BACKGROUND_RATE * rng.uniform(0.85, 1.15) * exposure_s / scale**2
    area, background, chip_index = inst.detector_response(
        chips, u, v, theta, rng, background_fi, BI_BACKGROUND_FACTOR * background_fi
    )
    area = np.round(area, 2)  # 0.01 cm^2 steps: realistic, and compresses well
    return Pointing(exposure_s, wcs, aimpoint, roll, chips, u, area, background, chip_index, background_fi)


def cluster_centre(rng, pointing: Pointing, scale: float = 1.0) -> tuple:
    """A centre within ~40" of the aimpoint (20 course pixels, ``scale`` image pixels each),
    on a used chip at near-full exposure.

    After 100 unlucky draws the last one is kept.

    Parameters
    ----------
    rng : numpy.random.Generator
        Draws the centre.
    pointing : Pointing
        The detector drawn by `point_detector`.
    scale : float, optional
        Image pixels per course pixel.

    Returns
    -------
    tuple of float
        Image position ``(x, y)``.
    """
    area, chips = pointing.area, pointing.chips
    for _ in range(100):
        centre = (pointing.aimpoint[0] + scale * rng.uniform(-20, 20),
                  pointing.aimpoint[1] + scale * rng.uniform(-20, 20))
        index = pointing.chip_index[int(centre[1]), int(centre[0])]
        if index >= 0 and chips[index].used and area[int(centre[1]), int(centre[0])] > 0.9 * area.max():
            break
    return centre


def cluster_expected_counts(rng, plan: ObservationPlan, pointing: Pointing, centre) -> tuple[dict, float, np.ndarray]:
    """The cluster's parameters, isophote angle and expected counts per pixel.

    S0 and S02 are scaled so that the cluster gives ``plan.cluster_counts``
    per 60 ks (times 0.8-1.25); a streak plan boosts the core tenfold.

    Parameters
    ----------
    rng : numpy.random.Generator
        Draws the parameters, angle and normalisation.
    plan : ObservationPlan
        What to simulate.
    pointing : Pointing
        The detector drawn by `point_detector`.
    centre : tuple of float
        Image position ``(x, y)`` of the cluster centre.

    Returns
    -------
    params : dict
        See `cluster_parameters`, with ``S0`` and ``S02`` normalised.
    angle : float
        Position angle of the isophotes, radians.
    expected : ndarray, shape (ny, nx)
        Expected cluster counts per pixel.
    """
    params = cluster_parameters(rng, plan.cool_core, centre, plan.scale)
    angle = rng.uniform(0, np.pi)
    shape_only = cluster_brightness(plan.shape, params, plan.ellipticity, angle)
    scale = (plan.cluster_counts * plan.exposure_ks / 60.0 * rng.uniform(0.8, 1.25)
             / (shape_only * pointing.exposure).sum())
    params["S0"] *= scale
    params["S02"] *= scale
    if plan.streak:
        params["S0"] *= STREAK_CORE_BOOST
    return params, angle, cluster_brightness(plan.shape, params, plan.ellipticity, angle) * pointing.exposure


def diffuse_counts(plan: ObservationPlan, pointing: Pointing, params: dict, expected) -> np.ndarray:
    """Expected counts of cluster, particle background and readout streak; sets ``params['B']``.

    ``B`` is the background per pixel of the first used chip's kind (BI or FI).

    Parameters
    ----------
    plan : ObservationPlan
        What to simulate.
        A streak plan adds the readout streak.
    pointing : Pointing
        The detector drawn by `point_detector`.
    params : dict
        The cluster's parameters; ``B`` is added to it.
    expected : ndarray, shape (ny, nx)
        Expected cluster counts per pixel.

    Returns
    -------
    ndarray, shape (ny, nx)
        Expected counts per pixel.
    """
    first_used_bi = next(chip.back_illuminated for chip in pointing.chips if chip.used)
    params["B"] = float(pointing.background_fi * (BI_BACKGROUND_FACTOR if first_used_bi else 1.0))
    model_counts = expected + pointing.background
    if plan.streak:
        bounds = [(chip.u0, chip.u0 + chip.side) for chip in pointing.chips]
        model_counts = model_counts + readout_streak(expected, pointing.chip_index, pointing.u, bounds,
                                                     pointing.chips[0].side)
    return model_counts


def add_point_sources(rng, pointing: Pointing, sources: list, scale: float = 1.0) -> np.ndarray:
    """Counts image of the AGN; each source's counts become what reaches the detector, with its sky position.

    Parameters
    ----------
    rng : numpy.random.Generator
        Draws the photons.
    pointing : Pointing
        The detector drawn by `point_detector`.
    sources : list of dict
        As `sky.draw_point_sources` returns them; updated in place with the
        vignetted ``counts``, ``ra``, ``dec`` and ``psf_sigma_pix``.
    scale : float, optional
        Image pixels per course pixel.

    Returns
    -------
    ndarray of int64, shape (ny, nx)
    """
    relative_area = pointing.area / pointing.area.max()
    image = scatter_point_sources(rng, pointing.area.shape, sources, relative_area, scale)
    for source in sources:
        source["counts"] = float(source["counts"] * relative_area[int(source["y"]), int(source["x"])])
        ra, dec = pointing.wcs.pixel_to_world_values(source["x"], source["y"])
        source.update(ra=float(ra), dec=float(dec))
    return image


def truth_record(plan: ObservationPlan, pointing: Pointing, params: dict, angle: float, sources: list) -> dict:
    """What `truth.json` keeps: the plan, the parameters drawn and every source.

    Parameters
    ----------
    plan : ObservationPlan
        What to simulate.
    pointing : Pointing
        The detector drawn by `point_detector`.
    params : dict
        The cluster's parameters, as normalised and written.
    angle : float
        Position angle of the isophotes, radians.
    sources : list of dict
        The point sources, with ``ra``, ``dec`` and ``psf_sigma_pix``.

    Returns
    -------
    dict
        JSON-serialisable record.
    """
    return {
        "name": plan.name,
        "seed": int(plan.seed),
        "layout": plan.layout,
        "exposure_s": float(pointing.exposure_s),
        "cool_core": plan.cool_core != "none",
        "cool_core_strength": plan.cool_core,
        "n_components": 1 if plan.cool_core == "none" else 2,
        "ellipticity": float(plan.ellipticity),
        "ellipse_angle_deg": float(np.degrees(angle)),
        "streak": bool(plan.streak),
        "pixel_arcsec": float(plan.pixel_arcsec),
        "exposure_units": plan.exposure_units,
        "params": {k: (None if v is None else float(v)) for k, v in params.items()},
        "crval": [float(c) for c in pointing.wcs.wcs.crval],
        "aimpoint": [float(a) for a in pointing.aimpoint],
        "roll_deg": float(np.degrees(pointing.roll)),
        "point_sources": [
            {k: source[k] for k in ("ra", "dec", "x", "y", "counts", "psf_sigma_pix")}
            for source in sources
        ],
        "chips": [
            {"name": c.name, "back_illuminated": c.back_illuminated, "used": c.used} for c in pointing.chips
        ],
    }
