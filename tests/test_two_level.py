"""A two-level year (issue 14, phase 3): demo data on the map from 01/07/2025, loading, commune scorecards."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from danvan_analysis.demo import write_demo
from danvan_analysis.errors import SchemaError
from danvan_analysis.io import load_bundle, load_religion, load_survey
from danvan_analysis.paths import package_data
from danvan_analysis.plan import load_plan
from danvan_analysis.registers import register_for, register_of_year
from danvan_analysis.units import register, set_register


@pytest.fixture(scope="module")
def two_level_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("two_level")
    write_demo(folder, years=[2025, 2026], respondents=1200, seed=7)
    return folder


def test_two_level_demo_has_no_district_and_every_commune(two_level_data: Path) -> None:
    communes = {u.code for u in register_for(2026).units("commune")}
    assert len(communes) == 92
    for path in sorted((two_level_data / "2026").glob("*.csv")):
        header = path.read_text(encoding="utf-8").splitlines()[0].split(",")
        assert "district_code" not in header, path.name
    survey = pd.read_parquet(two_level_data / "2026" / "survey.parquet")
    assert set(survey["commune_code"]) == communes
    # Strata = communes, PSUs = villages of that commune, at least 2 per stratum (docs/methods.md).
    assert (survey["stratum"] == survey["commune_code"]).all()
    assert (survey["psu"].str[:5] == survey["commune_code"]).all()
    assert survey.groupby("stratum")["psu"].nunique().min() >= 2
    # Weights add up to each commune's adults: one total per commune, the province's adults in all.
    assert survey.groupby("commune_code")["weight"].sum().min() > 0


def test_two_level_demo_loads_and_validates(two_level_data: Path) -> None:
    """Clean demo data load without a single warning (no empty indices file for years nothing is published for)."""
    import warnings

    assert not (two_level_data / "2026" / "indices.csv").exists()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bundle = load_bundle(two_level_data, years=[2025, 2026])
    assert bundle.survey["district_code"].isna().all()
    assert set(bundle.religion["commune_code"].dropna()) <= {u.code for u in register_for(2026).units("commune")}
    assert register() is not register_for(2026)  # loading does not leave the two-level register in use


def test_a_2023_commune_is_refused_in_a_2026_file(two_level_data: Path, tmp_path: Path) -> None:
    """A commune code of the 2023 map that is not on the two-level map is an error in a 2026 file."""
    old_only = sorted(
        {u.code for u in register_for(2023).units("commune")} - {u.code for u in register_for(2026).units("commune")}
    )
    frame = pd.read_csv(two_level_data / "2026" / "religion.csv", dtype=str, keep_default_na=False)
    frame.loc[0, "commune_code"] = old_only[0]
    frame.to_csv(tmp_path / "religion.csv", index=False)
    with pytest.raises(SchemaError) as info:
        load_religion(tmp_path / "religion.csv")
    assert old_only[0] in str(info.value) and "row 2" in str(info.value)


def test_a_2023_file_still_needs_district_code(two_level_data: Path, tmp_path: Path) -> None:
    frame = pd.read_parquet(two_level_data / "2026" / "survey.parquet")
    frame["year"] = 2023
    frame.to_parquet(tmp_path / "survey.parquet")
    with pytest.raises(SchemaError, match="district_code"):
        load_survey(tmp_path / "survey.parquet")


def test_commune_scorecards_read_from_the_province_tables_equal_the_commune_own(two_level_data: Path) -> None:
    from danvan_analysis import scorecard

    bundle = load_bundle(two_level_data, years=[2025, 2026])
    plan = load_plan(package_data("plans/example_two_level.yaml"))
    set_register(register_of_year(2026))
    try:
        tables = scorecard.compute_plan_tables(bundle, year=2026, plan=plan)
        cards = scorecard.score_all_communes(bundle, year=2026, plan=plan, tables=tables)
        assert len(cards.scorecards) == 92
        for code in list(cards.scorecards)[::23]:
            own = scorecard.score_targets(bundle, year=2026, district=code, plan=plan)
            left = cards.scorecards[code].to_frame()[["target", "value", "status"]]
            right = own.to_frame()[["target", "value", "status"]]
            pd.testing.assert_frame_equal(left, right)
        # A commune that issued no plan misses target 1 (hand check against the plans file).
        plans = bundle.plans[(bundle.plans["year"] == 2026) & (bundle.plans["unit_kind"] == "commune")]
        silent = plans.loc[~plans["issued"].astype(bool), "unit_code"].tolist()
        assert len(silent) == 2
        for code in silent:
            assert cards.scorecards[code].get("1").status == "not_met"
    finally:
        set_register(None)
