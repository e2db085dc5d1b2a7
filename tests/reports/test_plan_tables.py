"""A unit's plan tables read back from the batch's shared folder are the tables computed, field by field and type by
type; the memory only saves work (a stale format, a broken file or a value JSON cannot keep is computed again)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from danvan_analysis.demo import write_demo
    from danvan_analysis.io import load_bundle

    root = tmp_path_factory.mktemp("demo")
    write_demo(root, years=[2022, 2023], respondents=600, seed=5)
    return load_bundle(root, optional=("dialogues", "religion", "complaints", "boards", "plans", "inspections"))


def _fields(tables: dict[str, Any]) -> dict[str, Any]:
    """Every field of every table with its type: equal only when the values and their types are."""

    def typed(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: typed(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [typed(v) for v in value]
        return (type(value).__name__, value)

    return {name: None if t is None else typed(dataclasses.asdict(t)) for name, t in tables.items()}


@pytest.mark.parametrize("district", [None, "170"])
def test_tables_read_back_equal_the_tables_computed(
    bundle: Any, district: str | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from danvan_analysis import scorecard
    from danvan_analysis.plan import load_plan
    from danvan_analysis.reports.plan_tables import plan_tables

    plan = load_plan(None)
    computed = scorecard.compute_plan_tables(bundle, year=2023, district=district, plan=plan)
    assert sum(len(t.indicators) for t in computed.values() if t is not None) > 50  # a real set of tables
    first = plan_tables(bundle, year=2023, district=district, plan=plan, shared_cache=tmp_path)
    assert _fields(first) == _fields(computed)
    stored = list((tmp_path / "plan_tables").rglob("*.json"))
    assert len(stored) == 1 and stored[0].name == f"2023-{district or 'province'}.json"

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("computed again although another report left the tables")

    monkeypatch.setattr(scorecard, "compute_plan_tables", refuse)
    again = plan_tables(bundle, year=2023, district=district, plan=plan, shared_cache=tmp_path)
    assert _fields(again) == _fields(computed)
    assert [type(t) for t in again.values()] == [type(t) for t in computed.values()]


def test_each_plan_period_year_and_unit_has_its_own_file(bundle: Any, tmp_path: Path) -> None:
    from danvan_analysis.plan import load_plan
    from danvan_analysis.reports.plan_tables import plan_tables

    plan = load_plan(None)
    plan_tables(bundle, year=2023, district="170", plan=plan, shared_cache=tmp_path)
    plan_tables(bundle, year=2023, district="170", plan=plan, period="H1", shared_cache=tmp_path)
    plan_tables(bundle, year=2022, district="170", plan=plan, shared_cache=tmp_path)
    plan_tables(bundle, year=2023, district="164", plan=plan, shared_cache=tmp_path)
    names = sorted(str(p.relative_to(tmp_path / "plan_tables")) for p in tmp_path.rglob("*.json"))
    key = plan.digest[:16]
    assert names == sorted(
        [
            f"{key}-year/2023-170.json",
            f"{key}-H1/2023-170.json",
            f"{key}-year/2022-170.json",
            f"{key}-year/2023-164.json",
        ]
    )
    h1 = plan_tables(bundle, year=2023, district="170", plan=plan, period="H1", shared_cache=tmp_path)
    year = plan_tables(bundle, year=2023, district="170", plan=plan, shared_cache=tmp_path)
    assert _fields(h1) != _fields(year)  # the period's cut-off made a difference, and each file kept its own


def test_a_broken_or_foreign_file_is_computed_again(bundle: Any, tmp_path: Path) -> None:
    from danvan_analysis.plan import load_plan
    from danvan_analysis.reports.plan_tables import plan_tables
    from danvan_analysis.scorecard import compute_plan_tables

    plan = load_plan(None)
    want = _fields(compute_plan_tables(bundle, year=2023, district="170", plan=plan))
    plan_tables(bundle, year=2023, district="170", plan=plan, shared_cache=tmp_path)
    (path,) = tmp_path.rglob("*.json")
    for text in ("{not json", '{"format": 999, "tables": {}}', '{"format": 1, "tables": {"plans": {"theme": 1}}}'):
        path.write_text(text, encoding="utf-8")
        assert _fields(plan_tables(bundle, year=2023, district="170", plan=plan, shared_cache=tmp_path)) == want


def test_a_value_json_cannot_keep_is_not_stored(bundle: Any, tmp_path: Path) -> None:
    import numpy as np

    from danvan_analysis.plan import load_plan
    from danvan_analysis.reports.plan_tables import _dumps
    from danvan_analysis.scorecard import compute_plan_tables

    tables = compute_plan_tables(bundle, year=2023, district="170", plan=load_plan(None))
    assert _dumps(tables) is not None
    name, table = next((n, t) for n, t in tables.items() if t is not None and t.indicators)
    first = dataclasses.replace(table.indicators[0], numerator=np.int64(3))
    odd = {**tables, name: dataclasses.replace(table, indicators=(first, *table.indicators[1:]))}
    assert _dumps(odd) is None  # read back it would be an int, not the numpy integer computed


@pytest.mark.parametrize("district", [None, "170"])
def test_last_years_scorecard_from_the_scored_themes_only_is_the_same(
    bundle: Any, district: str | None, tmp_path: Path
) -> None:
    """A report shows last year's scorecard only: computed from the themes its targets read (not complaints), it has
    the same rows, figures and notes as from every theme's tables; the subset is stored in a file of its own, so a
    report asking for every table never reads it."""
    from danvan_analysis import scorecard
    from danvan_analysis.plan import load_plan
    from danvan_analysis.reports.plan_tables import plan_tables

    plan = load_plan(None)
    themes = scorecard.scored_themes(plan)
    assert "complaints" not in themes and {"dialogues", "boards", "plans", "religion", "inspections"} <= set(themes)
    subset = plan_tables(bundle, year=2022, district=district, plan=plan, shared_cache=tmp_path, themes=themes)
    assert list(subset) == list(themes)
    full = scorecard.compute_plan_tables(bundle, year=2022, district=district, plan=plan)
    cards = [
        scorecard.score_targets(bundle, year=2022, district=district, plan=plan, tables=tables)
        for tables in (subset, full)
    ]
    assert cards[0].rows == cards[1].rows and cards[0].notes == cards[1].notes
    assert _fields(subset) == _fields({name: full[name] for name in themes})
    everything = plan_tables(bundle, year=2022, district=district, plan=plan, shared_cache=tmp_path)
    assert list(everything) == list(full)
    assert len(list((tmp_path / "plan_tables").rglob("*.json"))) == 2
