"""Handing answers in (kernel side) and reading them back safely (grader side)."""
import io
import json
import os
import subprocess
import sys
import zipfile

import nbformat
import numpy as np
import pytest

from solutions_lib.grading import answers, handins, sandbox, workspace
from solutions_lib.grading.kernel_side import answer_keys, xray_handin
from solutions_lib.grading.judgement import Judgement
from solutions_lib.grading.verdict import Reason


@pytest.fixture
def answers_dir(tmp_path, monkeypatch):
    folder = tmp_path / "answers"
    folder.mkdir()
    monkeypatch.setenv(xray_handin.ANSWERS_ENV, str(folder))
    return folder


def test_hand_in_round_trip_without_pickle(answers_dir):
    chains = [np.zeros((5, 3)), np.ones((5, 3))]  # a list of equal-shape chains
    xray_handin.hand_in("chains-double", chains=chains, name="cl_j0142")
    loaded = answers.load_answers(answers_dir / "chains-double.npz")
    assert loaded["chains"].shape == (2, 5, 3) and str(loaded["name"]) == "cl_j0142"


def test_hand_in_outside_grading_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.delenv(xray_handin.ANSWERS_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    xray_handin.hand_in("dic", DIC1=1.0)
    assert list(tmp_path.iterdir()) == []


def test_unsaveable_answers_are_reported_not_pickled(answers_dir):
    xray_handin.hand_in("chains-single", chains=[np.zeros((3, 2)), np.zeros((2, 2))])
    loaded = answers.load_answers(answers_dir / "chains-single.npz")
    assert "chains" not in loaded and "could not be turned" in str(loaded["__problems__"])
    with pytest.raises(ValueError):
        xray_handin.hand_in("../escape", x=1)


KEYS = ["dic", "chains-single", "rebuilt_image", "a-b-c", "Dic", "dic\n", "../dic", "chains-", "", "x.y"]
KERNEL_HAND_IN = """
import json, os, sys
import answer_keys, xray_handin
assert os.path.dirname(answer_keys.__file__) == os.path.dirname(xray_handin.__file__)
refused = []
for key in json.loads(sys.argv[1]):
    try:
        xray_handin.hand_in(key, x=1.0)
    except ValueError:
        refused.append(key)
print(json.dumps(refused))
"""


def test_the_kernel_and_the_grader_agree_on_answer_keys(tmp_path):
    """The kernel imports answer_keys from the mounted folder, the grader from solutions_lib: same rule."""
    folder = tmp_path / "answers"
    folder.mkdir()
    env = {**os.environ, "PYTHONPATH": str(sandbox.KERNEL_SIDE_DIR), xray_handin.ANSWERS_ENV: str(folder)}
    kernel = subprocess.run([sys.executable, "-c", KERNEL_HAND_IN, json.dumps(KEYS)], env=env, cwd=tmp_path,
                            capture_output=True, text=True, check=True)
    written = [key for key in KEYS if key not in json.loads(kernel.stdout)]
    assert written == ["dic", "chains-single", "rebuilt_image"]
    taken, refused = workspace.collect_answers(folder, tmp_path / "store")
    assert taken == sorted(written) and refused == []
    assert [key for key in KEYS if answer_keys.key_of(f"{key}.npz") == key] == written
    for key in KEYS:
        source = f"### BEGIN HIDDEN TESTS\nhand_in({key!r}, x=x)\n### END HIDDEN TESTS"
        notebook = nbformat.v4.new_notebook(cells=[_graded_cell("t", source)])
        if key in written:
            (hand_in,) = handins.graded_handins(notebook)["t"]
            assert hand_in.check == key.split("-")[0]
        else:
            with pytest.raises(handins.NotebookSpecError, match="bad answer key"):
                handins.graded_handins(notebook)


def _npz(path, **members):
    with zipfile.ZipFile(path, "w") as archive:
        for name, raw in members.items():
            archive.writestr(name, raw)


def _npy_bytes(array, allow_pickle=False):
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, allow_pickle=allow_pickle)
    return buffer.getvalue()


