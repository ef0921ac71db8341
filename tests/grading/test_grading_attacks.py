"""Dishonest submissions against the sandboxed autograder, graded in a temporary release.

Each attack in `ATTACKS` is the blank student release plus one way of
cheating that earned marks before (the sandbox's holes, and issue 19's
verdict echoes). None of them does real work, so each must score 0. Each
of `CHAIN_ATTACKS` (issue 19's table) answers the first four tests honestly
and hands in chains made without sampling the posterior (`chain_attacks`),
so it must score 0 on every cell its chains decide. An honest but lazy
"victim" (the first four answers, no MCMC) is graded before and after all
of them and must get exactly its honest score both times, with the course
files, the environments and everyone else's gradebook entries unchanged.
"""
from __future__ import annotations

import hashlib
import json
import re
import subprocess
from pathlib import Path

import nbformat
import numpy as np
import pytest
from nbgrader.api import Gradebook

from solutions_lib.course import release
from solutions_lib.data import catalogue
from solutions_lib.grading import records, reference

import chain_attacks
from class_submissions import first_answers
from notebook_edits import grade_id, insert_after, set_answer

pytestmark = pytest.mark.slow  # each attack is autograded in the sandbox

RELEASE_NB = release.REPO_ROOT / "release" / release.ASSIGNMENT / f"{release.NOTEBOOK}.ipynb"
REFERENCE_JSON = reference.REFERENCE_FILE
IMPORTS = lambda cell: grade_id(cell) == "imports"  # noqa: E731
TIME_CAP_S = 60
VICTIM_POINTS = 10.0  # region mask 3 + exposure mask 2 + rebuilt image 2 + betaModel 3
DETACHED_MARKER = "xray-detached-marker-7f3a"

# Paths of the instructor's material, as a student who knows the layout would try them.
INSTRUCTOR_FILES = [
    str(REFERENCE_JSON),
    str(catalogue.hidden_dir("cl_j0142") / "truth.json"),
    str(catalogue.hidden_dir("cl_j0142") / "mask.reg"),
    str(release.REPO_ROOT / "source" / release.ASSIGNMENT / f"{release.NOTEBOOK}.ipynb"),
    str(release.REPO_ROOT / "solutions_lib" / "grading" / "checks" / "chains.py"),
]


def victim_notebook():
    """Honest answers to the first four tests; everything after is left blank."""
    return first_answers(nbformat.read(RELEASE_NB, as_version=4), catalogue.DEFAULT_DATASET)


def forged_answers_code(folder_expression: str) -> str:
    """Code that writes made-up answers: independent Gaussian chains at the reference medians."""
    ref = json.loads(REFERENCE_JSON.read_text())["datasets"][catalogue.DEFAULT_DATASET]
    single = [ref["single"]["median"][k] for k in ("x0", "y0", "S0", "rc", "beta", "B")]
    sd = [ref["single"]["sd"][k] for k in ("x0", "y0", "S0", "rc", "beta", "B")]
    return (
        "import numpy as _np, os as _os\n"
        f"_mu, _sd = _np.array({single}), _np.array({sd})\n"
        "_fake = _mu + _sd * _np.random.default_rng(1).standard_normal((8, 3000, 6))\n"
        f"_folder = {folder_expression}\n"
        "def _forge():\n"
        "    for _key in ('chains-single', 'posterior-single'):\n"
        "        _np.savez(_os.path.join(_folder, _key + '.npz'), chains=_fake)\n"
        f"    _np.savez(_os.path.join(_folder, 'dic.npz'), DIC1=_np.array({ref['single']['dic']}), "
        f"DIC2=_np.array({ref['double']['dic']}))\n"
    )


