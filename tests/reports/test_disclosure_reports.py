"""No survey figure of a district with 8 respondents reaches a report: not its headline, tables, comparison, change,
nor the index page; and it cannot be worked back from what is shown (a second district is withheld with it)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Demo data where Phú Bình (173) kept 8 respondents in 2023, in two communes."""
    from danvan_analysis.demo import write_demo

    root = tmp_path_factory.mktemp("small")
    write_demo(root, years=[2022, 2023], respondents=3000, seed=9)
    path = root / "2023" / "survey.parquet"
    survey = pd.read_parquet(path)
    mine = survey[survey["district_code"] == "173"]
    psus = mine["psu"].unique()[:2]
    few = pd.concat([mine[mine["psu"] == psus[0]].head(4), mine[mine["psu"] == psus[1]].head(4)])
    pd.concat([survey[survey["district_code"] != "173"], few]).to_parquet(path, index=False)
    (root / "2023" / "survey.csv").unlink(missing_ok=True)
    return root


def test_every_published_table_withholds_the_small_district(small: Path) -> None:
    from danvan_analysis.reports.params import validate_district_params
    from danvan_analysis.reports.views import build_district_view, headline_figures, published_comparison

    view = build_district_view(validate_district_params(district="173", year=2023, data_dir=str(small)))
    table = view.satisfaction
    mine = table[(table["year"] == 2023) & (table["domain"] == "173")]
    assert len(mine) == 45 and mine["estimate"].isna().all()  # every item, element, aspect and the overall index
    assert headline_figures(view)["satisfaction"] is None
    assert view.scorecard.get("2e").status == "no_data"
    comparison = published_comparison(view.shared.comparison.to_frame(), min_n=10)
    rows = comparison[comparison["district_code"] == "173"]
    assert rows[["estimate", "estimate_rest", "difference"]].isna().all().all()
    change = published_comparison(view.shared.change.to_frame(), min_n=10, change=True)
    assert change.loc[change["district_code"] == "173", ["estimate_from", "estimate_to", "change"]].isna().all().all()
    # The province total and eight districts would give 173 back: a second district is withheld for each variable.
    others = table[(table["year"] == 2023) & (table["by"] == "district_code") & (table["domain"] != "173")]
    per_variable = others.groupby("variable")["suppressed"].sum()
    assert (per_variable >= 1).all()


def test_the_index_page_shows_no_figure_for_it(small: Path, tmp_path: Path) -> None:
    from danvan_analysis.batch import BatchSettings, run_batch

    out = tmp_path / "out"
    result = run_batch(
        BatchSettings(year=2023, data_dir=small, out_dir=out, districts=("173",), progress=False, jobs=1)
    )
    assert result.ok
    record = next(r for r in result.records if r.name == "173")
    assert record.headline["satisfaction"] is None
    page = (out / "173-phu-binh.html").read_text(encoding="utf-8")
    assert "Số người trả lời quá ít (n = " in page  # the reader is told why there is no figure
