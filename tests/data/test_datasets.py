"""The committed course data sets read back and match their seeds."""
import numpy as np
import pytest
from astropy.io import fits

from solutions_lib.data import catalogue
from solutions_lib.data.observation import EXPMAP_FILE, IMAGE_FILE, load_observation


@pytest.mark.parametrize("name", catalogue.dataset_names())
def test_committed_data_set_reads_back(name):
    folder = catalogue.course_data_dir(name)
    with fits.open(folder / IMAGE_FILE) as image, fits.open(folder / EXPMAP_FILE) as expmap:
        assert image[0].data.dtype == np.dtype(">i2") and expmap[0].data.dtype == np.dtype(">f4")
        assert image[0].data.shape == expmap[0].data.shape == (883, 883)
        assert image[0].header["EXPOSURE"] > 0
    obs = load_observation(folder)
    assert obs.wcs.has_celestial
    truth = catalogue.load_truth(name)
    data = catalogue.reference_data(name)
    assert 50_000 < data["goodpix"].size < 300_000
    p = truth["params"]
    assert not data["mask"][int(round(p["y0"])), int(round(p["x0"]))]


def test_catalogue_spans_the_required_variety():
    specs = catalogue.CATALOGUE
    assert len(specs) >= 10
    assert {s.layout for s in specs} == {"acis-i", "acis-s"}
    assert sum(s.streak for s in specs) == 1
    assert {s.cool_core for s in specs} == {"strong", "weak", "none"}
    # Some students find that the data do not need a second component: about a third of the class.
    no_core = [s for s in specs if s.cool_core == "none"]
    assert len(no_core) >= 2 and 0.25 <= len(no_core) / len(specs) <= 0.45
    assert {s.layout for s in no_core} == {"acis-i", "acis-s"}
    assert min(s.exposure_ks for s in specs) <= 25 and max(s.exposure_ks for s in specs) >= 100
    circular = [s for s in specs if s.ellipticity == 0 and not s.streak]
    assert len(circular) >= 2
    assert catalogue.DEFAULT_DATASET in catalogue.dataset_names()


def test_total_size_within_budget():
    files = [p for p in catalogue.COURSE_DATA.rglob("*") if p.is_file()]
    assert sum(p.stat().st_size for p in files) <= 30 * 1024 * 1024


def test_regenerating_from_the_seed_reproduces_the_committed_files():
    name = "cl_j0266"
    obs = catalogue.simulate_dataset(name)
    with fits.open(catalogue.course_data_dir(name) / IMAGE_FILE) as image:
        np.testing.assert_array_equal(image[0].data, obs.counts)
    with fits.open(catalogue.course_data_dir(name) / EXPMAP_FILE) as expmap:
        np.testing.assert_array_equal(expmap[0].data, obs.expmap)


def test_truth_files_agree_with_the_catalogue():
    for spec in catalogue.CATALOGUE:
        truth = catalogue.load_truth(spec.name)
        assert truth["cool_core_strength"] == spec.cool_core and truth["layout"] == spec.layout
        params = truth["params"]
        if spec.cool_core == "none":
            assert truth["n_components"] == 1 and params["S02"] == 0
        else:
            assert truth["n_components"] == 2 and params["rc2"] >= 2 * params["rc"]
            assert params["beta"] >= params["beta2"]


def test_unknown_name_is_explained():
    with pytest.raises(KeyError, match="cl_j0142"):
        catalogue.course_data_dir("abell_9999")
