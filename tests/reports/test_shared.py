"""The batch-shared results follow the plan file's interval rule, and read only the reported year and earlier."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from danvan_analysis.demo import write_demo

    root = tmp_path_factory.mktemp("demo")
    write_demo(root, years=[2022, 2023, 2024], respondents=1000, seed=3)
    return root


def test_interval_method_of_the_plan_reaches_the_shared_indices(demo: Path) -> None:
    from danvan_analysis.io import load_bundle
    from danvan_analysis.reports.shared import compute_shared_results
    from danvan_analysis.survey import EstimationSettings, SurveyDesign, sipas_indices

    shared = compute_shared_results(data_dir=demo, year=2023, ci_method="beta")
    survey = load_bundle(demo).survey
    direct = sipas_indices(
        survey[survey["year"] == 2023], SurveyDesign(), settings=EstimationSettings(ci_method="beta")
    )
    logit = sipas_indices(survey[survey["year"] == 2023], SurveyDesign())
    got, want, other = (r.tidy(year=2023)["ci_low"].to_numpy() for r in (shared.indices[2023], direct, logit))
    np.testing.assert_allclose(got, want, equal_nan=True)
    assert not np.allclose(got, other, equal_nan=True)  # the rule made a difference


def test_a_later_year_never_enters_a_report(demo: Path) -> None:
    from danvan_analysis.reports.shared import compute_shared_results

    shared = compute_shared_results(data_dir=demo, year=2023)
    assert sorted(shared.indices) == [2022, 2023]
    assert set(shared.bundle.survey["year"]) == {2022, 2023}
