"""The 2023 demo scorecards are unchanged by the plan-as-data refactor: every target, status, figure and shortfall.

The reference was written by the code before the change (commit f62a6df; script and command in
tests/data/reference/make_scorecards_before.py), never by the code under test.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

REFERENCE = Path(__file__).parent / "data" / "reference" / "scorecards_2023_before.csv"


@pytest.fixture(scope="module")
def demo_bundle(tmp_path_factory: pytest.TempPathFactory):
    from danvan_analysis.demo import write_demo
    from danvan_analysis.io import load_bundle

    root = tmp_path_factory.mktemp("demo")
    write_demo(root)
    return load_bundle(root)


def test_every_2023_scorecard_row_equals_the_reference(demo_bundle) -> None:
    from danvan_analysis.scorecard import score_all_districts
    from danvan_analysis.survey import EstimationSettings, SurveyDesign, sipas_indices

    survey = demo_bundle.survey[demo_bundle.survey["year"] == 2023]
    satisfaction = sipas_indices(survey, SurveyDesign(), settings=EstimationSettings(df="design")).tidy(year=2023)
    cards = score_all_districts(demo_bundle, year=2023, satisfaction=satisfaction, include_province=True)
    now = cards.to_frame()
    now["shortfalls"] = [
        ";".join(f"{s.unit_code}:{s.reason}" for s in row.shortfalls)
        for c in cards.scorecards.values()
        for row in c.rows
    ]
    before = pd.read_csv(REFERENCE, dtype=str, keep_default_na=False)
    assert len(now) == len(before) == 140
    for column in ("district_code", "target", "level", "unit_code", "status", "rule", "shortfalls"):
        assert now[column].fillna("").astype(str).tolist() == before[column].tolist(), column
    for column in ("value", "threshold", "numerator", "denominator", "ci_low", "ci_high"):
        expected = pd.to_numeric(before[column].replace("", np.nan)).to_numpy(dtype=float)
        np.testing.assert_allclose(
            now[column].to_numpy(dtype=float), expected, rtol=1e-9, equal_nan=True, err_msg=column
        )