def test_reader_refuses_objects_bombs_and_junk(tmp_path):
    _npz(tmp_path / "objects.npz", **{"x.npy": _npy_bytes(np.array([{"a": 1}], dtype=object), True)})
    with pytest.raises(answers.AnswerError, match="plain"):
        answers.load_answers(tmp_path / "objects.npz")
    header = io.BytesIO()  # a header claiming 10^10 numbers (a decompression bomb), no data
    np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False, "shape": (10**10,)})
    _npz(tmp_path / "bomb.npz", **{"x.npy": header.getvalue()})
    with pytest.raises(answers.AnswerError, match="thin"):
        answers.load_answers(tmp_path / "bomb.npz")
    for name, descr, shape, match in [("zero_size", "<f8", (0, 2**64), "thin"), ("negative", "<f8", (-5,), "thin"),
                                      ("long_text", "<U100000", (1000,), "more than 1 MB")]:
        header = io.BytesIO()  # forged headers: overflowing dimensions, a negative one, long strings
        np.lib.format.write_array_header_1_0(header, {"descr": descr, "fortran_order": False, "shape": shape})
        _npz(tmp_path / f"{name}.npz", **{"x.npy": header.getvalue()})
        with pytest.raises(answers.AnswerError, match=match):
            answers.load_answers(tmp_path / f"{name}.npz")
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(answers.AnswerError, match="could not be read"):
        answers.load_answers(tmp_path / "junk.npz")
    with pytest.raises(answers.AnswerError, match="not handed in"):
        answers.load_answers(tmp_path / "missing.npz")


def test_collect_takes_plain_files_only(tmp_path):
    run = workspace.GradingRun(tmp_path / "run")
    run.answers.mkdir(parents=True)
    np.savez(run.answers / "dic.npz", DIC1=1.0)
    secret = tmp_path / "secret.txt"
    secret.write_text("instructor only")
    os.symlink(secret, run.answers / "chains-single.npz")
    os.mkfifo(run.answers / "chains-double.npz")  # would block a naive reader forever
    (run.answers / "evil name.npz").write_bytes(b"")
    taken, refused = workspace.collect_answers(run.answers, tmp_path / "store")
    assert taken == ["dic"]
    assert len(refused) == 3
    assert sorted(p.name for p in (tmp_path / "store").iterdir()) == ["dic.npz"]


def test_prepare_run_copies_the_submission_but_not_links_notebooks_or_answers(tmp_path):
    submission, release = tmp_path / "submitted", tmp_path / "release"
    (submission / ".grading").mkdir(parents=True)
    (submission / "my_regions.reg").write_text("circle(1,2,3)")
    (submission / "xray_image.ipynb").write_text("{}")
    (submission / "data").mkdir()  # shadowed by the release's data
    (submission / "mask.reg").write_text("circle(1,2,3)")  # in nbgrader's ignore list below
    os.symlink("/etc/passwd", submission / "passwd")
    (release / "data").mkdir(parents=True)
    (release / "xray_image.ipynb").write_text("{}")
    run = workspace.prepare_run(submission, release, uid=None, ignore=["mask.reg"])
    try:
        assert sorted(p.name for p in run.workspace.iterdir()) == ["data", "my_regions.reg"]
        assert run.skipped == ["'passwd': a link (links are never followed)"]
        assert [name for _, name in run.release_files] == ["data"]
    finally:
        run.remove()
    assert not run.root.exists()


def _graded_cell(grade_id, source):
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True, "grade_id": grade_id,
                                 "points": 1, "schema_version": 3}
    return cell


def test_handins_are_read_from_the_hidden_regions():
    notebook = nbformat.v4.new_notebook(cells=[
        _graded_cell("test_a", "### BEGIN HIDDEN TESTS\nfrom xray_handin import hand_in\n"
                               "hand_in('chains-double', chains=chains2, goodpix=gp)\n### END HIDDEN TESTS\nassert 1"),
        _graded_cell("test_b", "assert True"),
    ])
    spec = handins.graded_handins(notebook)
    assert spec["test_b"] == []
    (hand_in,) = spec["test_a"]
    assert (hand_in.check, hand_in.options, hand_in.answers) == ("chains", {"model": "double"}, ("chains", "goodpix"))
    bad = nbformat.v4.new_notebook(cells=[_graded_cell("t", "### BEGIN HIDDEN TESTS\nhand_in(key)\n### END HIDDEN TESTS")])
    with pytest.raises(handins.NotebookSpecError):
        handins.graded_handins(bad)


def test_a_cell_without_a_check_or_answer_scores_nothing(tmp_path):
    judgement = Judgement(tmp_path, "cl_j0142", " (time cap)")
    assert judgement.cell([]).reason == Reason.NO_CHECK
    verdict = judgement.cell([handins.HandIn("dic", ("DIC1", "DIC2"))])
    assert not verdict.passed and "`DIC1`, `DIC2`" in verdict.message and "time cap" in verdict.message
    assert verdict.reason == Reason.MISSING_ANSWER


