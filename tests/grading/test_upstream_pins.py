"""What the grader relies on in nbgrader and jupyter_client beyond their documented hooks.

Where no public extension point exists, a private method is overridden and
its docstring says why; each such method is pinned here to the version it
was checked against and to its signature, so that an upgrade fails here
first and the override is checked again.
"""
import inspect
from importlib.metadata import version

import nbformat

PINNED_PRIVATE_OVERRIDES = [
    # (distribution, version checked, class, private method, its signature)
    ("nbgrader", "0.9.6", "nbgrader.exchange.default.collect.ExchangeCollect", "_path_to_record", "(self, path)"),
]


def _resolve(dotted: str):
    module, name = dotted.rsplit(".", 1)
    return getattr(__import__(module, fromlist=[name]), name)


def test_private_overrides_match_the_versions_they_were_checked_against():
    for distribution, checked, owner, method, signature in PINNED_PRIVATE_OVERRIDES:
        assert version(distribution) == checked, (
            f"{distribution} is now {version(distribution)}: check the override of {owner}.{method}, then update the pin")
        assert str(inspect.signature(getattr(_resolve(owner), method))) == signature, f"{owner}.{method} changed"


def _private_overrides() -> set:
    """(upstream class, method) for every private method of another package that a course class overrides."""
    import pkgutil

    import solutions_lib

    found = set()
    for module in pkgutil.walk_packages(solutions_lib.__path__, "solutions_lib."):
        for cls in vars(__import__(module.name, fromlist=["_"])).values():
            if not inspect.isclass(cls) or cls.__module__ != module.name:
                continue
            for name, member in vars(cls).items():
                if not (name.startswith("_") and not name.endswith("_") and inspect.isfunction(member)):
                    continue
                upstream = next((base for base in cls.__mro__[1:] if name in vars(base)), None)
                if upstream is not None and not upstream.__module__.startswith("solutions_lib"):
                    found.add((f"{upstream.__module__}.{upstream.__qualname__}", name))
    return found


def test_every_private_override_is_pinned():
    pinned = {(owner, method) for _, _, owner, method, _ in PINNED_PRIVATE_OVERRIDES}
    assert _private_overrides() == pinned


def test_a_connection_file_written_first_is_kept_by_the_kernel_launch(tmp_path):
    """`SandboxedKernelManager.start_kernel` writes the connection file and hands it to the kernel's uid
    before jupyter_client's launch, which must then keep it rather than write it again."""
    from jupyter_client.manager import KernelManager

    manager = KernelManager(transport="ipc", ip=str(tmp_path / "kernel"), connection_file=str(tmp_path / "k.json"))
    manager.write_connection_file()
    (tmp_path / "k.json").chmod(0o640)
    manager.write_connection_file()
    assert (tmp_path / "k.json").stat().st_mode & 0o777 == 0o640


def test_nbgrader_only_scores_an_autograded_test_cell():
    """`SaveVerdictGrades` scores test cells itself and leaves nothing else of nbgrader's undone for them."""
    from nbgrader.preprocessors import SaveAutoGrades

    calls = []

    class Recording(SaveAutoGrades):
        def _add_score(self, cell, resources):
            calls.append("score")

        def _add_comment(self, cell, resources):
            calls.append("comment")

    cell = nbformat.v4.new_code_cell("assert True")
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True, "grade_id": "t", "points": 1,
                                 "schema_version": 3}
    Recording().preprocess_cell(cell, {}, 0)
    assert calls == ["score"]
