"""The README's Python example runs as written on the demo data."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from danvan_analysis.demo import write_demo

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.mark.slow
def test_readme_python_example_runs(tmp_path, capsys):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
    assert blocks, "the README shows no Python example"
    write_demo(tmp_path / "demo", years=[2022, 2023], respondents=3000, seed=5)
    code = blocks[0].replace('"data/demo"', repr(str(tmp_path / "demo")))
    namespace: dict[str, object] = {}
    exec(compile(code, str(README), "exec"), namespace)
    summary = namespace["card"].summary()
    assert sum(summary.values()) >= 13  # one row per target of the plan
    assert str(summary) in capsys.readouterr().out
