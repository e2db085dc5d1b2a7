"""The layers of docs/design.md hold: import-linter's contract in pyproject.toml, run as `lint-imports`."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]
PACKAGE = ROOT / "danvan_analysis"


def test_lint_imports_keeps_every_contract() -> None:
    command = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or "lint-imports"
    run = subprocess.run([command], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 kept, 0 broken" in run.stdout


def test_no_module_reaches_into_another_packages_private_module() -> None:
    """What one package uses of another is public there: no `from danvan_analysis.x._y import` across packages."""
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        package = path.relative_to(PACKAGE).parts[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("danvan_analysis."):
                parts = node.module.split(".")[1:]
                private = any(p.startswith("_") for p in parts)
                if private and parts[0] != package:
                    offenders.append(f"{path.relative_to(ROOT)}: from {node.module} import …")
    assert offenders == []
