"""The catalogue of course data sets (simulated, deterministic from seeds).

Public files live in ``source/xray_image/data/<name>/`` (they ship with the
student release); the truth and the instructor's reference mask live in
``solutions_lib/data/clusters/<name>/`` and never ship.
"""
from __future__ import annotations

import json
from pathlib import Path

from .mock.simulate import ObservationPlan
from .observation import EXPMAP_FILE, IMAGE_FILE

PACKAGE_DIR = Path(__file__).resolve().parents[1]   # solutions_lib/
REPO_ROOT = PACKAGE_DIR.parent                      # the course repository
COURSE_DATA = REPO_ROOT / "source" / "xray_image" / "data"
HIDDEN_DATA = Path(__file__).resolve().parent / "clusters"


# Each course data set is a plan for the simulator: name, seed, layout, exposure (ks), cool core.
CATALOGUE = (
    ObservationPlan("cl_j0142", 142, "acis-i", 70.0, "strong"),
    ObservationPlan("cl_j0815", 815, "acis-i", 40.0, "weak", ellipticity=0.12, extra_s_chips=2),
    ObservationPlan("cl_j1029", 1029, "acis-s", 120.0, "strong"),
    ObservationPlan("cl_j2231", 2231, "acis-s", 25.0, "weak", ellipticity=0.1),
    ObservationPlan("cl_j0266", 266, "acis-i", 20.0, "weak", extra_s_chips=1),
    ObservationPlan("cl_j1720", 1720, "acis-i", 100.0, "strong", ellipticity=0.05, streak=True,
                    cluster_counts=60000.0),
    ObservationPlan("cl_j1347", 1347, "acis-s", 60.0, "weak"),
    ObservationPlan("cl_j0547", 547, "acis-i", 30.0, "strong", ellipticity=0.15),
    # No cool core: one beta component; the data do not ask for a second one.
    ObservationPlan("cl_j0309", 309, "acis-i", 50.0, "none"),
    ObservationPlan("cl_j0933", 933, "acis-s", 80.0, "none"),
    ObservationPlan("cl_j1504", 1504, "acis-i", 35.0, "none", ellipticity=0.08, extra_s_chips=1),
    # Not cl_j2019 (seed 2019, acis-s, 45 ks, no core; its truth rc = 40 px, beta = 0.58, the
    # largest and shallowest core the simulator draws): there the double posterior has a long
    # tail in which a "compact" component almost as wide as the halo takes up to a third of
    # the flux, and neither the reference engine (R 1.06-1.10, min n_eff ~115 after 16 000
    # steps per walker) nor a student's DEMove sampler converges in the time a student has.
)
DEFAULT_DATASET = "cl_j0142"


def dataset_names() -> list[str]:
    """The names of the catalogue's data sets, in catalogue order."""
    return [spec.name for spec in CATALOGUE]


def spec(name: str) -> ObservationPlan:
    """The simulator's plan of a catalogue data set.

    Parameters
    ----------
    name : str
        A catalogue data set, e.g. ``'cl_j0142'``.

    Returns
    -------
    ObservationPlan

    Raises
    ------
    KeyError
        If ``name`` is not in the catalogue.
    """
    for entry in CATALOGUE:
        if entry.name == name:
            return entry
    raise KeyError(f"Unknown data set {name!r}; the course data sets are {dataset_names()}.")


def course_data_dir(name: str) -> Path:
    """The folder of a data set's public files (they ship to students).

    Parameters
    ----------
    name : str
        A catalogue data set, e.g. ``'cl_j0142'``.

    Returns
    -------
    pathlib.Path
        ``source/xray_image/data/<name>``; it may not exist yet.

    Raises
    ------
    KeyError
        If ``name`` is not in the catalogue.
    """
    spec(name)
    return COURSE_DATA / name


def hidden_dir(name: str) -> Path:
    """The folder of a data set's truth and reference mask (never shipped).

    Parameters
    ----------
    name : str
        A catalogue data set, e.g. ``'cl_j0142'``.

    Returns
    -------
    pathlib.Path
        ``solutions_lib/data/clusters/<name>``; it may not exist yet.

    Raises
    ------
    KeyError
        If ``name`` is not in the catalogue.
    """
    spec(name)
    return HIDDEN_DATA / name


