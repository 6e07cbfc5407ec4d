"""The layers import one way: audio -> features -> models -> analysis -> storage -> web and CLI.

Read from the source (no imports run), so a violation anywhere in the package fails here.
"""

from __future__ import annotations

import ast
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


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_go_one_way(path):
    part = _part(path)
    for name in _imports(path):
        top = name.split(".")[0]
        if top == "emovoice" and "." in name:
            target = name.split(".")[1]
            if target in LAYERS and part != "__init__":
                assert LAYERS[target] <= LAYERS[part], f"{part} imports {name} from a layer above it"
        if part in ("audio", "features", "models", "analysis", "presentation"):
            assert top not in WEB_AND_DATABASE, f"{part} imports {name}: analysis knows no web or database"
        if part in SERVING:
            assert top != "torch", f"{part} imports torch: serving runs ONNX models only"


def test_the_check_finds_a_violation(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from emovoice.web.app import create_app\nimport sqlalchemy\n")
    assert {"emovoice.web.app", "sqlalchemy"} <= _imports(bad)
