"""Plan files of a two-level year (from 01/07/2025): the shipped example, and the checks that keep districts out."""

from __future__ import annotations

import pytest

from danvan_analysis.errors import PlanError
from danvan_analysis.paths import package_data
from danvan_analysis.plan import load_plan, plan_from_text

EXAMPLE = package_data("plans/example_two_level.yaml")


def test_example_two_level_plan_loads_without_a_district_anywhere():
    plan = load_plan(EXAMPLE)
    assert plan.spec.plan.year == 2026
    assert plan.spec.plan.levels == ("province", "commune")
    scopes = {check.scope for target in plan.spec.targets for check in target.checks}
    assert "district" not in scopes and "commune" in scopes
    assert all("all_districts" not in a.units for a in plan.spec.agencies)
    assert plan.assignments_of("05830", kind="commune")  # all_communes names every commune


def test_example_is_marked_as_an_example():
    text = EXAMPLE.read_text(encoding="utf-8")
    assert text.startswith("# EXAMPLE ONLY")
    assert load_plan(EXAMPLE).spec.plan.title.vi.startswith("VÍ DỤ")


def _edited(old: str, new: str) -> str:
    text = EXAMPLE.read_text(encoding="utf-8")
    assert old in text
    return text.replace(old, new)


def test_district_level_in_a_two_level_year_is_a_problem():
    with pytest.raises(PlanError, match=r"plan\.levels.*no district level in 2026"):
        plan_from_text(_edited("levels: [province, commune]", "levels: [province, district, commune]"))


def test_all_districts_in_a_two_level_year_is_a_problem():
    with pytest.raises(PlanError, match="all_districts"):
        plan_from_text(_edited("units: [all_agencies, all_communes]", "units: [all_agencies, all_districts]"))


def test_a_province_merged_in_2025_has_no_two_level_plan():
    with pytest.raises(PlanError, match="province_code"):
        plan_from_text(_edited('province_code: "19"', 'province_code: "06"'))  # Bắc Kạn is part of 19 since 2025


def test_another_province_may_bring_its_plan():
    plan = plan_from_text(_edited('province_code: "19"', 'province_code: "01"'))
    assert plan.spec.plan.province_code == "01"
