"""The house follows the data: each package imports only the layers below it, and no package loop.

Read from the source (every ``import`` and ``from ... import``, function-level ones included),
so a shortcut taken anywhere in a module fails here, not in a review.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[1] / "src" / "sagesync"

# What each package may import (besides itself). Utilities at the bottom, interfaces at the top,
# in the order of DESIGN.md's data flow: core, then the adapters (sources, sage), the ledger that
# owns delivery, the FEC and reports, the steps, the job that wires them, and the interfaces.
BASE = {"errors", "storage_errors", "bulk", "sqlite", "__version__", "i18n"}
ALLOWED: dict[str, set[str]] = {
    "i18n": set(),  # everything a person reads is translated, from the core up
    "i18n_tools": {"i18n"},  # the developer's catalog tool
    "core": {"i18n"},
    "errors": {"i18n"},
    "storage_errors": {"errors", "i18n"},
    "bulk": set(),
    "sqlite": set(),
    "profiles": {"core"} | BASE,
    "sources": {"core", "profiles"} | BASE,  # the client factory reads the profile
    "sage": {"core", "profiles"} | BASE,
    "ledger": {"core", "sage"} | BASE,
    "fec": {"core", "sage", "ledger"} | BASE,
    "exports": {"core"} | BASE,
    "steps": {"core", "ledger", "sources", "exports"} | BASE,
    "jobs": {"core", "profiles", "sources", "sage", "ledger", "fec", "exports", "steps"} | BASE,
    "sandbox": {"core", "sources"} | BASE,
    # unattended runs (schedules, alerts, the worker queue) drive jobs, as an interface would, with no screen
    "unattended": {"core", "profiles", "sage", "ledger", "steps", "jobs"} | BASE,
    "interfaces": {"core", "profiles", "sources", "sage", "ledger", "fec", "exports", "steps", "jobs", "sandbox",
                   "unattended"}
    | BASE,
}


def _package_of(path: Path) -> str:
    parts = path.relative_to(SOURCE).with_suffix("").parts
    return parts[0]


def _imports() -> dict[str, set[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for path in SOURCE.rglob("*.py"):
        if path.parent == SOURCE and path.name == "__init__.py":
            continue  # the package's lazy public API names everything on purpose
        me = _package_of(path)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                if node.module == "sagesync":
                    names = [alias.name for alias in node.names]
                elif node.module.startswith("sagesync."):
                    names = [node.module.split(".")[1]]
            elif isinstance(node, ast.Import):
                names = [alias.name.split(".")[1] for alias in node.names if alias.name.startswith("sagesync.")]
            found[me].update(name for name in names if name != me)
    return found


def test_every_package_is_known_to_the_layering() -> None:
    assert set(_imports()) <= set(ALLOWED)


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_a_package_imports_only_the_layers_below_it(package: str) -> None:
    assert _imports().get(package, set()) <= ALLOWED[package], f"{package} reaches above its layer"


def test_no_import_cycle_between_packages() -> None:
    graph = _imports()

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        for other in graph.get(start, set()):
            if other == goal or (other not in seen and reaches(other, goal, seen | {other})):
                return True
        return False

    looped = sorted(package for package in graph if reaches(package, package, {package}))
    assert looped == []


def test_the_layering_itself_has_no_loop() -> None:
    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        return any(other == goal or (other not in seen and reaches(other, goal, seen | {other}))
                   for other in ALLOWED.get(start, set()))

    assert [package for package in ALLOWED if reaches(package, package, {package})] == []


def test_an_adapter_imports_nothing_from_the_ledger() -> None:
    """The Sage port's adapters are handed items and return receipts: they never write the ledger."""
    for path in (SOURCE / "sage").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert not node.module.startswith("sagesync.ledger"), path.name