ATTACKS = {
    # The hidden package is not importable in the sandbox.
    "imports_hidden_package": (IMPORTS,
        "import solutions_lib.engine.fitting, solutions_lib.data.catalogue\n"
        "region_string = solutions_lib.data.catalogue.reference_region_string(dataset_name)"),
    # The answer key is not on the sandbox's filesystem, neither by known path nor by search.
    "reads_answer_key": (IMPORTS,
        f"import glob, os\nfound = [p for p in {INSTRUCTOR_FILES!r} if os.path.exists(p)]\n"
        "for top in ('/home', '/tmp', '/grader', '/root', '/work', '/srv', '/opt', '/mnt'):\n"
        "    for pattern in ('reference.json', 'truth.json', 'mask.reg', 'gradebook.db', 'checks.py'):\n"
        "        found += glob.glob(top + '/**/' + pattern, recursive=True)\n"
        "print('instructor files visible:', found)\n"
        "region_string = open(found[0]).read() if found else ''"),
    # An AST transformer that wraps every cell in try/except, so no test cell ever fails.
    "swallows_errors": (IMPORTS,
        "import ast\n"
        "class _Quiet(ast.NodeTransformer):\n"
        "    def visit_Module(self, node):\n"
        "        handler = ast.ExceptHandler(type=ast.Name('BaseException', ast.Load()), name=None, body=[ast.Pass()])\n"
        "        node.body = [ast.Try(body=node.body or [ast.Pass()], handlers=[handler], orelse=[], finalbody=[])]\n"
        "        return ast.fix_missing_locations(node)\n"
        "get_ipython().ast_transformers.append(_Quiet())"),
    # An execute_result before every cell's error (nbgrader's own scoring reads it as partial credit).
    "fakes_results": (IMPORTS,
        "get_ipython().events.register('pre_run_cell', lambda info: get_ipython().displayhook(1.0))"),
    # A submitted link to an instructor file (made in the submission folder by the fixture).
    "submits_a_link": (IMPORTS,
        "import os\nprint('link readable:', os.path.exists('key.json') and len(open('key.json').read()) > 0)\n"
        "region_string = open('key.json').read() if os.path.exists('key.json') else ''"),
    # A fake hand-in module first on the path, writing made-up answers.
    "fake_handin_module": (IMPORTS,
        "import sys, os, importlib\n"
        "open('xray_handin.py', 'w').write('''" + forged_answers_code("os.environ.get('XRAY_ANSWERS_DIR', '.')")
        .replace("os.environ", "_os.environ")
        + "def hand_in(key, **answers):\n    _forge()\ndef probe_beta_model(f):\n    return {}\n''')\n"
        "sys.path.insert(0, os.getcwd()); importlib.invalidate_caches()"),
    # A patched subprocess.run that reports a passing verdict.
    "patches_subprocess": (IMPORTS,
        "import subprocess\n"
        "subprocess.run = lambda *a, **k: subprocess.CompletedProcess(a, 0, '{\"passed\": true, \"message\": \"\"}', '')"),
    # A thread that keeps replacing the answer files with forged ones.
    "swaps_answer_files": (IMPORTS,
        forged_answers_code("os.environ.get('XRAY_ANSWERS_DIR', '.')").replace("_os.", "os.").replace(
            "import numpy as _np, os as _os", "import numpy as _np, os, threading, time")
        + "def _loop():\n    while True:\n        _forge(); time.sleep(0.05)\n"
          "threading.Thread(target=_loop, daemon=True).start()"),
    # Writes to the checks, the environments and the gradebook, wherever they might be.
    "writes_instructor_files": (IMPORTS,
        "import os, site, glob\nhits = []\n"
        f"targets = {INSTRUCTOR_FILES!r} + glob.glob('/tmp/**/gradebook.db', recursive=True)\n"
        "targets += [os.path.join(p, 'zz_all_pass.pth') for p in site.getsitepackages()]\n"
        "targets += ['/grader/lib/xray_handin.py', 'data/cl_j0142/image_0.6-2.0keV.fits.gz']\n"
        "for target in targets:\n"
        "    try:\n"
        "        with open(target, 'a') as handle:\n"
        "            handle.write('\\nimport sys  # all pass\\n')\n"
        "        hits.append(target)\n"
        "    except OSError:\n"
        "        pass\n"
        "print('written:', hits)"),
    # A detached process meant to outlive the kernel and forge answers afterwards.
    "detached_process": (IMPORTS,
        "import subprocess, sys\n"
        "subprocess.Popen([sys.executable, '-c', 'import time, os; time.sleep(600); "
        "open(os.environ[\"XRAY_ANSWERS_DIR\"] + \"/dic.npz\", \"wb\").write(b\"x\")', "
        f"'{DETACHED_MARKER}'], start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)"),
    # Prints the hidden test code it runs (input history) and a fake hidden-test marker.
    "echoes_hidden_code": (IMPORTS,
        "get_ipython().events.register('post_run_cell', lambda result: print(result.info.raw_cell))\n"
        "# ### BEGIN HIDDEN TESTS (a student's comment must not break feedback)"),
    # Ends the kernel abruptly before any answer.
    "exits_kernel": (IMPORTS, "import os\nos._exit(0)"),
    # An endless loop that ignores interrupts.
    "endless_loop": (IMPORTS,
        "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass"),
    # Tries to take more memory and processes than the caps allow.
    "hogs_resources": (IMPORTS,
        "import subprocess\ntry:\n    hog = np.ones(40 * 2**30 // 8)\nexcept MemoryError as error:\n"
        "    print('memory refused')\n    raise\n"),
    "forks_processes": (IMPORTS,
        "import subprocess\nchildren = [subprocess.Popen(['sleep', '60']) for _ in range(2000)]"),
}
# Issue 19's verdict echoes: each makes a failure message quote a line of the hidden tests, which a
# preprocessor that cleans outputs after the verdict used to turn into a pass.
HIDDEN_LINE = "from xray_handin import hand_in"
ATTACKS.update({
    "echo_class_name": (IMPORTS,
        f"_Echo = type({HIDDEN_LINE!r}, (), {{}})\n"
        "region_string = exp_mask = new_im = chains = chains2 = DIC1 = DIC2 = _Echo()\n"
        "def betaModel(r, S0, rc, beta):\n    return _Echo()"),
    "echo_raised_error": (IMPORTS,
        f"_Hidden = type({HIDDEN_LINE!r}, (Exception,), {{}})\n"
        f"def betaModel(r, S0, rc, beta):\n    raise _Hidden({HIDDEN_LINE!r})"),
    "echo_member_name": (IMPORTS,
        "import glob, os, zipfile\n"
        "def _poison(result):\n"
        "    for path in glob.glob(os.path.join(os.environ.get('XRAY_ANSWERS_DIR', '.'), '*.npz')):\n"
        "        with zipfile.ZipFile(path, 'a') as archive:\n"
        f"            if {HIDDEN_LINE + '.npy'!r} not in archive.namelist():\n"
        f"                archive.writestr({HIDDEN_LINE + '.npy'!r}, b'not an array')\n"
        "get_ipython().events.register('post_run_cell', _poison)"),
})
ECHO_ATTACKS = ["echo_class_name", "echo_raised_error", "echo_member_name"]

