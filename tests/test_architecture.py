"""The layout shows the pipeline: one package per stage, each importing only from the
stages before it, and stage `__init__` files that hold no logic (so importing a light
module of a stage never drags in the heavy ones)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "newsclaims"
# Pipeline order: a module may import from its own stage and from earlier ones only.
STAGES = ("core", "ingest", "preannotate", "studio", "export", "review", "release", "cli")


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _stage(path: Path) -> str | None:
    parts = path.relative_to(PACKAGE).parts
    return parts[0] if len(parts) > 1 else None


def _imported(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
    return [(line, name) for line, name in found if name.split(".")[0] == "newsclaims"]


def test_every_module_belongs_to_a_stage() -> None:
    loose = [p.name for p in _modules() if _stage(p) is None and p.name != "__init__.py"]
    assert loose == []
    assert {p.relative_to(PACKAGE).parts[0] for p in _modules() if _stage(p)} == set(STAGES)


def test_stages_import_only_from_earlier_stages() -> None:
    upward = []
    for path in _modules():
        stage = _stage(path)
        if stage is None:
            continue
        for line, name in _imported(ast.parse(path.read_text("utf-8"))):
            target = name.split(".")[1] if name.count(".") else None
            if target in STAGES and STAGES.index(target) > STAGES.index(stage):
                upward.append(f"{path.relative_to(PACKAGE)}:{line} imports {name}")
    assert upward == []


@pytest.mark.parametrize("stage", [s for s in STAGES if s != "cli"])
def test_stage_init_holds_no_logic(stage: str) -> None:
    tree = ast.parse((PACKAGE / stage / "__init__.py").read_text("utf-8"))
    allowed = (ast.Import, ast.ImportFrom, ast.Expr, ast.Assign)  # docstring, re-exports, __all__
    logic = [type(node).__name__ for node in tree.body if not isinstance(node, allowed)]
    assigned = [t.id for node in tree.body if isinstance(node, ast.Assign)
                for t in node.targets if isinstance(t, ast.Name)]
    assert logic == [] and set(assigned) <= {"__all__"}


def test_loading_a_release_does_not_import_the_builder() -> None:
    code = ("import sys, newsclaims\nnewsclaims.load\n"
            "print(sorted(m for m in sys.modules if m.startswith('newsclaims.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(eval(out.stdout))  # a printed list of module names
    assert "newsclaims.release.loader" in loaded
    assert not loaded & {"newsclaims.release.build", "newsclaims.release.release",
                         "newsclaims.export.validate", "newsclaims.review.agreement"}
