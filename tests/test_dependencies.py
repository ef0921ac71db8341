"""One set of pins: pyproject.toml, requirements.txt, source/xray_image/requirements.txt and environment.yml agree."""
import re

import pytest
from repo_paths import REPO

tomllib = pytest.importorskip("tomllib")

STUDENT = REPO / "source" / "xray_image" / "requirements.txt"
INSTRUCTOR = REPO / "requirements.txt"
REQUIREMENT = re.compile(r"^([A-Za-z0-9_.\-]+)==(\S+)$")


def pins(lines) -> dict[str, str]:
    """name -> version of ``name==version`` lines; anything else but comments, blanks and -r fails."""
    found = {}
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-r "):
            continue
        match = REQUIREMENT.match(line)
        assert match, f"not an exact pin: {line!r}"
        name = match.group(1).lower().replace("_", "-")
        assert name not in found, f"{name} pinned twice"
        found[name] = match.group(2)
    return found


def pyproject() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text())["project"]


def test_runtime_dependencies_include_the_student_list():
    runtime = pins(pyproject()["dependencies"])
    student = pins(STUDENT.read_text().splitlines())
    assert {name: runtime.get(name) for name in student} == student


def test_instructor_list_is_the_student_list_plus_the_rest_of_pyproject():
    text = INSTRUCTOR.read_text()
    assert "-r source/xray_image/requirements.txt" in text.splitlines()
    project = pyproject()
    declared = pins(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        declared.update(pins(extra))
    installed = {**pins(STUDENT.read_text().splitlines()), **pins(text.splitlines())}
    assert installed == declared


def test_conda_environment_installs_the_instructor_list():
    text = (REPO / "environment.yml").read_text()
    assert "- -r requirements.txt" in text and "- -e ." in text
    python = re.search(r"- python=(\d+)\.(\d+)", text)
    low = re.search(r">=(\d+)\.(\d+)", pyproject()["requires-python"])
    assert python and low and tuple(map(int, python.groups())) >= tuple(map(int, low.groups()))