def test_unusable_answers_fail_with_their_reason(tmp_path):
    """Each way an answer file can be unusable has its reason, whatever the message says."""
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False, "shape": (10**10,)})
    _npz(tmp_path / "chains-single.npz", **{"chains.npy": header.getvalue()})
    (tmp_path / "posterior-single.npz").write_bytes(b"not a zip")
    np.savez(tmp_path / "exposure_mask.npz", other=np.zeros(3))
    np.savez(tmp_path / "region_mask.npz", __problems__=np.array(["`region_mask` could not be turned into an array"]))
    judgement = Judgement(tmp_path, "cl_j0142")
    reasons = {key: judgement.cell([handins.HandIn(key, (answer,))]).reason for key, answer in
               [("chains-single", "chains"), ("posterior-single", "chains"), ("exposure_mask", "exp_mask"),
                ("region_mask", "region_mask")]}
    assert reasons == {"chains-single": Reason.CAP_HIT, "posterior-single": Reason.MALFORMED,
                       "exposure_mask": Reason.MALFORMED, "region_mask": Reason.MALFORMED}


def test_the_judging_key_changes_with_every_input(tmp_path):
    from solutions_lib.grading.judgement import judging_key

    spec = {"test_dic": [handins.HandIn("dic", ("DIC1",))]}
    np.savez(tmp_path / "dic.npz", DIC1=1.0)
    key = judging_key(spec, tmp_path, "cl_j0142", "")
    assert judging_key(dict(spec), tmp_path, "cl_j0142", "") == key
    assert judging_key(spec, tmp_path, "cl_j0815", "") != key
    assert judging_key(spec, tmp_path, "cl_j0142", " (time allowance)") != key
    assert judging_key({"test_dic": [handins.HandIn("dic", ("DIC2",))]}, tmp_path, "cl_j0142", "") != key
    np.savez(tmp_path / "dic.npz", DIC1=2.0)
    changed = judging_key(spec, tmp_path, "cl_j0142", "")
    assert changed != key
    (tmp_path / "notes.txt").write_text("not an answer file")
    np.savez(tmp_path / "Bad Key.npz", DIC1=3.0)
    assert judging_key(spec, tmp_path, "cl_j0142", "") == changed  # only answer files are judged, so only they count


def test_answer_keys_are_built_and_read_back_by_one_rule():
    assert answer_keys.key_for("chains", "single") == "chains-single"
    assert answer_keys.key_for("dic") == "dic"
    for check, model in (("chains", "double"), ("dic", None), ("posterior", "single")):
        key = answer_keys.key_for(check, model)
        assert answer_keys.check_and_model(key) == (check, model)
        assert answer_keys.key_of(answer_keys.file_name(key)) == key
    for check, model in (("chains", "Single"), ("a-b", "c"), ("dic\n", None), ("", None)):
        with pytest.raises(ValueError):
            answer_keys.key_for(check, model)


def test_judge_answers_takes_verdicts_made_elsewhere_only_from_the_same_inputs(tmp_path):
    """Verdicts handed to `JudgeAnswers` (by the judging pool) count only if their key matches its own inputs."""
    from solutions_lib.grading.judgement import judge_answers
    from solutions_lib.grading.preprocessors import JudgeAnswers

    spec = {"test_dic": [handins.HandIn("dic", ("DIC1", "DIC2"))]}
    judged = judge_answers(spec, tmp_path, "cl_j0142")  # no answers: missing
    assert judged["verdicts"]["test_dic"]["reason"] == Reason.MISSING_ANSWER
    forged = {"key": judged["key"], "verdicts": {"test_dic": {**judged["verdicts"]["test_dic"], "passed": True,
                                                              "reason": "passed", "message": ""}}}
    verdicts = JudgeAnswers()._verdicts(spec, tmp_path, "cl_j0142", None, forged)
    assert verdicts("test_dic").passed  # the same inputs: the verdicts made elsewhere are taken as they are
    np.savez(tmp_path / "dic.npz", DIC1=1.0)
    verdicts = JudgeAnswers()._verdicts(spec, tmp_path, "cl_j0142", None, forged)
    assert verdicts("test_dic").reason == Reason.MALFORMED  # new answers: judged again here (`DIC2` is absent)