def truth_path(name: str) -> Path:
    """The path of a data set's ``truth.json``.

    Parameters
    ----------
    name : str
        A catalogue data set, e.g. ``'cl_j0142'``.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    KeyError
        If ``name`` is not in the catalogue.
    """
    return hidden_dir(name) / "truth.json"


def load_truth(name: str) -> dict:
    """Read a data set's ``truth.json``: the simulator's plan, parameters and sources.

    Parameters
    ----------
    name : str
        A catalogue data set, e.g. ``'cl_j0142'``.

    Returns
    -------
    dict
        See `mock.simulate.truth_record`.

    Raises
    ------
    KeyError
        If ``name`` is not in the catalogue.
    FileNotFoundError
        If the data set has not been built.
    """
    return json.loads(truth_path(name).read_text())


def reference_region_path(name: str) -> Path:
    """The path of a data set's reference DS9 regions (``mask.reg``).

    Parameters
    ----------
    name : str
        A catalogue data set, e.g. ``'cl_j0142'``.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    KeyError
        If ``name`` is not in the catalogue.
    """
    return hidden_dir(name) / "mask.reg"


def reference_region_string(name: str) -> str:
    """The text of a data set's reference DS9 regions.

    Parameters
    ----------
    name : str
        A catalogue data set, e.g. ``'cl_j0142'``.

    Returns
    -------
    str

    Raises
    ------
    KeyError
        If ``name`` is not in the catalogue.
    FileNotFoundError
        If the data set has not been built.
    """
    return reference_region_path(name).read_text()


def reference_data(name: str) -> dict:
    """The tutorial's ``data`` dict of a course data set, masked with its reference
    regions and the low-exposure mask: what the reference solution fits.

    Parameters
    ----------
    name : str
        A catalogue data set, e.g. ``'cl_j0142'``.

    Returns
    -------
    dict
        As returned by `observation.prepare`.
    """
    from .observation import prepare

    return prepare(course_data_dir(name), reference_region_string(name))


def simulate_dataset(name: str):
    """Simulate a catalogue entry in memory (no files written).

    Parameters
    ----------
    name : str
        A catalogue data set, e.g. ``'cl_j0142'``.

    Returns
    -------
    SimulatedObservation

    Raises
    ------
    KeyError
        If ``name`` is not in the catalogue.
    """
    from .mock import simulate

    return simulate(spec(name))


def is_built(name: str) -> bool:
    """Whether a data set's two images, truth and reference regions all exist.

    Parameters
    ----------
    name : str
        A catalogue data set, e.g. ``'cl_j0142'``.

    Returns
    -------
    bool

    Raises
    ------
    KeyError
        If ``name`` is not in the catalogue.
    """
    files = [course_data_dir(name) / IMAGE_FILE, course_data_dir(name) / EXPMAP_FILE,
             truth_path(name), reference_region_path(name)]
    return all(path.exists() for path in files)


def build_dataset(name: str, force: bool = False) -> bool:
    """Write one data set's files; return True if it was (re)built.

    Parameters
    ----------
    name : str
        A catalogue data set, e.g. ``'cl_j0142'``.
    force : bool, optional
        Rebuild even when every file is already there.

    Returns
    -------
    bool
        False when the data set was already built and ``force`` is False.

    Raises
    ------
    KeyError
        If ``name`` is not in the catalogue.
    """
    from .mock.fitsio import write_observation

    if is_built(name) and not force:
        return False
    write_observation(simulate_dataset(name), course_data_dir(name), hidden_dir(name))
    return True


def build_all(force: bool = False) -> list[str]:
    """Build every missing data set (all of them with ``force``); return those built.

    Parameters
    ----------
    force : bool, optional
        Rebuild the data sets that are already there too.

    Returns
    -------
    list of str
        The names of the data sets written.
    """
    return [name for name in dataset_names() if build_dataset(name, force)]
