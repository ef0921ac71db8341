"""Realism and determinism of the Chandra simulator."""
import json
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest
from astropy.io import fits
from regions import Regions

from solutions_lib.data.masks import region_mask
from solutions_lib.data.mock import ObservationPlan, simulate
from solutions_lib.data.mock import instrument as inst
from solutions_lib.data.mock.fitsio import reference_regions, write_observation
from solutions_lib.data.observation import EXPMAP_FILE, IMAGE_FILE, data_dict, load_observation
from solutions_lib.engine.model import expected_counts


@pytest.fixture(scope="module")
def acis_i():
    return simulate(ObservationPlan("", 11, "acis-i", 60.0, "strong", extra_s_chips=2))


@pytest.fixture(scope="module")
def acis_s():
    return simulate(ObservationPlan("", 12, "acis-s", 60.0, "weak"))


def test_counts_and_empty_pixels_are_plausible(acis_i):
    on_chip = acis_i.expmap > 0.5 * acis_i.expmap.max()
    total = acis_i.counts.sum()
    assert 2e4 < total < 2e5
    empty = (acis_i.counts[on_chip] == 0).mean()
    assert 0.8 < empty < 0.97  # background-dominated: most pixels see nothing
    assert acis_i.counts.dtype == np.int16
    assert 300 < acis_i.expmap.max() < 600  # cm^2 at 1.25 keV


def test_psf_widens_off_axis(acis_i):
    sources = acis_i.truth["point_sources"]
    aim = np.array(acis_i.aimpoint)
    theta = [np.hypot(s["x"] - aim[0], s["y"] - aim[1]) for s in sources]
    sigma = [s["psf_sigma_pix"] for s in sources]
    assert np.corrcoef(theta, sigma)[0, 1] > 0.9
    from solutions_lib.data.mock.sky import psf_sigma_pixels

    assert psf_sigma_pixels(0.0) < 0.5 < 1.5 < psf_sigma_pixels(8.0)  # ~1" on axis, ~4" at 8'
    assert max(sigma) > 3 * min(sigma)


def test_measured_source_size_grows_off_axis():
    """Second moments of bright sources: wider far from the aimpoint."""
    from solutions_lib.data.mock.sky import scatter_point_sources

    rng = np.random.default_rng(5)
    shape = (200, 200)
    sources = [{"x": 50.0, "y": 100.0, "counts": 4000.0, "theta": 0.5},
               {"x": 150.0, "y": 100.0, "counts": 4000.0, "theta": 10.0}]
    image = scatter_point_sources(rng, shape, sources, np.ones(shape))
    widths = []
    for source in sources:
        x0 = int(source["x"])
        cut = image[80:121, x0 - 20:x0 + 21].astype(float)
        yy, xx = np.mgrid[-20:21, -20:21]
        widths.append(np.sqrt((cut * (xx**2 + yy**2)).sum() / cut.sum() / 2))
    assert widths[1] > 4 * widths[0]


def test_chip_edges_are_blurred_by_dither(acis_i):
    """Across a chip edge the exposure ramps over several pixels, not a step."""
    expmap = acis_i.expmap / acis_i.expmap.max()
    u, v = inst.detector_coords(expmap.shape, acis_i.aimpoint, acis_i.roll)
    chip = acis_i.chips[0]
    inside = (v > chip.v0 + 40) & (v < chip.v0 + inst.CHIP - 40)
    ramp = inside & (np.abs(u - chip.u0) < inst.DITHER / 2 - 0.5)
    assert ramp.sum() > 50
    values = expmap[ramp]
    assert ((values > 0.05) & (values < 0.8)).mean() > 0.8


def test_acis_i_layout_has_four_used_chips(acis_i):
    used = [c for c in acis_i.chips if c.used]
    assert len(used) == 4 and all(c.name.startswith("I") for c in used)
    assert any(not c.used for c in acis_i.chips)  # the extra S chips, to be masked
    assert acis_i.truth["layout"] == "acis-i"


def test_acis_s_back_illuminated_chips_are_brighter(acis_s):
    u, v = inst.detector_coords(acis_s.counts.shape, acis_s.aimpoint, acis_s.roll)
    far = np.hypot(*(np.mgrid[0:883, 0:883][::-1] - np.array(acis_s.aimpoint)[:, None, None])) > 250
    rates = {}
    for chip in acis_s.chips:
        cover = inst.chip_coverage(chip, u, v) > 0.99
        if (cover & far).sum() > 2000:
            rates[chip.name] = acis_s.counts[cover & far].mean()
    bi = [rates[n] for n in rates if n in ("S1", "S3")]
    fi = [rates[n] for n in rates if n in ("S2", "S4")]
    assert bi and fi and min(bi) > 1.5 * max(fi)
    assert [c.name for c in acis_s.chips if c.used] == ["S1", "S3"]


