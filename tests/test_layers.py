"""The layers import one way: audio -> features -> models -> analysis -> storage -> web and CLI.

Read from the source (no imports run), so a violation anywhere in the package fails here.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "emovoice"

# rank of each part of the package; a module may import its own rank or lower
LAYERS = {
    "errors": 0, "labels": 0, "thresholds": 0, "settings": 0, "samples": 0, "schemas": 0,
    "audio": 1,
    "features": 2, "datasets": 2,
    "models": 3,
    "analysis": 4,
    "presentation": 5, "training": 5,
    "storage": 6,
    "jobs": 7,
    "web": 8, "cli": 8, "__main__": 8, "__init__": 8,
}
WEB_AND_DATABASE = ("fastapi", "starlette", "sqlalchemy", "alembic", "psycopg", "huey", "peewee", "jinja2", "uvicorn")
SERVING = ("audio", "features", "models", "analysis", "presentation", "storage", "jobs", "web")


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "egg-info" not in str(p))


def _part(path: Path) -> str:
    relative = path.relative_to(PACKAGE)
    return relative.parts[0] if len(relative.parts) > 1 else relative.stem


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            if node.module == "emovoice":
                names.update(f"emovoice.{alias.name}" for alias in node.names)
    return names


def test_every_part_of_the_package_has_a_layer():
    assert {_part(p) for p in _modules()} <= set(LAYERS)


def violations(part: str, names: Iterable[str]) -> list[str]:
    """What breaks the layer rules when ``part`` of the package imports ``names``."""
    found = []
    for name in sorted(names):
        top = name.split(".")[0]
        if top == "emovoice" and "." in name:
            target = name.split(".")[1]
            if target in LAYERS and part != "__init__" and LAYERS[target] > LAYERS[part]:
                found.append(f"{part} imports {name} from a layer above it")
        if part in ("audio", "features", "models", "analysis", "presentation") and top in WEB_AND_DATABASE:
            found.append(f"{part} imports {name}: analysis knows no web or database")
        if part in SERVING and top == "torch":
            found.append(f"{part} imports torch: serving runs ONNX models only")
    return found


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_go_one_way(path):
    assert violations(_part(path), _imports(path)) == []


def test_the_check_finds_a_violation(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from emovoice.web.app import create_app\nimport sqlalchemy\n")
    assert {"emovoice.web.app", "sqlalchemy"} <= _imports(bad)
    assert violations("features", _imports(bad)) == [
        "features imports emovoice.web.app from a layer above it",
        "features imports sqlalchemy: analysis knows no web or database"]
    assert violations("web", _imports(bad)) == []
    torch_user = tmp_path / "torch_user.py"
    torch_user.write_text("def f():\n    import torch\n")  # an import inside a function counts
    assert violations("models", _imports(torch_user)) == ["models imports torch: serving runs ONNX models only"]
    assert violations("training", _imports(torch_user)) == []


def _module_name(path: Path, package: Path) -> str:
    parts = path.relative_to(package.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(package: Path) -> dict[str, set[str]]:
    """Module to the modules of ``package`` it imports, read from the source: every import
    statement, at the top or inside a function. ``from a.b import c`` is the module ``a.b.c``
    when that is a module, else ``a.b``; ``import a.b.c`` the longest of its prefixes that is one."""
    paths = {_module_name(p, package): p for p in sorted(package.rglob("*.py")) if "egg-info" not in str(p)}
    graph: dict[str, set[str]] = {}
    for module, path in paths.items():
        here = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    parts = alias.name.split(".")
                    while parts and ".".join(parts) not in paths:
                        parts.pop()
                    if parts:
                        targets.add(".".join(parts))
            elif isinstance(node, ast.ImportFrom):
                base = ".".join((here[:len(here) - node.level + 1] if node.level else [])
                                + ([node.module] if node.module else []))
                for alias in node.names:
                    if f"{base}.{alias.name}" in paths:
                        targets.add(f"{base}.{alias.name}")
                    elif base in paths:
                        targets.add(base)
        graph[module] = targets - {module}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as a path that ends where it starts, or None."""
    done: set[str] = set()
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        if node in path:
            return [*path[path.index(node):], node]
        if node in done:
            return None
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if (cycle := visit(target)) is not None:
                return cycle
        path.pop()
        done.add(node)
        return None

    for node in sorted(graph):
        if (cycle := visit(node)) is not None:
            return cycle
    return None


def test_no_module_of_the_package_imports_itself_through_others():
    cycle = find_cycle(import_graph(PACKAGE))
    assert cycle is None, "import cycle: " + " -> ".join(cycle or ())


def test_the_cycle_check_finds_a_cycle(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from pkg import b\n")
    (package / "b.py").write_text("def later():\n    from pkg.a import thing\n")  # hidden in a function
    (package / "c.py").write_text("import pkg.a\nfrom . import b\n")
    graph = import_graph(package)
    assert graph == {"pkg": set(), "pkg.a": {"pkg.b"}, "pkg.b": {"pkg.a"}, "pkg.c": {"pkg.a", "pkg.b"}}
    assert find_cycle(graph) == ["pkg.a", "pkg.b", "pkg.a"]
    (package / "b.py").write_text("import os\n")
    assert find_cycle(import_graph(package)) is None
