"""Joining a dataset's files: whole for small frames, column by column for large ones, the same frame either way."""

from __future__ import annotations

import pandas as pd
import pytest


def _files() -> list[pd.DataFrame]:
    """Two files' frames of one dataset: categoricals whose categories differ (and are unsorted), text, numbers with
    missing values, a nullable integer."""
    first = pd.DataFrame(
        {
            "district_code": pd.Categorical(["170", "164", "170"], categories=["170", "164"]),
            "topic": pd.Categorical(["land", None, "other"]),
            "name": pd.Series(["Võ Nhai", "Thái Nguyên", "Võ Nhai"], dtype="str"),
            "weight": [1.5, None, 2.0],
            "q1": pd.array([1, None, 5], dtype="Int8"),
        }
    )
    second = pd.DataFrame(
        {
            "district_code": pd.Categorical(["165", "164"]),
            "topic": pd.Categorical(["environment", "land"]),
            "name": pd.Series(["Sông Công", "Thái Nguyên"], dtype="str"),
            "weight": [3.0, 4.25],
            "q1": pd.array([None, 2], dtype="Int8"),
        }
    )
    return [first, second]


def test_small_and_large_joins_give_the_same_frame(monkeypatch: pytest.MonkeyPatch) -> None:
    from danvan_analysis.io import bundle
    from danvan_analysis.schemas import get_spec

    spec = get_spec("survey")
    whole = bundle.concat_frames(_files(), spec)
    monkeypatch.setattr(bundle, "JOIN_WHOLE_ROWS", 0)  # as for a million rows: column by column
    by_column = bundle.concat_frames(_files(), spec)
    pd.testing.assert_frame_equal(whole, by_column, check_exact=True)
    assert list(whole["district_code"].cat.categories) == ["164", "165", "170"]  # one sorted union
    assert whole["district_code"].tolist() == ["170", "164", "170", "165", "164"]
    assert whole["topic"].isna().tolist() == [False, True, False, False, False]
    assert whole.index.equals(pd.RangeIndex(5)) and whole["q1"].dtype == "Int8"
