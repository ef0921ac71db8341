"""Lower layers of `solutions_lib` never import higher ones: data < engine < grading < course."""
import ast
from pathlib import Path

import solutions_lib

LAYERS = ("data", "engine", "grading", "course")
PACKAGE = Path(solutions_lib.__file__).parent


def layer_of(module: str) -> int | None:
    """Rank of a dotted module name, or None outside the layers (top-level modules, other packages)."""
    parts = module.split(".")
    if parts[0] != "solutions_lib" or len(parts) < 2 or parts[1] not in LAYERS:
        return None
    return LAYERS.index(parts[1])


def imported_modules(path: Path) -> set[str]:
    """Absolute names of every module imported anywhere in ``path`` (lazy imports included)."""
    relative = path.relative_to(PACKAGE.parent).with_suffix("")
    package = list(relative.parts if relative.name == "__init__" else relative.parts[:-1])
    package = [p for p in package if p != "__init__"]
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def test_no_layer_imports_a_higher_one():
    breaches = []
    for path in sorted(PACKAGE.rglob("*.py")):
        own = layer_of(".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts))
        if own is None:
            continue
        for module in imported_modules(path):
            target = layer_of(module)
            if target is not None and target > own:
                breaches.append(f"{path.relative_to(PACKAGE.parent)} ({LAYERS[own]}) imports {module}")
    assert not breaches, "\n".join(breaches)


def test_every_module_is_in_a_layer():
    loose = sorted(p.name for p in PACKAGE.glob("*.py") if p.name not in ("__init__.py", "__main__.py"))
    assert not loose, f"modules outside data/, engine/, grading/, course/: {loose}"
