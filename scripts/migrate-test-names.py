#!/usr/bin/env python3
"""Bring test modules written against the old test harness into the current one. Re-runnable:
a module already migrated and in its place is left unchanged.

    python scripts/migrate-test-names.py            # every test_*.py and helper under tests/
    python scripts/migrate-test-names.py --dry-run  # say what would change, change nothing
    ruff check --fix tests                          # then: imports sorted again

What it does, in order, to every `tests/**/test_*.py`:
1. Imports: drops `from conftest_web2 import *` and `from services_fixtures import *` (fixtures
   come from tests/conftest.py); `from conftest_web2|services_fixtures|conftest|tests.conftest
   import a, b` becomes `from helpers import ...` (and `from scenarios import small_scenario`).
   A module that took `small_scenario` from conftest_web2 or services_fixtures meant the
   consoles' variant: its calls `small_scenario()` become `small_scenario("consoles")`.
   `from plan_checker|pathway_checker|rule_verifier import` becomes `from checkers.<name> import`;
   `from [tests.]test_e2e_accessibility import` (the axe-core runner) becomes `from helpers import`.
2. Fixtures: web2_seed -> seeded_store_files, web2_engine -> store_engine, web2_app (and
   `loaded`, in a module that took conftest_web2's fixtures) -> loaded_app, web2_live_server ->
   loaded_live_server; in a module that star-imported services_fixtures, the `scenario` fixture (the consoles' scenario there) -> consoles_scenario.
3. Place, for a module at the tests/ root only (`git mv`, so history follows): tests/e2e/ when
   most of its tests drive a browser (`page`/`browser` fixtures) or its name starts test_e2e_;
   tests/checkers/ when its name has "checker"; tests/web/ when it uses a Flask app or client;
   tests/unit/ otherwise.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent / "tests"
OLD_FIXTURE_MODULES = ("conftest_web2", "services_fixtures", "conftest", "tests.conftest")
CHECKER_MODULES = ("plan_checker", "pathway_checker", "rule_verifier")
FIXTURE_RENAMES = {
    "web2_seed": "seeded_store_files",
    "web2_engine": "store_engine",
    "web2_app": "loaded_app",
    "web2_live_server": "loaded_live_server",
}
STAR_IMPORT = re.compile(r"^from (conftest_web2|services_fixtures) import \*.*\n", re.MULTILINE)
NAMED_IMPORT = re.compile(r"^(\s*)from (conftest_web2|services_fixtures|conftest|tests\.conftest) import ([^\n(]+)$",
                          re.MULTILINE)
# The one axe-core runner moved from test_e2e_accessibility.py to helpers.py.
AXE_IMPORT = re.compile(r"^(\s*)from (?:tests\.)?test_e2e_accessibility import ", re.MULTILINE)
CHECKER_IMPORT = re.compile(rf"^(\s*)from ({'|'.join(CHECKER_MODULES)}) import ", re.MULTILINE)
# `loaded` as the fixture (a parameter or a value used), never the word in prose.
LOADED_FIXTURE = re.compile(r"(?<![\w.\"'])loaded\b(?=\s*[.,)\]:])(?!:\s)|(?<=\()loaded\b(?=\))")
SCENARIO_WORD = re.compile(r"(?<![\w.\"'`])scenario\b(?!\s*=[^=])")
BROWSER_TEST = re.compile(r"^def (test_\w+)\(([^)]*)\)", re.MULTILINE)
FLASK_USE = re.compile(r"\b(client|auth|as_role|loaded_app|app|runner|test_client|live_server|store_engine)\b")


def _rewrite_named_import(match: re.Match, consoles: list[bool]) -> str:
    indent, module, names = match.group(1), match.group(2), match.group(3)
    comment = ""
    if "#" in names:
        names, comment = names.split("#", 1)
        comment = "  #" + comment
    parts = [n.strip() for n in names.split(",") if n.strip()]
    scenario_parts = [p for p in parts if p.split(" as ")[0].strip() == "small_scenario"]
    helper_parts = [p for p in parts if p not in scenario_parts]
    if scenario_parts and module in ("conftest_web2", "services_fixtures"):
        consoles.append(True)
    lines = []
    if helper_parts:
        lines.append(f"{indent}from helpers import {', '.join(helper_parts)}{comment}")
    if scenario_parts:
        lines.append(f"{indent}from scenarios import {', '.join(scenario_parts)}")
    return "\n".join(lines)


def _outside_docstrings(text: str, change) -> str:
    """Apply `change` to each line of code, leaving docstrings and comments as written."""
    out, in_doc = [], False
    for line in text.split("\n"):
        quotes = line.count('"""') + line.count("'''")
        if in_doc or line.lstrip().startswith(('"""', "'''", "#")):
            out.append(line)
        else:
            code, hash_, comment = line.partition("  #")
            out.append(change(code) + hash_ + comment)
        if quotes % 2 == 1:
            in_doc = not in_doc
    return "\n".join(out)


