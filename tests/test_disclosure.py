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