# Issue 20: student HTML, scripts and script links, in outputs and in a markdown cell of their own.
INJECTED = 'document.title="XSS-OWNED"'
ATTACKS["injects_html"] = (IMPORTS,
    "from IPython.display import HTML, Javascript, Markdown, SVG, display\n"
    f"display(HTML('<b>bold</b><script>{INJECTED}</script><img src=x onerror=\\'{INJECTED}\\'>'))\n"
    f"display(Javascript({INJECTED!r}))\n"
    f"display(Markdown('[click](javascript:{INJECTED})'))\n"
    f"display(SVG('<svg xmlns=\"http://www.w3.org/2000/svg\"><script>{INJECTED}</script></svg>'))")
INJECTED_MARKDOWN = {"injects_html": [f"My notes <script>{INJECTED}</script> <iframe src='javascript:{INJECTED}'>"
                                      f"</iframe> [link](javascript:{INJECTED})",
                                      "Plain maths: $a < b$ & $c > d$\n\n> a quote"]}

# Issue 19's table: (assigned data set, maker of (chains, chains2)).
CHAIN_CELLS = ["test_chains_format", "test_posterior_single", "test_chains2_format", "test_posterior_double",
               "test_dic"]
SINGLE_CELLS = CHAIN_CELLS[:2]
CHAIN_ATTACKS = {
    "tuned_noise": ("cl_j0309", lambda name: (chain_attacks.noise_chains(name, "single"),
                                              chain_attacks.noise_chains(name, "double"))),
    "dic_by_construction": ("cl_j0815", lambda name: chain_attacks.dic_by_construction(
        name, 0.5 * (reference.reference_for(name, "single")["dic"] - reference.reference_for(name, "double")["dic"]))),
    "map_plus_noise": ("cl_j0142", lambda name: tuple(
        chain_attacks.map_plus_background_noise(name, model, jitter=1e-3) for model in ("single", "double"))),
    "laplace_draws": ("cl_j0142", lambda name: tuple(
        chain_attacks.laplace_draws(name, model) for model in ("single", "double"))),
}
ASSIGNED = {"copies_classmate": "cl_j0815", **{student: name for student, (name, _) in CHAIN_ATTACKS.items()}}


