"""Small-cell suppression and the respondent-row guard."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from danvan_analysis.disclosure import (
    DisclosureSettings,
    count_suppressed,
    ensure_no_respondents,
    suppress_small_cells,
)
from danvan_analysis.errors import ParameterError, PrivacyError, SchemaError


@pytest.fixture
def estimates() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "domain": ["164", "05431", "05434", "05437"],
            "variable": "overall",
            "estimate": [82.0, 91.0, 75.0, 60.0],
            "se": [1.0, 5.0, 4.0, 9.0],
            "ci_low": [80.0, 81.0, 67.0, 42.0],
            "ci_high": [84.0, 100.0, 83.0, 78.0],
            "n": [640, 9, 10, np.nan],
        }
    )


def test_cells_below_ten_respondents_are_suppressed(estimates: pd.DataFrame) -> None:
    out = suppress_small_cells(estimates)
    assert out["suppressed"].tolist() == [False, True, False, True]  # n = 9 and unknown n
    assert out.loc[1, ["estimate", "se", "ci_low", "ci_high"]].isna().all()
    assert out.loc[2, "estimate"] == 75.0  # n = 10 is published
    assert out["note"].tolist() == ["", "n < 10", "", "n < 10"]
    assert out["n"].tolist()[:3] == [640, 9, 10]
    assert count_suppressed(out) == 2
    assert estimates.loc[1, "estimate"] == 91.0  # the input is not modified


def test_threshold_is_configurable(estimates: pd.DataFrame) -> None:
    out = suppress_small_cells(estimates, settings=DisclosureSettings(min_n=700))
    assert out["suppressed"].all()
    assert set(out["note"]) == {"n < 700"}
    with pytest.raises(ParameterError, match="min_n"):
        suppress_small_cells(estimates, settings=DisclosureSettings(min_n=0))


def test_table_without_n_is_refused(estimates: pd.DataFrame) -> None:
    with pytest.raises(SchemaError, match="'n'"):
        suppress_small_cells(estimates.drop(columns="n"))


def test_respondent_rows_never_pass(estimates: pd.DataFrame) -> None:
    respondents = pd.DataFrame({"respondent_id": ["r1", "r2"], "q01": [4, 5]})
    with pytest.raises(PrivacyError, match="respondent_id"):
        ensure_no_respondents(respondents)
    with pytest.raises(PrivacyError):
        ensure_no_respondents(respondents.set_index("respondent_id"))
    with pytest.raises(PrivacyError, match="Phone"):
        ensure_no_respondents(pd.DataFrame({"Phone": ["0912"]}))
    with pytest.raises(PrivacyError):
        suppress_small_cells(estimates.assign(respondent_id="r1"))
    assert ensure_no_respondents(estimates) is estimates


def test_docstring_examples_run() -> None:
    import doctest

    from danvan_analysis import disclosure

    assert doctest.testmod(disclosure).failed == 0


def _tidy(rows: list[tuple[str, str, str, float, int]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["by", "domain", "variable", "estimate", "n"]).assign(year=2023)


def test_a_composite_is_withheld_with_its_part() -> None:
    """P1 is the mean of q01–q03: with q01 withheld, 3·P1 − q02 − q03 would give it back; so P1, its aspect and the
    overall index are withheld too, in that domain only."""
    from danvan_analysis.disclosure import suppress_survey_table
    from danvan_analysis.survey import composite_parents

    rows = [
        ("district_code", "165", v, 80.0, 6 if v == "q01" else 400)
        for v in ("q01", "q02", "q03", "P1", "policy", "service", "overall")
    ]
    rows += [("district_code", d, "q01", 80.0, 300) for d in ("164", "167")]
    out = suppress_survey_table(_tidy(rows), parents=composite_parents())
    withheld = set(out.loc[out["suppressed"], ["domain", "variable"]].itertuples(index=False, name=None))
    assert {("165", "q01"), ("165", "P1"), ("165", "policy"), ("165", "overall")} <= withheld
    assert ("165", "q02") not in withheld and ("165", "service") not in withheld
    assert out.loc[out["suppressed"], "estimate"].isna().all()


def test_a_lone_withheld_district_takes_a_second_one() -> None:
    """The province is the population-weighted mean of its districts: one withheld district could be solved for,
    so the smallest other district of that variable is withheld too; the province row stays."""
    from danvan_analysis.disclosure import suppress_survey_table

    rows = [("district_code", d, "overall", 85.0, n) for d, n in (("164", 500), ("165", 7), ("167", 90), ("168", 300))]
    rows.append(("all", "19", "overall", 86.0, 897))
    out = suppress_survey_table(_tidy(rows)).set_index("domain")
    assert out.loc["165", "suppressed"] and out.loc["167", "suppressed"]  # 167: the smallest other n
    assert not out.loc["164", "suppressed"] and not out.loc["19", "suppressed"]
    two = suppress_survey_table(_tidy([*rows, ("district_code", "169", "overall", 70.0, 5)])).set_index("domain")
    assert not two.loc["167", "suppressed"]  # two withheld already: nothing more to protect
