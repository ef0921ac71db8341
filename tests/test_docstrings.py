"""Docstrings follow numpydoc (issue 25), as astropy's and regions' do.

Every public function and method of the package, and of the sky viewer
that ships to students (`DOCUMENTED` matches all their modules; students
read its docstrings with ``help``), must document every argument in a
numpydoc ``Parameters`` section. A public class's constructor arguments may
be documented in the class docstring (numpydoc's place for them) or in
``__init__``'s. The check on Google-style headers covers both as a whole.
"""
import ast
import re
from pathlib import Path

import pytest

import solutions_lib

PACKAGE = Path(solutions_lib.__file__).parent
REPO = PACKAGE.parent  # the checkout the package is imported from
SKYVIEWER = REPO / "source" / "xray_image" / "skyviewer"  # the release copy is generated from it

# Every module of the package and of the sky viewer; a new module is held to the rule from its first commit.
DOCUMENTED = {  # root folder: glob patterns of paths relative to it
    PACKAGE: ("**/*.py",),
    SKYVIEWER: ("**/*.py",),
}

GOOGLE_HEADER = re.compile(r"^\s*(Args|Arguments|Keyword Args|Keyword Arguments|Returns|Yields|Raises):\s*$",
                           re.MULTILINE)


def documented_files() -> list[Path]:
    files = []
    for root, patterns in DOCUMENTED.items():
        for pattern in patterns:
            matched = sorted(root.glob(pattern))
            assert matched, f"{pattern} in DOCUMENTED matches no file under {root}"
            files.extend(matched)
    return files


def section_names(docstring: str, title: str = "Parameters") -> set[str] | None:
    """Names listed in a numpydoc section of ``docstring``; None when it has no such section.

    A section is a title line underlined with dashes; its entries are the
    unindented lines (``name : type``, or ``x, y : type`` for several) up to
    the next underlined title.
    """
    lines = docstring.splitlines()
    underlined = [i for i in range(len(lines) - 1)
                  if lines[i].strip() and set(lines[i + 1].strip()) == {"-"}]
    start = next((i for i in underlined if lines[i].strip() == title), None)
    if start is None:
        return None
    end = next((i for i in underlined if i > start), len(lines))
    names = set()
    for line in lines[start + 2:end]:
        if line.strip() and not line[0].isspace():
            names.update(part.strip() for part in line.split(" :")[0].split(","))
    return names


def arguments(function: ast.FunctionDef | ast.AsyncFunctionDef, in_class: bool) -> list[str]:
    """The arguments a caller passes, ``*args`` and ``**kwargs`` with their stars."""
    spec = function.args
    names = [a.arg for a in spec.posonlyargs + spec.args + spec.kwonlyargs]
    if in_class:
        names = [n for n in names if n not in ("self", "cls")]
    if spec.vararg:
        names.append("*" + spec.vararg.arg)
    if spec.kwarg:
        names.append("**" + spec.kwarg.arg)
    return names


def public_functions(tree: ast.Module):
    """(qualified name, function, class docstring or None) of every public function and method."""
    def visit(body, prefix, class_doc):
        for node in body:
            if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                yield from visit(node.body, f"{prefix}{node.name}.", ast.get_docstring(node) or "")
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if not node.name.startswith("_") or node.name == "__init__" and class_doc is not None:
                    yield prefix + node.name, node, class_doc
    yield from visit(tree.body, "", None)


def undocumented(path: Path, root: Path = REPO) -> list[str]:
    """One line per public function of ``path`` whose Parameters section misses or invents an argument.

    Lines start with the path relative to ``root`` and the line number.
    """
    problems = []
    where = path.relative_to(root)
    for name, function, class_doc in public_functions(ast.parse(path.read_text())):
        wanted = arguments(function, in_class=class_doc is not None)
        if not wanted:
            continue
        listed = section_names(ast.get_docstring(function) or "")
        if listed is None and name.endswith(".__init__"):
            listed = section_names(class_doc)
        if listed is None:
            problems.append(f"{where}:{function.lineno} {name}: no numpydoc Parameters section")
            continue
        plain = {n.lstrip("*") for n in listed}
        missing = [a for a in wanted if a.lstrip("*") not in plain]
        extra = sorted(n for n in listed if n.lstrip("*") not in {a.lstrip("*") for a in wanted})
        if missing:
            problems.append(f"{where}:{function.lineno} {name}: Parameters lacks {', '.join(missing)}")
        if extra:
            problems.append(f"{where}:{function.lineno} {name}: Parameters lists {', '.join(extra)}, "
                            "which it does not take")
    return problems


def test_public_functions_document_every_argument():
    problems = [line for path in documented_files() for line in undocumented(path)]
    assert not problems, "\n".join(problems)


def test_no_google_style_docstrings():
    found = []
    for path in sorted(p for root in DOCUMENTED for p in root.rglob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                doc = ast.get_docstring(node, clean=False) or ""
                for match in GOOGLE_HEADER.finditer(doc):
                    what = getattr(node, "name", "module docstring")
                    found.append(f"{path.relative_to(REPO)}: {what}: {match.group(0).strip()}")
    assert not found, "Google-style section headers; use numpydoc sections:\n" + "\n".join(found)


@pytest.mark.parametrize("doc, expected", [
    ("Sum.\n\nParameters\n----------\nx, y : float\n    Terms.\n*args\n    More.\n\n"
     "Returns\n-------\nfloat\n", {"x", "y", "*args"}),
    ("Sum.\n\nx : float\n    Not under a Parameters header.\n", None),
])
def test_section_names_reads_numpydoc(doc, expected):
    assert section_names(doc) == expected


def test_a_missing_entry_is_reported(tmp_path):
    module = tmp_path / "example.py"
    module.write_text(
        'def f(a, b, *rest, key=None):\n'
        '    """F.\n\n    Parameters\n    ----------\n    a : int\n    *rest\n    key : str\n    """\n'
        'class C:\n'
        '    """C.\n\n    Parameters\n    ----------\n    x : int\n    """\n'
        '    def __init__(self, x):\n        pass\n'
        '    def method(self, y):\n        """M."""\n'
    )
    problems = undocumented(module, root=tmp_path)
    assert [p.split(" ", 1)[1] for p in problems] == [
        "f: Parameters lacks b",
        "C.method: no numpydoc Parameters section",
    ]
