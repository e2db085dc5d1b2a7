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
    assert set(shared.respondents["year"]) == {2022, 2023} and shared.bundle.years == (2022, 2023)


def test_reports_receive_slices_not_survey_rows(demo: Path, tmp_path: Path) -> None:
    """The shared results hold each district's results, equal to estimates made on that district's rows alone, and
    no survey row: on the cache path and the in-notebook path alike."""
    import pandas as pd

    from danvan_analysis.io import load_bundle
    from danvan_analysis.reports.shared import compute_shared_results, read_shared_results, write_shared_results
    from danvan_analysis.survey import SurveyDesign, commune_design, priority_shares, sipas_indices

    computed = compute_shared_results(data_dir=demo, year=2023)
    cached = read_shared_results(write_shared_results(computed, tmp_path / "cache"))
    survey = load_bundle(demo, years=[2022, 2023]).survey
    this_year = survey[survey["year"] == 2023]
    rows = this_year[this_year["district_code"] == "167"]
    direct = sipas_indices(rows, commune_design(), by=["commune_code"]).tidy()
    priorities = priority_shares(this_year, SurveyDesign()).to_frame()
    for shared in (computed, cached):
        assert shared.bundle.survey.empty and list(shared.bundle.survey.columns) == list(survey.columns)
        assert shared.district_respondents("167", year=2023) == len(rows)
        assert shared.district_respondents(None, year=2023) == len(this_year)
        assert shared.district_respondents("167", year=2022) == int((survey["district_code"] == "167").sum()) - len(
            rows
        )
        mine = shared.district_communes("167")
        pd.testing.assert_frame_equal(mine, direct, check_dtype=False)
        pd.testing.assert_frame_equal(shared.priorities.to_frame(), priorities, check_dtype=False)


def test_the_compact_survey_gives_the_estimates_of_the_loaded_one(demo: Path) -> None:
    """The shared step keeps the survey without its IDs, text codes as categoricals, each year's rows taken without
    a copy, and compares two years on their rows alone: every shared result equals, value for value and dtype for
    dtype, the estimate made on the survey as loaded (all three years for the change)."""
    import pandas as pd

    from danvan_analysis.io import load_bundle
    from danvan_analysis.reports.shared import _count_respondents, _survey_columns, compute_shared_results
    from danvan_analysis.survey import (
        SATISFACTION_PREDICTORS,
        SurveyDesign,
        compare_districts,
        compare_years,
        fit_satisfaction_model,
        priority_shares,
        sipas_indices,
    )

    shared = compute_shared_results(data_dir=demo, year=2023)
    survey = load_bundle(demo, years=[2022, 2023]).survey
    compact = load_bundle(demo, years=[2022, 2023], columns={"survey": _survey_columns()}).survey
    assert list(compact.columns) == [c for c in survey.columns if c != "respondent_id"]
    assert isinstance(compact["commune_code"].dtype, pd.CategoricalDtype)
    assert compact.memory_usage(deep=True).sum() < survey.memory_usage(deep=True).sum() / 2
    design = SurveyDesign()
    this_year = survey[survey["year"] == 2023]
    expected = {
        "indices 2022": (shared.indices[2022], sipas_indices(survey[survey["year"] == 2022], design)),
        "indices 2023": (shared.indices[2023], sipas_indices(this_year, design)),
        "comparison": (shared.comparison, compare_districts(this_year, design)),
        "change": (shared.change, compare_years(load_bundle(demo).survey, design, years=(2022, 2023))),
        "priorities": (shared.priorities, priority_shares(this_year, design)),
        "model": (
            shared.model,
            fit_satisfaction_model(this_year, design, predictors=(*SATISFACTION_PREDICTORS, "district_code")),
        ),
    }
    for name, (got, want) in expected.items():
        pd.testing.assert_frame_equal(got.to_frame(), want.to_frame(), check_exact=True, obj=name)
        assert got.caveats == want.caveats, name
    pd.testing.assert_frame_equal(shared.respondents, _count_respondents(survey), check_exact=True)


def test_every_earlier_year_is_estimated_though_only_two_are_kept(demo: Path) -> None:
    """Reporting on 2024: 2022 is estimated as it is loaded and let go (only 2023 and 2024 are compared), its indices
    those of the survey as loaded; the change is 2023 to 2024."""
    import pandas as pd

    from danvan_analysis.io import load_bundle
    from danvan_analysis.reports.shared import compute_shared_results
    from danvan_analysis.survey import SurveyDesign, compare_years, sipas_indices

    shared = compute_shared_results(data_dir=demo, year=2024)
    survey = load_bundle(demo).survey
    design = SurveyDesign()
    assert sorted(shared.indices) == [2022, 2023, 2024]
    for y in (2022, 2023, 2024):
        want = sipas_indices(survey[survey["year"] == y], design)
        pd.testing.assert_frame_equal(shared.indices[y].to_frame(), want.to_frame(), check_exact=True, obj=str(y))
    want = compare_years(survey, design, years=(2023, 2024))
    pd.testing.assert_frame_equal(shared.change.to_frame(), want.to_frame(), check_exact=True)
    assert sorted(set(shared.respondents["year"])) == [2022, 2023, 2024]


def test_the_folder_gives_back_every_table_as_computed(demo: Path, tmp_path: Path) -> None:
    """Every table written to the shared folder (the data bundle, the results, the slices) reads back equal to the
    computed one, values, dtypes and index alike, and the folder holds Arrow IPC files only, with ``meta.json``."""
    import dataclasses
    import json

    import pandas as pd

    from danvan_analysis.reports import shared as module
    from danvan_analysis.reports.shared import compute_shared_results, read_shared_results, write_shared_results

    computed = compute_shared_results(data_dir=demo, year=2023)
    folder = write_shared_results(computed, tmp_path / "cache")
    cached = read_shared_results(folder)
    assert {p.suffix for p in folder.iterdir()} == {".arrow", ".json"}
    for name in (*module._DATASETS, "warnings", "rejected"):
        pd.testing.assert_frame_equal(getattr(cached.bundle, name), getattr(computed.bundle, name), check_exact=True)
    for name in module._SLICES:
        if getattr(computed, name) is not None:
            pd.testing.assert_frame_equal(getattr(cached, name), getattr(computed, name), check_exact=True)
    pairs = [(cached.indices[y], computed.indices[y]) for y in computed.indices]
    pairs += [(getattr(cached, n), getattr(computed, n)) for n in module._RESULTS if getattr(computed, n) is not None]
    assert len(pairs) >= 5
    for got, want in pairs:
        assert type(got) is type(want)
        for field in dataclasses.fields(want):
            if field.name == "_table":
                pd.testing.assert_frame_equal(got._table, want._table, check_exact=True)
            else:  # meta.json holds them: tuples come back as lists
                plain = [json.loads(json.dumps(getattr(r, field.name), default=str)) for r in (got, want)]
                assert plain[0] == plain[1], field.name
