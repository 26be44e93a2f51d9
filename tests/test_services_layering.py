"""The service layer sits where it should: it never imports Flask or the web app, and nothing
below it (domain, scenario I/O, store, optimiser) imports it; the consoles' views hold no
function-local imports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BELOW_SERVICES = [p for folder in ("optimiser", "planner") for p in (ROOT / folder).rglob("*.py")
                  if "services" not in p.parts and not p.name.startswith("cli") and "migrations" not in p.parts]
THIN_VIEWS = sorted((ROOT / "web" / "hr").glob("*.py")) + [ROOT / "web" / "crisis.py", ROOT / "web" / "crisis_confirm.py"]


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", sorted((ROOT / "planner" / "services").glob("*.py")), ids=lambda p: p.name)
def test_services_import_neither_flask_nor_the_web_app(path):
    bad = {m for m in imported_modules(path) if m.split(".")[0] in ("flask", "werkzeug", "web")}
    assert not bad, f"{path.name} imports {sorted(bad)}"


def test_nothing_below_the_services_imports_them():
    assert BELOW_SERVICES
    offenders = [str(p.relative_to(ROOT)) for p in BELOW_SERVICES
                 if any(m.startswith("planner.services") for m in imported_modules(p))]
    assert not offenders


@pytest.mark.parametrize("path", THIN_VIEWS, ids=lambda p: p.name)
def test_console_views_have_no_function_local_imports_and_stay_small(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    local = [f"{node.name}:{inner.lineno}" for node in ast.walk(tree)
             if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
             for inner in ast.walk(node) if isinstance(inner, (ast.Import, ast.ImportFrom))]
    assert not local, f"{path.name} imports inside {local}"
    assert len(path.read_text(encoding="utf-8").splitlines()) < 300