def test_same_seed_same_data_other_seed_other_data():
    a, b = simulate(ObservationPlan("", 3, "acis-s", 20.0)), simulate(ObservationPlan("", 3, "acis-s", 20.0))
    c = simulate(ObservationPlan("", 4, "acis-s", 20.0))
    np.testing.assert_array_equal(a.counts, b.counts)
    np.testing.assert_array_equal(a.expmap, b.expmap)
    assert not np.array_equal(a.counts, c.counts)


def test_bad_arguments_are_explained():
    with pytest.raises(ValueError, match="acis-i"):
        simulate(ObservationPlan("", 1, "hrc"))
    with pytest.raises(ValueError, match="cool_core"):
        simulate(ObservationPlan("", 1, cool_core="huge"))
    with pytest.raises(ValueError, match="acis-i layout only"):
        simulate(ObservationPlan("", 1, "acis-s", extra_s_chips=1))


def test_written_files_headers_and_wcs(acis_i, tmp_path):
    paths = write_observation(acis_i, tmp_path)
    with fits.open(paths["image"]) as hdul:
        header = hdul[0].header
        assert hdul[0].data.dtype == np.dtype(">i2") and hdul[0].data.shape == (883, 883)
    for key in ("TELESCOP", "INSTRUME", "OBJECT", "DATE-OBS", "MJDREF", "EXPOSURE", "BUNIT"):
        assert key in header, key
    with fits.open(paths["expmap"]) as hdul:
        assert hdul[0].data.dtype == np.dtype(">f4") and hdul[0].header["BUNIT"] == "cm**2"
    obs = load_observation(tmp_path)
    for source in acis_i.truth["point_sources"][:10]:
        x, y = obs.wcs.world_to_pixel_values(source["ra"], source["dec"])
        assert abs(x - source["x"]) < 0.01 and abs(y - source["y"]) < 0.01
    assert json.loads(paths["truth"].read_text())["params"]["rc"] == acis_i.truth["params"]["rc"]


def test_reference_mask_covers_sources_and_unused_chips_but_not_the_core(acis_i):
    text = reference_regions(acis_i)
    assert len(Regions.parse(text, format="ds9")) > 5
    mask = region_mask(text, acis_i.wcs, acis_i.counts.shape)
    p = acis_i.truth["params"]
    assert not mask[int(round(p["y0"])), int(round(p["x0"]))]
    visible = [s for s in acis_i.truth["point_sources"] if s["counts"] >= 10]
    assert visible and all(mask[int(round(s["y"])), int(round(s["x"]))] for s in visible)
    u, v = inst.detector_coords(mask.shape, acis_i.aimpoint, acis_i.roll)
    for chip in acis_i.chips:
        inside = inst.chip_coverage(chip, u, v) > 0.5
        if inside.sum() and not chip.used:
            assert mask[inside].mean() > 0.97, chip.name
        if chip.used:
            assert mask[inside].mean() < 0.2, chip.name


def test_streak_adds_counts_along_the_core_column():
    with_streak = simulate(ObservationPlan("", 21, "acis-i", 100.0, "strong", streak=True, cluster_counts=400000.0))
    without = simulate(ObservationPlan("", 21, "acis-i", 100.0, "strong", streak=False, cluster_counts=400000.0))
    extra = with_streak.counts.astype(int) - without.counts
    u, v = inst.detector_coords(extra.shape, with_streak.aimpoint, with_streak.roll)
    p = with_streak.truth["params"]
    cos, sin = np.cos(with_streak.roll), np.sin(with_streak.roll)
    u_core = cos * (p["x0"] - with_streak.aimpoint[0]) + sin * (p["y0"] - with_streak.aimpoint[1])
    on = with_streak.expmap > 0.5 * with_streak.expmap.max()
    assert extra[on & (np.abs(u - u_core) < 1.5)].mean() > 0.2
    assert "box(" in reference_regions(with_streak)


@pytest.mark.slow
def test_cli_writes_a_data_set(tmp_path):
    out = tmp_path / "obs"
    result = subprocess.run(
        [sys.executable, "-m", "solutions_lib", "mock", "--seed", "5", "--layout", "acis-s",
         "--out", str(out), "--no-cool-core", "--exposure", "20"],
        capture_output=True, text=True, check=True,
    )
    assert "acis-s" in result.stdout
    for name in (IMAGE_FILE, EXPMAP_FILE, "truth.json", "mask.reg"):
        assert (out / name).exists()
    assert json.loads((out / "truth.json").read_text())["n_components"] == 1


