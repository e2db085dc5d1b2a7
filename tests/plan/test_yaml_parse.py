"""The plan file's one-pass YAML parse (libyaml when present) gives what PyYAML's pure-Python compose and load give:
the same data, the same line of every key, and, for a file it refuses, the pure-Python parser's own error."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from danvan_analysis.plan.load import _parse_yaml, line_map

PLANS = sorted((Path(__file__).parents[2] / "danvan_analysis" / "data" / "plans").glob("*.yaml"))
TEXTS = [
    "a: 1\nb:\n  - x\n  - {c: 2, d: [3, 4]}\n",
    "anchor: &x {k: Định Hóa}\nalias: *x\nnumbers: [1, 1.5, 1e3, .inf, null, true, '08']\n",
    "",
    "# only a comment\n",
    "s: |\n  hai dòng\n  văn bản\nt: >\n  gập\n  lại\n",
]


@pytest.mark.parametrize("text", [p.read_text(encoding="utf-8") for p in PLANS] + TEXTS)
def test_one_parse_equals_compose_and_load(text: str) -> None:
    root, data = _parse_yaml(text)
    assert data == yaml.safe_load(text)
    assert line_map(root) == line_map(yaml.compose(text, Loader=yaml.SafeLoader))


def test_the_shipped_plans_are_parsed() -> None:
    assert len(PLANS) >= 2
    assert yaml.__with_libyaml__  # the fast path is the one measured and used here


@pytest.mark.parametrize("text", ["a: [1, 2\nb: 3\n", "a: 1\n  b: 2\n", "k: 'unterminated\n", "- a\nb: c\n"])
def test_a_refused_file_raises_the_pure_python_error(text: str) -> None:
    with pytest.raises(yaml.YAMLError) as pure:
        yaml.compose(text, Loader=yaml.SafeLoader)
    with pytest.raises(yaml.YAMLError) as ours:
        _parse_yaml(text)
    assert str(ours.value) == str(pure.value)
    assert type(ours.value) is type(pure.value)
