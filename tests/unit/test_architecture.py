"""The house rules a reader relies on: areas talk through public names, pure modules stay pure, areas plug in.

An area is a package of oversight/ (accounts, registry, incidents …), contracts/ or audits/; oversight's top-level
modules (app, permissions, uow …) are the core. No module of one area imports another's `_private` name.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("oversight", "contracts", "audits")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


# The modules a lawyer or auditor checks line by line: they import neither Flask nor the database.
PURE_MODULES = [
    "oversight.incidents.art26",
    *(f"oversight.incidents.art26.{p.stem}" for p in sorted((ROOT / "oversight/incidents/art26").glob("[a-z]*.py"))),
    "oversight.registry.chain",
    *(module_name(p) for pattern in ("contracts/assembly*.py", "contracts/assembly/*.py")
      for p in sorted(ROOT.glob(pattern))),  # the clause assembly, however many modules it becomes
    "contracts.era",
    "contracts.gaps",
    "contracts.notice_period",
    "audits",
    "audits.answers",
    "audits.cadence",
    "audits.library",
    "audits.parsing",
    "audits.questionnaire",
    "audits.scoring",
    "audits.tier_policy",
    "audits.tiers",
    "audits.checklists",
    "audits.campaign_policy",
    "audits.declarations",
    "audits.crosscheck_rules",
    "audits.answer_changes",
    "audits.selection_policy",
]
FORBIDDEN = ("flask", "flask_sqlalchemy", "sqlalchemy", "psycopg", "werkzeug", "oversight.extensions")


def area_of(module: str) -> str:
    """contracts, audits, oversight.<package>, or oversight (the core's top-level modules)."""
    parts = module.split(".")
    if parts[0] != "oversight" or len(parts) == 1:
        return parts[0]
    return f"oversight.{parts[1]}" if (ROOT / "oversight" / parts[1]).is_dir() else "oversight"


def is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def private_reach_ins(path: Path, source: str | None = None) -> list[str]:
    """Each `_name` this module takes from another area: imported by name, or read off an imported module."""
    here = area_of(module_name(path))
    tree = ast.parse(path.read_text(encoding="utf-8") if source is None else source)
    modules: dict[str, str] = {}  # local name → module it stands for
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    modules[alias.asname] = alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                target = f"{node.module}.{alias.name}"
                if (ROOT / Path(*target.split("."))).is_dir() or (ROOT / f"{Path(*target.split('.'))}.py").exists():
                    modules[alias.asname or alias.name] = target
                elif is_private(alias.name) and node.module.split(".")[0] in PACKAGES \
                        and area_of(node.module) != here:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}: from {node.module} import {alias.name}")
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and is_private(node.attr):
            module = modules.get(node.value.id)
            if module and module.split(".")[0] in PACKAGES and area_of(module) != here:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {module}.{node.attr}")
    return found


def source_files() -> list[Path]:
    return [p for package in PACKAGES for p in sorted((ROOT / package).rglob("*.py"))]


def test_no_area_imports_another_areas_private_names():
    reach_ins = [line for path in source_files() for line in private_reach_ins(path)]
    assert reach_ins == []


def test_the_guard_sees_a_private_reach_in_by_name_and_through_a_module():
    probe = ROOT / "oversight" / "dashboard" / "reach_in_probe.py"
    source = ("from oversight.registry.queries import _hidden\n"
              "from oversight.registry import services as registry\n"
              "registry._with_ancestors()\n"
              "from oversight.dashboard.services import _own\n")
    assert private_reach_ins(probe, source) == [
        "oversight/dashboard/reach_in_probe.py:1: from oversight.registry.queries import _hidden",
        "oversight/dashboard/reach_in_probe.py:3: oversight.registry.services._with_ancestors",
    ]


@pytest.mark.parametrize("module", PURE_MODULES)
def test_a_pure_module_imports_neither_flask_nor_the_database(module):
    code = (f"import sys, importlib; importlib.import_module({module!r}); "
            f"print(sorted(m for m in sys.modules if m in {FORBIDDEN!r} or m.split('.')[0] in {FORBIDDEN!r}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


def test_every_area_plugs_in_through_its_init_app_and_the_factory_lists_them_all(app):
    from oversight.app import areas

    packages = {p.parent.name for p in (ROOT / "oversight").glob("*/__init__.py")} - {"api", "vocabulary"}
    listed = {area.__name__.split(".")[-1] for area in areas()}
    assert listed == packages | {"contracts", "audits"}
    assert all(callable(getattr(area, "init_app", None)) for area in areas())