def migrate_text(text: str) -> str:
    """The module's text with old imports and fixture names replaced (steps 1 and 2)."""
    services = bool(re.search(r"^from services_fixtures import \*", text, re.MULTILINE))
    # Only modules that took the consoles' fixtures could mean the `loaded` fixture.
    consoles_fixtures = "conftest_web2" in text
    text = STAR_IMPORT.sub("", text)
    consoles: list[bool] = []
    text = NAMED_IMPORT.sub(lambda m: _rewrite_named_import(m, consoles), text)
    text = AXE_IMPORT.sub(lambda m: f"{m.group(1)}from helpers import ", text)
    text = CHECKER_IMPORT.sub(lambda m: f"{m.group(1)}from checkers.{m.group(2)} import ", text)
    if consoles:
        local = re.search(r"small_scenario as (\w+)", text)
        name = local.group(1) if local else "small_scenario"
        text = re.sub(rf"\b{name}\(\)", f'{name}("consoles")', text)
    for old, new in FIXTURE_RENAMES.items():
        text = re.sub(rf"\b{old}\b", new, text)
    if consoles_fixtures:
        text = _outside_docstrings(text, lambda code: LOADED_FIXTURE.sub("loaded_app", code))
    if services:
        text = _outside_docstrings(text, lambda code: SCENARIO_WORD.sub("consoles_scenario", code))
    return text


def kind_of(path: Path, text: str) -> str:
    """Where a test module belongs: e2e, checkers, web or unit (step 3)."""
    tests = BROWSER_TEST.findall(text)
    browser = [name for name, params in tests if re.search(r"\b(page|browser)\b", params)]
    if path.name.startswith("test_e2e_") or (tests and len(browser) * 2 > len(tests)):
        return "e2e"
    if "checker" in path.stem:
        return "checkers"
    if any(FLASK_USE.search(params) for _name, params in tests) or "test_client(" in text:
        return "web"
    return "unit"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dry-run", action="store_true", help="say what would change; change nothing")
    arguments = parser.parse_args()
    for path in sorted(TESTS.rglob("test_*.py")):
        text = path.read_text(encoding="utf-8")
        new = migrate_text(text)
        if new != text:
            print(f"renamed in {path.relative_to(TESTS.parent)}")
            if not arguments.dry_run:
                path.write_text(new, encoding="utf-8")
        if path.parent == TESTS:
            target = TESTS / kind_of(path, new) / path.name
            print(f"move {path.relative_to(TESTS.parent)} -> {target.relative_to(TESTS.parent)}")
            if not arguments.dry_run:
                target.parent.mkdir(exist_ok=True)
                subprocess.run(["git", "mv", str(path), str(target)], check=True, cwd=TESTS.parent)
    return 0


if __name__ == "__main__":
    sys.exit(main())