def test_exposure_map_in_seconds_keeps_the_counts_and_gives_brightness_per_second(tmp_path):
    """The same observation with its map in seconds (no effective area): same counts, the map is
    the live time times the relative area, and brightness is in counts/s/pixel; read back, both
    predict the same expected counts."""
    plan = ObservationPlan("", 31, "acis-i", 30.0, "strong")
    in_cm2, in_s = simulate(plan), simulate(replace(plan, exposure_units="s"))
    np.testing.assert_array_equal(in_cm2.counts, in_s.counts)
    area = float(in_cm2.expmap.max())
    np.testing.assert_allclose(in_s.expmap, in_cm2.expmap / area * in_s.exposure_s, rtol=1e-6)
    for key in ("S0", "S02"):
        assert in_s.truth["params"][key] == pytest.approx(in_cm2.truth["params"][key] * area, rel=1e-6)
    assert in_s.truth["params"]["B"] == in_cm2.truth["params"]["B"] and in_s.truth["exposure_units"] == "s"
    predicted = []
    for obs, folder in ((in_cm2, tmp_path / "cm2"), (in_s, tmp_path / "s")):
        paths = write_observation(obs, folder)
        with fits.open(paths["expmap"]) as hdul:
            assert hdul[0].header["BUNIT"] == ("s" if obs is in_s else "cm**2")
        data = data_dict(load_observation(folder))
        predicted.append(expected_counts(obs.truth["params"], data["imx"], data["imy"], data["ex"]))
    np.testing.assert_allclose(predicted[1], predicted[0], rtol=1e-5)


def test_another_pixel_size_and_image_size_show_the_same_sky():
    """4" pixels on a 512 x 512 image: chips, dither, core radii shrink in pixels by 1.968/4, the
    particle background per pixel grows with the pixel's area, the whole ACIS-I array is in view,
    and the reference mask still covers the visible sources and not the core."""
    plan = ObservationPlan("", 32, "acis-i", 60.0, "strong")
    course, binned = simulate(plan), simulate(replace(plan, pixel_arcsec=4.0, size=512))
    scale = inst.PIXEL_ARCSEC / 4.0
    assert binned.counts.shape == binned.expmap.shape == (512, 512)
    np.testing.assert_allclose(np.abs(binned.wcs.wcs.cdelt), 4.0 / 3600)
    assert all(chip.side == pytest.approx(inst.CHIP * scale) for chip in binned.chips)
    p = binned.truth["params"]
    assert 3 * scale <= p["rc"] <= 7 * scale and 22 * scale <= p["rc2"] <= 45 * scale
    assert p["B"] == pytest.approx(course.truth["params"]["B"] / scale**2, rel=1e-12)
    u, v = inst.detector_coords(binned.counts.shape, binned.aimpoint, binned.roll)
    for chip in binned.chips:
        assert inst.chip_coverage(chip, u, v).sum() == pytest.approx(chip.side**2, rel=0.05), chip.name
    assert binned.truth["pixel_arcsec"] == 4.0
    mask = region_mask(reference_regions(binned), binned.wcs, binned.counts.shape)
    assert not mask[int(round(p["y0"])), int(round(p["x0"]))]
    visible = [s for s in binned.truth["point_sources"] if s["counts"] >= 10]
    assert visible and all(mask[int(round(s["y"])), int(round(s["x"]))] for s in visible)


def test_bad_plans_of_another_instrument_are_explained():
    for field, value, match in (("exposure_units", "ks", "exposure_units"), ("pixel_arcsec", 0.0, "pixel_arcsec"),
                                ("size", 10, "size"), ("cluster_counts", -1.0, "cluster_counts")):
        with pytest.raises(ValueError, match=match):
            ObservationPlan("", 1, **{field: value})


@pytest.mark.slow
def test_cli_writes_an_observation_of_another_instrument(tmp_path):
    out = tmp_path / "xmm_like"
    subprocess.run(
        [sys.executable, "-m", "solutions_lib", "mock", "--seed", "6", "--out", str(out), "--exposure", "10",
         "--exposure-units", "s", "--pixel-arcsec", "4", "--size", "512", "--brightness", "10"],
        capture_output=True, text=True, check=True,
    )
    truth = json.loads((out / "truth.json").read_text())
    assert truth["exposure_units"] == "s" and truth["pixel_arcsec"] == 4.0
    obs = load_observation(out)
    assert obs.im.shape == (512, 512)
    assert 0.9 * truth["exposure_s"] < obs.ex.max() <= truth["exposure_s"] * (1 + 1e-6)   # seconds, not cm^2 s
    # Ten times the course's cluster counts per 60 ks, over 10 ks: about 42 000 (0.8-1.25 of it).
    assert 0.8 * 250000 / 6 < obs.im.sum() < 1.25 * 250000 / 6 + 20000