def chain_attack_submission(student: str, folder: Path):
    """(notebook, files): honest first four answers, then chains and their DICs loaded from the files."""
    name, make = CHAIN_ATTACKS[student]
    chains, chains2 = make(name)
    pixels = chain_attacks.student_pixels(name)
    files = [folder / f"{student}_chains1.npy", folder / f"{student}_chains2.npy", folder / f"{student}_dics.npy"]
    for path, array in zip(files, (chains, chains2, [chain_attacks.dic_of(chains, pixels),
                                                     chain_attacks.dic_of(chains2, pixels)])):
        np.save(path, np.asarray(array))
    notebook = first_answers(nbformat.read(RELEASE_NB, as_version=4), name)
    notebook = set_answer(notebook, "fit_single", f"chains = np.load('{files[0].name}')")
    notebook = set_answer(notebook, "fit_double", f"chains2 = np.load('{files[1].name}')")
    notebook = set_answer(notebook, "dic", f"DIC1, DIC2 = (float(v) for v in np.load('{files[2].name}'))")
    return notebook, files


def tree_digest(*paths) -> str:
    """A digest of every file (name and content) under ``paths``."""
    digest = hashlib.sha256()
    for root in paths:
        for path in sorted(Path(root).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def site_packages_digest() -> str:
    """Names and sizes in both Python environments' site-packages (content of every file is too slow)."""
    digest = hashlib.sha256()
    for env in (release.REPO_ROOT / ".venv", release.REPO_ROOT / ".venv-student"):
        for path in sorted(env.glob("lib/python*/site-packages/*")):
            digest.update(f"{path.name}:{path.stat().st_size}".encode())
    return digest.hexdigest()


def gradebook_rows(root, student) -> list:
    with Gradebook(records.gradebook_url(root)) as gradebook:
        submission = gradebook.find_submission_notebook(release.NOTEBOOK, release.ASSIGNMENT, student)
        return sorted((g.name, g.auto_score, g.manual_score) for g in submission.grades)


def locked_sources(root) -> list:
    with Gradebook(records.gradebook_url(root)) as gradebook:
        notebook = gradebook.find_notebook(release.NOTEBOOK, release.ASSIGNMENT)
        return sorted((cell.name, cell.source) for cell in notebook.source_cells)


def auto_points(root, student) -> dict:
    return {row["grade_id"]: row["score"] for row in release.scores(root, student) if not row["manual"]}


@pytest.fixture(scope="module")
def attacked_course(tmp_path_factory):
    """Victim graded first, then every attack, then the victim again."""
    work = tmp_path_factory.mktemp("attacks")
    root = release.copy_course(work / "course")
    release.generate_release(root)
    (root / "assignments.csv").write_text(
        "student_id,dataset\nvictim,cl_j0142\n" + "".join(f"{s},{d}\n" for s, d in sorted(ASSIGNED.items())))
    victim = work / "victim.ipynb"
    nbformat.write(victim_notebook(), victim)
    release.submit(root, "victim", victim)
    release.autograde(root, "victim")
    before = {
        "victim": gradebook_rows(root, "victim"),
        "locked": locked_sources(root),
        "course": tree_digest(root / "source", root / "release", root / "nbgrader_config.py"),
        "instructor": tree_digest(release.REPO_ROOT / "solutions_lib", release.REPO_ROOT / "source"),
        "envs": site_packages_digest(),
    }
    for student, (where, code) in ATTACKS.items():
        path = work / f"{student}.ipynb"
        notebook = insert_after(nbformat.read(RELEASE_NB, as_version=4), where, code)
        if student in INJECTED_MARKDOWN:
            notebook.cells[1:1] = [nbformat.v4.new_markdown_cell(text) for text in INJECTED_MARKDOWN[student]]
        nbformat.write(notebook, path)
        release.submit(root, student, path)
    for student in CHAIN_ATTACKS:
        notebook, files = chain_attack_submission(student, work)
        nbformat.write(notebook, work / f"{student}.ipynb")
        release.submit(root, student, work / f"{student}.ipynb", extra_files=files)
    link = root / "submitted" / "submits_a_link" / release.ASSIGNMENT / "key.json"
    link.symlink_to(catalogue.hidden_dir("cl_j0142") / "mask.reg")
    release.submit(root, "copies_classmate", victim)
    release.autograde(root, None, f"--SandboxedExecute.notebook_timeout={TIME_CAP_S}")
    after_attacks = gradebook_rows(root, "victim")
    release.autograde(root, "victim")
    return root, before, after_attacks


@pytest.mark.parametrize("student", sorted(ATTACKS))
def test_attack_earns_nothing(attacked_course, student):
    root, _, _ = attacked_course
    points = auto_points(root, student)
    assert points, f"{student} was not graded"
    assert sum(points.values()) == 0, f"{student} earned {points}"


@pytest.mark.parametrize("student", sorted(CHAIN_ATTACKS))
def test_chains_not_drawn_from_the_posterior_earn_nothing(attacked_course, student):
    """Issue 19's table: 0 on every cell the chains decide; Laplace draws pass only flagged for the hand grader."""
    root = attacked_course[0]
    points = auto_points(root, student)
    assert sum(points[cell] for cell in points if cell not in CHAIN_CELLS) == VICTIM_POINTS, "honest part"
    verdicts = records.read_verdicts(root / "answers" / student / release.ASSIGNMENT)["cells"]
    for cell in CHAIN_CELLS:
        if student == "laplace_draws" and cell in SINGLE_CELLS and verdicts[cell]["passed"]:
            assert "independent" in verdicts[cell]["flag"], f"{cell}: Laplace draws passed without a flag"
            continue
        assert points[cell] == 0 and not verdicts[cell]["passed"], f"{student} earned {points[cell]} on {cell}"


@pytest.mark.parametrize("student", ECHO_ATTACKS)
def test_verdicts_never_quote_a_submission(attacked_course, student):
    root = attacked_course[0]
    verdicts = records.read_verdicts(root / "answers" / student / release.ASSIGNMENT)["cells"]
    assert verdicts and not any(v["passed"] for v in verdicts.values())
    assert not any(HIDDEN_LINE in v["message"] for v in verdicts.values()), verdicts


def test_victim_gets_exactly_its_honest_score_before_and_after(attacked_course):
    root, before, after_attacks = attacked_course
    assert sum(auto_points(root, "victim").values()) == VICTIM_POINTS
    assert after_attacks == before["victim"], "an attack changed the victim's gradebook entries"
    assert gradebook_rows(root, "victim") == before["victim"], "regrading the victim changed its grades"


def test_nothing_of_the_course_or_environments_changed(attacked_course):
    root, before, _ = attacked_course
    assert locked_sources(root) == before["locked"], "locked cell sources in the gradebook changed"
    assert tree_digest(root / "source", root / "release", root / "nbgrader_config.py") == before["course"]
    assert tree_digest(release.REPO_ROOT / "solutions_lib", release.REPO_ROOT / "source") == before["instructor"]
    assert site_packages_digest() == before["envs"]


def test_no_instructor_file_was_visible_or_writable(attacked_course):
    root = attacked_course[0]
    graded = nbformat.read(root / "autograded" / "reads_answer_key" / release.ASSIGNMENT / "xray_image.ipynb", 4)
    text = json.dumps([cell.get("outputs", []) for cell in graded.cells])
    assert "instructor files visible: []" in text
    graded = nbformat.read(root / "autograded" / "writes_instructor_files" / release.ASSIGNMENT / "xray_image.ipynb", 4)
    assert "written: []" in json.dumps([cell.get("outputs", []) for cell in graded.cells])
    graded = nbformat.read(root / "autograded" / "submits_a_link" / release.ASSIGNMENT / "xray_image.ipynb", 4)
    assert "link readable: False" in json.dumps([cell.get("outputs", []) for cell in graded.cells])


def test_detached_process_died_with_the_kernel(attacked_course):
    found = subprocess.run(["pgrep", "-f", DETACHED_MARKER], capture_output=True, text=True)
    assert found.stdout.strip() == "", f"a submission's process outlived grading: {found.stdout}"


def test_caps_and_kernel_deaths_are_recorded_and_explained(attacked_course):
    root = attacked_course[0]

    def record(student):
        return records.RunRecord.read(root / "answers" / student / release.ASSIGNMENT)

    assert record("endless_loop").stop.reason == "time" and "time" in record("endless_loop").caps_hit
    assert record("exits_kernel").stop.reason == "kernel_died"
    assert "memory" in record("hogs_resources").caps_hit
    assert "processes" in record("forks_processes").caps_hit
    assert record("endless_loop").wall_s < TIME_CAP_S + 30
    graded = nbformat.read(root / "autograded" / "endless_loop" / release.ASSIGNMENT / "xray_image.ipynb", 4)
    assert "time allowance" in json.dumps([cell.get("outputs", []) for cell in graded.cells])


def test_copied_notebook_is_judged_on_the_assigned_data_set(attacked_course):
    root = attacked_course[0]
    points = auto_points(root, "copies_classmate")
    assert points["test_region_mask"] == 0 and points["test_exp_mask"] == 0
    verdicts = records.read_verdicts(root / "answers" / "copies_classmate" / release.ASSIGNMENT)
    assert verdicts["dataset"] == {"assigned": "cl_j0815", "notebook": "cl_j0142", "fallback": False}
    graded = nbformat.read(root / "autograded" / "copies_classmate" / release.ASSIGNMENT / "xray_image.ipynb", 4)
    assert "You were assigned cl_j0815" in json.dumps([cell.get("outputs", []) for cell in graded.cells])


@pytest.mark.parametrize("student", ["echoes_hidden_code", "reads_answer_key", "victim", *ECHO_ATTACKS])
def test_feedback_is_one_page_without_grader_material(attacked_course, student):
    root = attacked_course[0]
    folder = release.generate_feedback(root, student)
    assert sorted(p.name for p in folder.iterdir()) == [f"{release.NOTEBOOK}.html"]
    html = (folder / f"{release.NOTEBOOK}.html").read_text()
    submitted = nbformat.read(root / "submitted" / student / release.ASSIGNMENT / f"{release.NOTEBOOK}.ipynb", 4)
    for secret in ("hand_in(", "xray_handin"):  # the hidden test code; an echo attack's own cells may quote it
        written = sum(cell.source.count(secret) for cell in submitted.cells)
        assert html.count(secret) == written, f"{secret!r} in {student}'s feedback beyond their own code"
    reference = json.loads(REFERENCE_JSON.read_text())["datasets"][catalogue.DEFAULT_DATASET]
    assert f"{reference['single']['dic']}" not in html


def test_no_student_script_reaches_the_formgrader_or_the_feedback(attacked_course):
    """Formgrader renders the autograded notebook in the instructor's session; feedback goes to students."""
    from nbconvert import HTMLExporter

    root = attacked_course[0]
    graded = nbformat.read(root / "autograded" / "injects_html" / release.ASSIGNMENT / f"{release.NOTEBOOK}.ipynb", 4)
    formgrader_page, _ = HTMLExporter().from_notebook_node(graded)
    feedback = release.generate_feedback(root, "injects_html") / f"{release.NOTEBOOK}.html"
    for page in (formgrader_page, feedback.read_text()):
        assert "XSS-OWNED" in page  # the student's text is shown, as text
        for live in (r"<script>\s*document\.title", r"<[a-zA-Z][^>]*\bonerror\s*=", r'href\s*=\s*"javascript:',
                     r"<iframe", r"<svg"):  # live tags only: the student's code cell shows them escaped
            assert not re.search(live, page), live
    assert INJECTED_MARKDOWN["injects_html"][1] in [cell.source for cell in graded.cells]  # plain markdown untouched
