"""Apps depend one way: demo → allocations → partners → organizations → config; none imports an app above it."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ["config", "organizations", "partners", "allocations", "demo"]  # bottom to top


def imported_apps(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return {name.split(".")[0] for name in names} & set(LAYERS)


@pytest.mark.parametrize("app", LAYERS)
def test_no_module_imports_an_app_above_its_own(app):
    above = set(LAYERS[LAYERS.index(app) + 1 :])
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_apps(path) & above)
        for path in sorted((ROOT / app).rglob("*.py"))
        if imported_apps(path) & above
    }
    assert offenders == {}


def test_seed_demo_belongs_to_the_demo_app():
    from django.core.management import get_commands

    assert get_commands()["seed_demo"] == "demo"
