"""The curated public surface: every advertised name resolves, and importing the package loads nothing heavy."""

from __future__ import annotations

import subprocess
import sys

import danvan_analysis as dv


def test_every_exported_name_resolves():
    for name in dv.__all__:
        assert getattr(dv, name) is not None, name


def test_import_has_no_heavy_side_effects():
    code = "import sys, danvan_analysis; print(sorted(m for m in ('pandas', 'statsmodels', 'matplotlib') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
    assert result.stderr == ""
